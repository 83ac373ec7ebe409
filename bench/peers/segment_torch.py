"""Peer of bench/segment.ts: the two-stage pipeline as nnU-Net runs it, in PyTorch.

Usage: python3 bench/peers/segment_torch.py CONFIG.json
CONFIG (written by bench/segment.ts) names the preprocessed stage-1 input (raw float32 `[1, z, y, x]`,
written by meatus's `preprocessForInference`, so preprocessing is identical), the two checkpoints
(safetensors, parsed with struct + json: weights `model.<name>` with nnU-Net's parameter names, the
plan and task in the `__metadata__` JSON; a list of checkpoints is an ensemble), the device, the threads, the tile step, and where to write
the label map.

Both stages run nnU-Net v2's full-volume sliding window (`predict_sliding_window_return_logits`
without mirroring): pad to at least the patch, tile starts from `compute_steps_for_sliding_window`
(np.round), Gaussian importance map from `compute_gaussian` (σ = patch/8, scipy's gaussian_filter),
one tile per network call (under autocast on CUDA, as nnU-Net), logits × Gaussian summed, divided by the summed Gaussian, then softmax.
An ensemble (several checkpoints for a stage) sums the members' sliding-window logits and divides by
their number before the softmax, as nnU-Net v2's `predict_logits_from_preprocessed_data` does
(MIC-DKFZ/nnUNet, nnunetv2/inference/predict_from_raw_data.py, commit 0e49508).
Stage 1 → argmax → largest 6-connected component (scipy.ndimage.label) = WT; stage 2 on [T2, WT]
over the whole volume; label = WT ? argmax(p_EM, p_IM) + 1 : 0.

Prints one JSON line: {"torch", "threads", "device", "seconds": {"load", "stage1", "stage2", "total"},
"maxRssMB", "steps": {"stage1": [[z...], [y...], [x...]], ...}, "tiles", "wtVoxels"}; the label map
(uint8 `[z, y, x]`) goes to CONFIG's `labelOut`.
"""
import contextlib
import json
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage
from torch import nn

T_START = time.perf_counter()
cfg = json.load(open(sys.argv[1]))
device = cfg['device']
torch.set_num_threads(cfg['threads'])

ST_DTYPES = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'F64': torch.float64}


