"""Peer of bench/train.ts: one stage-2 training step of nnU-Net's PlainConvUNet in PyTorch, timed the same way.

Usage: python3 bench/peers/train_torch.py CONFIG.json
CONFIG (written by bench/train.ts) gives the device, threads, warm-up and timed iterations, the
topology, the loss and optimizer settings, and a safetensors file with the network's initial weights
(nnU-Net names) and the batch: `x` [N, 2, Z, Y, X] float32, `y` [N, Z, Y, X] int64, `phi`
[N, Z, Y, X] float32 (mm, +inf without an interface). The file is parsed with struct + json (the
`safetensors` package is not needed).

The step, as meatus's trainer (src/train/trainer.ts) runs it: forward (fp16 autocast with --amp on
CUDA), deep-supervision CE + soft Dice (nnU-Net's weights, targets strided from the full-resolution
one), + γ · Boundary Distance Loss on the full-resolution output (not computed for γ = 0), backward,
loss.item(), clip_grad_norm_(12), SGD Nesterov (foreach=False), zero_grad. The losses are
re-implemented from their definitions (test/fixtures/loss/make_fixtures.py), batched like meatus's.

Prints one JSON line: {"torch": version, "threads": n, "ompWaitPolicy": …, "times": {case: [ms, ...]}, "checks": {case: {...}}}.
"""
import contextlib
import inspect
import json
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

cfg = json.load(open(sys.argv[1]))
device = cfg['device']
torch.set_num_threads(cfg['threads'])
NET = cfg['network']
LOSS = cfg['loss']
SGD = cfg['sgd']

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


def autocast():
    return torch.autocast('cuda', dtype=torch.float16) if cfg['amp'] else contextlib.nullcontext()


# ---- nnU-Net's PlainConvUNet (as test/fixtures/nn/make_fixtures.py, parametrised) ----

