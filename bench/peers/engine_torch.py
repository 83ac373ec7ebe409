"""Peer of bench/engine.ts: the same cases in PyTorch, timed the same way.

Usage: python3 bench/peers/engine_torch.py CONFIG.json
CONFIG (written by bench/engine.ts) gives the device, threads, warm-up and timed iterations, the
sizes, the SGD options and a safetensors file holding the U-Net's initial weights and its batch
(`x`, `y`). The file is parsed with struct + json (the `safetensors` package is not needed).
Prints one JSON line: {"torch": version, "threads": n, "times": {case: [ms, ...]}, "checks": {case: {...}}}.
Case names and computations mirror bench/engine.ts exactly.
"""
import contextlib
import json
import struct
import sys
import time

import torch
import torch.nn.functional as F

cfg = json.load(open(sys.argv[1]))
device = cfg['device']
torch.set_num_threads(cfg['threads'])
SEED = cfg['seed']

ST_DTYPES = {
    'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool,
}


def load_safetensors(path):
    """Reads a safetensors file: 8-byte LE header length, JSON header, raw little-endian data."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, spec in header.items():
        if name == '__metadata__':
            continue
        b, e = spec['data_offsets']
        buf = bytearray(data[8 + n + b:8 + n + e])
        t = torch.frombuffer(buf, dtype=ST_DTYPES[spec['dtype']]) if e > b else torch.empty(0, dtype=ST_DTYPES[spec['dtype']])
        out[name] = t.reshape(spec['shape']).clone()
    return out


def sync():
    if device == 'cuda':
        torch.cuda.synchronize()


def amp(prec):
    return torch.autocast('cuda', dtype=torch.float16) if prec == 'fp16' else contextlib.nullcontext()


# ---- the U-Net (as bench/engine.ts) ----

def conv_norm_act(h, p, prefix, stride):
    for k in range(2):
        h = F.conv3d(h, p[f'{prefix}.conv{k}.weight'], p[f'{prefix}.conv{k}.bias'], stride=stride if k == 0 else 1, padding=1)
        h = F.instance_norm(h, weight=p[f'{prefix}.norm{k}.weight'], bias=p[f'{prefix}.norm{k}.bias'], eps=1e-5)
        h = F.leaky_relu(h, 0.01, inplace=True)
    return h


def unet_forward(x, p, stages, strides):
    skips = []
    h = x
    for s in range(stages):
        h = conv_norm_act(h, p, f'enc{s}', strides[s])
        skips.append(h)
    for s in range(stages - 2, -1, -1):
        up = F.conv_transpose3d(h, p[f'dec{s}.up.weight'], p[f'dec{s}.up.bias'], stride=strides[s + 1])
        h = conv_norm_act(torch.cat([up, skips[s]], 1), p, f'dec{s}', [1, 1, 1])
    return F.conv3d(h, p['head.weight'], p['head.bias'])


# ---- the cases ----

class Case:
    def __init__(self, name, step, check):
        self.name, self.step, self.check = name, step, check


def conv_case(prec):
    inp, out = cfg['conv']['input'], cfg['conv']['out']
    torch.manual_seed(SEED)
    x = torch.randn(inp).to(device)
    w = torch.randn([out, inp[1], 3, 3, 3]).mul_(0.05).to(device).requires_grad_()
    b = torch.zeros([out], device=device).requires_grad_()
    xg = x.clone().requires_grad_()

    def fwd_bwd():
        with amp(prec):
            y = F.conv3d(xg, w, b, padding=1)
        y.float().square().mean().backward()
        return y.float().sum()

    def clear():
        for t in (w, b, xg):
            t.grad = None

    def step():
        fwd_bwd()
        clear()

    def check():
        ysum = fwd_bwd()
        r = {'input': x.sum().item(), 'outputSum': ysum.item(), 'weightGradSum': w.grad.sum().item(),
             'weightGradNorm': w.grad.norm().item()}
        clear()
        return r

    return Case(f'conv3d fwd+bwd {prec}', step, check)


def unet_case(prec, loaded):
    u = cfg['unet']
    stages, strides = len(u['features']), u['strides']
    p = {k: v.to(device).requires_grad_() for k, v in loaded.items() if k not in ('x', 'y')}
    x, y = loaded['x'].to(device), loaded['y'].to(device)
    s = cfg['sgd']
    # foreach=False: the per-parameter update, the algorithm meatus's SGD runs (PyTorch ≥ 2 would
    # otherwise pick its multi-tensor kernels on CUDA).
    opt = torch.optim.SGD(list(p.values()), lr=s['lr'], momentum=s['momentum'], nesterov=s['nesterov'],
                          weight_decay=s['weightDecay'], foreach=False)

    def train_step():
        with amp(prec):
            loss = F.cross_entropy(unet_forward(x, p, stages, strides), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    def loss_now():
        with torch.no_grad(), amp(prec):
            return F.cross_entropy(unet_forward(x, p, stages, strides), y).item()

    def check():
        before = loss_now()
        train_step()
        return {'lossBefore': before, 'lossAfter': loss_now()}

    return Case(f'U-Net train step {prec}', train_step, check)


def add_case():
    a = torch.ones([4], device=device)
    b = torch.ones([4], device=device)
    n = cfg['addCalls']

    def step():
        for _ in range(n):
            a.add(b)
        sync()

    return Case(f'add ×{n} (Tensor API)', step, lambda: {})


def time_case(c):
    for _ in range(cfg['warmup']):
        c.step()
    sync()
    times = []
    for _ in range(cfg['iters']):
        t0 = time.perf_counter()
        c.step()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    return times


loaded = load_safetensors(cfg['weights'])
times, checks = {}, {}
makers = []
for prec in cfg['precisions']:
    makers += [lambda prec=prec: conv_case(prec), lambda prec=prec: unet_case(prec, loaded)]
makers.append(add_case)
for make in makers:
    c = make()
    if cfg['check']:
        checks[c.name] = c.check()
    times[c.name] = time_case(c)
    del c
    if device == 'cuda':
        torch.cuda.empty_cache()
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'times': times, 'checks': checks}))