def load_checkpoint(path):
    """The `model.*` tensors and the metadata JSON of a meatus checkpoint (safetensors)."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = json.loads(header.get('__metadata__', {}).get('meta', 'null'))
    out = {}
    for name, spec in header.items():
        if not name.startswith('model.'):
            continue
        b, e = spec['data_offsets']
        t = torch.frombuffer(bytearray(data[8 + n + b:8 + n + e]), dtype=ST_DTYPES[spec['dtype']])
        out[name[len('model.'):]] = t.reshape(spec['shape']).float()
    return out, meta


# ---- nnU-Net's PlainConvUNet (dynamic_network_architectures), parameter names included ----

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
    def __init__(self, cin, f, k, s):
        super().__init__()
        self.stages = nn.Sequential(*[nn.Sequential(Stacked(2, cin if i == 0 else f[i - 1], f[i], k[i], s[i])) for i in range(len(f))])


class Decoder(nn.Module):
    def __init__(self, f, k, s, num_classes):
        super().__init__()
        n = len(f)
        self.stages = nn.ModuleList()
        self.transpconvs = nn.ModuleList()
        self.seg_layers = nn.ModuleList()
        for i in range(1, n):
            below, skip, stride = f[-i], f[-(i + 1)], s[-i]
            self.transpconvs.append(nn.ConvTranspose3d(below, skip, stride, stride))
            self.stages.append(Stacked(2, 2 * skip, skip, k[-(i + 1)], [1, 1, 1]))
            self.seg_layers.append(nn.Conv3d(skip, num_classes, 1))


class UNet(nn.Module):
    """Inference form (deep_supervision = False): only the full-resolution head runs."""

    def __init__(self, cin, num_classes, net):
        super().__init__()
        self.encoder = Encoder(cin, net['features'], net['kernels'], net['strides'])
        self.decoder = Decoder(net['features'], net['kernels'], net['strides'], num_classes)

    def forward(self, x):
        skips = []
        for st in self.encoder.stages:
            x = st(x)
            skips.append(x)
        h = skips[-1]
        for i in range(len(self.decoder.stages)):
            h = self.decoder.transpconvs[i](h)
            h = self.decoder.stages[i](torch.cat((h, skips[-(i + 2)]), 1))
        return self.decoder.seg_layers[-1](h)


TASKS = {'wholeTumour': (1, 2), 'split': (2, 3)}


def load_models(paths, want_task):
    """The networks of one stage (a path, or a list of an ensemble's paths) and the first one's plan."""
    loaded = [load_model(p, want_task) for p in ([paths] if isinstance(paths, str) else paths)]
    return [n for n, _ in loaded], loaded[0][1]


def load_model(path, want_task):
    weights, meta = load_checkpoint(path)
    if meta['task'] != want_task:
        raise SystemExit(f'{path}: task {meta["task"]}, expected {want_task}')
    cin, k = TASKS[want_task]
    net = UNet(cin, k, meta['plan']['network'])
    net.load_state_dict(weights, strict=True)
    return net.to(device).eval(), meta['plan']


# ---- nnU-Net v2's sliding window (nnunetv2/inference/sliding_window_prediction.py, predict_from_raw_data.py) ----

def compute_gaussian(tile_size, sigma_scale=1. / 8, value_scaling_factor=1):
    tmp = np.zeros(tile_size)
    center_coords = [i // 2 for i in tile_size]
    sigmas = [i * sigma_scale for i in tile_size]
    tmp[tuple(center_coords)] = 1
    g = ndimage.gaussian_filter(tmp, sigmas, 0, mode='constant', cval=0)
    g = g / (np.max(g) / value_scaling_factor)
    g[g == 0] = np.min(g[g != 0])
    return torch.from_numpy(g.astype(np.float32))


def compute_steps_for_sliding_window(image_size, tile_size, tile_step_size):
    target = [i * tile_step_size for i in tile_size]
    num_steps = [int(np.ceil((i - k) / j)) + 1 for i, j, k in zip(image_size, target, tile_size)]
    steps = []
    for dim in range(len(tile_size)):
        max_step_value = image_size[dim] - tile_size[dim]
        actual = max_step_value / (num_steps[dim] - 1) if num_steps[dim] > 1 else 99999999999
        steps.append([int(np.round(actual * i)) for i in range(num_steps[dim])])
    return steps


def pad_nd_image(image, new_shape):
    """nnU-Net's pad_nd_image(..., 'constant', value 0, return_slicer=True) for [C, z, y, x]."""
    old = np.array(image.shape[1:])
    new = np.maximum(np.array(new_shape), old)
    diff = new - old
    before = diff // 2
    after = diff - before
    pad = [(0, 0)] + [(int(b), int(a)) for b, a in zip(before, after)]
    if np.any(diff > 0):
        image = np.pad(image, pad, 'constant', constant_values=0)
    slicer = tuple([slice(None)] + [slice(int(b), int(b) + int(o)) for b, o in zip(before, old)])
    return image, slicer


def predict_sliding_window(nets, data, patch, num_classes, step_size):
    """Softmax probabilities [K, z, y, x] (float32) of the networks `nets` (their mean logits) over `data` [C, z, y, x] (numpy)."""
    total = None
    for net in nets:
        logits, steps, tiles = sliding_window_logits(net, data, patch, num_classes, step_size)
        total = logits if total is None else total + logits
    total /= len(nets)
    return torch.softmax(total, 0).cpu().numpy(), steps, tiles


def sliding_window_logits(net, data, patch, num_classes, step_size):
    """nnU-Net's predict_sliding_window_return_logits: logits [K, z, y, x] of `net` over `data`, cropped back."""
    padded, slicer = pad_nd_image(data, patch)
    shape = padded.shape[1:]
    steps = compute_steps_for_sliding_window(shape, patch, step_size)
    gaussian = compute_gaussian(tuple(patch)).to(device)
    x = torch.from_numpy(padded).to(device)
    logits = torch.zeros((num_classes, *shape), dtype=torch.float32, device=device)
    n_pred = torch.zeros(tuple(shape), dtype=torch.float32, device=device)
    tiles = 0
    for sz in steps[0]:
        for sy in steps[1]:
            for sx in steps[2]:
                sl = (slice(sz, sz + patch[0]), slice(sy, sy + patch[1]), slice(sx, sx + patch[2]))
                work = x[(slice(None), *sl)][None]
                with amp():
                    pred = net(work)[0].float()
                pred *= gaussian
                logits[(slice(None), *sl)] += pred
                n_pred[sl] += gaussian
                tiles += 1
    logits /= n_pred
    return logits[slicer], steps, tiles


def amp():
    """nnU-Net predicts under autocast on CUDA (meatus's predictPreprocessed too); fp32 on CPU."""
    return torch.autocast('cuda') if device == 'cuda' else contextlib.nullcontext()


def sync():
    if device == 'cuda':
        torch.cuda.synchronize()


seconds = {}
t0 = time.perf_counter()
net1, plan1 = load_models(cfg['stage1'], 'wholeTumour')
net2, plan2 = load_models(cfg['stage2'], 'split')
for key in ('spacing', 'normalization'):
    if plan1[key] != plan2[key]:
        raise SystemExit(f'the stage-1 and stage-2 plans differ in {key} ({plan1[key]} vs {plan2[key]}): '
                         'their preprocessed grids differ, which this peer does not handle')
shape = cfg['shape']
t2 = np.fromfile(cfg['input'], dtype='<f4').reshape([1, *shape])
seconds['load'] = time.perf_counter() - t0

with torch.no_grad():
    t0 = time.perf_counter()
    p1, steps1, tiles1 = predict_sliding_window(net1, t2, plan1['patchSize'], 2, cfg['stepSize'])
    wt = np.argmax(p1, 0).astype(np.uint8)
    lab, n = ndimage.label(wt)  # default structure: 6-connectivity
    if n > 1:
        sizes = np.bincount(lab.ravel())
        sizes[0] = 0
        wt = (lab == np.argmax(sizes)).astype(np.uint8)
    del p1, lab
    sync()
    seconds['stage1'] = time.perf_counter() - t0

    t0 = time.perf_counter()
    x2 = np.concatenate([t2, wt[None].astype(np.float32)], 0)
    p2, steps2, tiles2 = predict_sliding_window(net2, x2, plan2['patchSize'], 3, cfg['stepSize'])
    label = np.where(wt > 0, np.argmax(p2[1:], 0) + 1, 0).astype(np.uint8)
    sync()
    seconds['stage2'] = time.perf_counter() - t0

seconds['total'] = seconds['load'] + seconds['stage1'] + seconds['stage2']
label.tofile(cfg['labelOut'])
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    'torch': torch.__version__, 'numpy': np.__version__, 'threads': torch.get_num_threads(), 'device': device,
    'seconds': seconds, 'processSeconds': time.perf_counter() - T_START, 'maxRssMB': rss_kb / 1024,
    'steps': {'stage1': steps1, 'stage2': steps2}, 'tiles': {'stage1': tiles1, 'stage2': tiles2},
    'wtVoxels': int(wt.sum()),
}))