class ConvNormAct(nn.Module):
    def __init__(self, cin, cout, k, s):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, k, s, padding=[(x - 1) // 2 for x in k])
        self.norm = nn.InstanceNorm3d(cout, eps=1e-5, affine=True)
        self.nonlin = nn.LeakyReLU(0.01, inplace=True)

    def forward(self, x):
        return self.nonlin(self.norm(self.conv(x)))


class Stacked(nn.Module):
    def __init__(self, n, cin, cout, k, s):
        super().__init__()
        self.convs = nn.Sequential(*[ConvNormAct(cin if i == 0 else cout, cout, k, s if i == 0 else [1, 1, 1]) for i in range(n)])

    def forward(self, x):
        return self.convs(x)


class Encoder(nn.Module):
    def __init__(self, cin, f, kernels, strides):
        super().__init__()
        self.stages = nn.Sequential(*[nn.Sequential(Stacked(2, cin if i == 0 else f[i - 1], f[i], kernels[i], strides[i])) for i in range(len(f))])


class Decoder(nn.Module):
    def __init__(self, f, kernels, strides, num_classes):
        super().__init__()
        n = len(f)
        self.stages = nn.ModuleList()
        self.transpconvs = nn.ModuleList()
        self.seg_layers = nn.ModuleList()
        for s in range(1, n):
            below, skip, stride = f[-s], f[-(s + 1)], strides[-s]
            self.transpconvs.append(nn.ConvTranspose3d(below, skip, stride, stride))
            self.stages.append(Stacked(2, 2 * skip, skip, kernels[-(s + 1)], [1, 1, 1]))
            self.seg_layers.append(nn.Conv3d(skip, num_classes, 1))


class UNet(nn.Module):
    def __init__(self, cin, num_classes, f, kernels, strides):
        super().__init__()
        self.encoder = Encoder(cin, f, kernels, strides)
        self.decoder = Decoder(f, kernels, strides, num_classes)

    def forward(self, x):
        skips = []
        for st in self.encoder.stages:
            x = st(x)
            skips.append(x)
        lres = skips[-1]
        outs = []
        for s in range(len(self.decoder.stages)):
            h = self.decoder.transpconvs[s](lres)
            h = torch.cat((h, skips[-(s + 2)]), 1)
            h = self.decoder.stages[s](h)
            outs.append(self.decoder.seg_layers[s](h))
            lres = h
        return outs[::-1]


# ---- the losses (src/loss/*.ts) ----

def soft_dice(logits, target, smooth=1e-5):
    """nnU-Net's batch soft Dice over the foreground classes (negative)."""
    c = logits.shape[1]
    p = torch.softmax(logits, 1)[:, 1:]
    with torch.no_grad():
        y = F.one_hot(target, c).permute(0, 4, 1, 2, 3)[:, 1:].to(p.dtype)
    axes = (0, 2, 3, 4)
    inter = (p * y).sum(axes)
    dc = (2 * inter + smooth) / torch.clip(p.sum(axes) + y.sum(axes) + smooth, 1e-8)
    return -dc.mean()


def dice_ce(logits, target):
    return F.cross_entropy(logits, target) + soft_dice(logits, target)


def bdl(logits, phi, tau, eps=1e-6):
    """Boundary Distance Loss, batched (the samples without an interface are left out)."""
    valid = torch.isfinite(phi).flatten(1).sum(1).nonzero().flatten().tolist()
    if not valid:
        return torch.zeros((), device=logits.device)
    if len(valid) < logits.shape[0]:
        idx = torch.tensor(valid, device=logits.device)
        logits, phi = logits.index_select(0, idx), phi.index_select(0, idx)
    p = torch.softmax(logits, 1)

    def magnitude(c):
        gz, gy, gx = torch.gradient(p[:, c], spacing=1, dim=(1, 2, 3), edge_order=1)
        return (gz.square() + gy.square() + gx.square() + 1e-12).sqrt()

    b = magnitude(1) * magnitude(2)
    w = torch.exp(phi / -tau).to(b.dtype)
    num = (b * w).sum((1, 2, 3)) + eps
    den = b.sum((1, 2, 3)) + eps
    return -torch.log(num / den).mean()


# ---- the cases ----

loaded = load_safetensors(cfg['data'])
x = loaded.pop('x').to(device)
y_full = loaded.pop('y').to(device)
phi = loaded.pop('phi').to(device)
targets = [y_full[:, ::sz, ::sy, ::sx] for sz, sy, sx in cfg['scales']]
ds_weights = cfg['dsWeights']
clip_kw = {'foreach': False} if 'foreach' in inspect.signature(torch.nn.utils.clip_grad_norm_).parameters else {}


def make_net():
    net = UNet(NET['inChannels'], NET['numClasses'], NET['features'], NET['kernels'], NET['strides']).to(device)
    missing, unexpected = net.load_state_dict({k: v.to(device) for k, v in loaded.items()}, strict=True)
    assert not missing and not unexpected
    return net


def loss_of(outs, gamma):
    total = None
    for o, t, w in zip(outs, targets, ds_weights):
        if w == 0:
            continue
        term = dice_ce(o.float(), t) * w
        total = term if total is None else total + term
    if gamma == 0:
        return total, None
    b = bdl(outs[0].float(), phi, LOSS['tau'])
    return total + b * gamma, b


class StepCase:
    def __init__(self, gamma):
        self.gamma = gamma
        self.name = f'train step γ={gamma}'
        self.net = make_net()
        self.params = list(self.net.parameters())
        self.opt = torch.optim.SGD(self.params, lr=SGD['lr'], momentum=SGD['momentum'], nesterov=True,
                                   weight_decay=SGD['weightDecay'], foreach=False)

    def train_step(self):
        with autocast():
            outs = self.net(x)
        loss, b = loss_of(outs, self.gamma)
        loss.backward()
        r = (loss.item(), b.item() if b is not None else 0.0)
        norm = torch.nn.utils.clip_grad_norm_(self.params, LOSS['gradClip'], **clip_kw)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return r, norm

    def step(self):
        self.train_step()

    def loss_now(self):
        with torch.no_grad():
            with autocast():
                outs = self.net(x)
            return loss_of(outs, self.gamma)[0].item()

    def check(self):
        (loss, b), norm = self.train_step()
        r = {'lossBefore': loss, 'gradNormBefore': float(norm), 'lossAfter': self.loss_now()}
        if self.gamma != 0:
            r['bdlBefore'] = b
        return r


class BdlCase:
    """The BDL alone: forward + backward on fixed full-resolution logits (what γ > 0 adds to a step)."""

    def __init__(self):
        self.name = 'BDL fwd+bwd alone'
        self.logits = loaded_logits.to(device).requires_grad_()

    def run(self):
        v = bdl(self.logits, phi, LOSS['tau'])
        v.backward()
        r = v.item()
        return r

    def step(self):
        self.run()
        self.logits.grad = None

    def check(self):
        v = self.run()
        g = self.logits.grad
        r = {'value': v, 'gradSum': g.sum().item(), 'gradNorm': g.norm().item()}
        self.logits.grad = None
        return r


loaded_logits = loaded.pop('logits')


def time_interleaved(cases, iters):
    """Warm-up, then iterations that run one step of each case in turn (order alternating)."""
    times = {c.name: [] for c in cases}
    for i in range(cfg['warmup'] + iters):
        order = cases if i % 2 == 0 else cases[::-1]
        for c in order:
            sync()
            t0 = time.perf_counter()
            c.step()
            sync()
            if i >= cfg['warmup']:
                times[c.name].append((time.perf_counter() - t0) * 1000)
    return times


checks = {}
steps = [StepCase(g) for g in cfg['gammas']]
if cfg['check']:
    for c in steps:
        checks[c.name] = c.check()
times = time_interleaved(steps, cfg['iters'])
del steps
if device == 'cuda':
    torch.cuda.empty_cache()
bc = BdlCase()
if cfg['check']:
    checks[bc.name] = bc.check()
times.update(time_interleaved([bc], cfg['bdlIters']))
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'ompWaitPolicy': os.environ.get('OMP_WAIT_POLICY'),
                  'times': times, 'checks': checks}))
