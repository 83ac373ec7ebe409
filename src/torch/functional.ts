/**
 * Neural-network functions, as `torch.nn.functional` (imported as `F`). Volumes are
 * `[N, C, Z, Y, X]`; kernel sizes, strides and paddings are given per spatial dim `[z, y, x]` or as
 * one number for all three. All are differentiable through libtorch's autograd.
 */
import { call, opId } from './native.js';
import { wrap, wrapAll, type Tensor } from './tensor.js';

const O = Object.fromEntries(
  [
    'conv3d', 'conv2d', 'conv_transpose3d', 'instance_norm', 'group_norm', 'batch_norm', 'relu', 'leaky_relu',
    'leaky_relu_', 'gelu', 'softmax', 'log_softmax', 'cross_entropy', 'nll_loss', 'mse_loss', 'one_hot',
    'constant_pad', 'replication_pad3d', 'reflection_pad3d', 'gradient', 'upsample_nearest3d', 'upsample_trilinear3d',
    'affine_grid', 'grid_sample', 'avg_pool3d', 'max_pool3d', 'dropout', 'linear',
  ].map((n) => [n, opId(n)]),
) as Record<string, number>;

/** A per-dim size: one number for all spatial dims, or one per dim. */
export type Size3 = number | [number, number, number];

function triple(fn: string, name: string, v: Size3): number[] {
  const a = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(a) || a.length !== 3 || a.some((x) => !Number.isInteger(x))) {
    throw new TypeError(`F.${fn}: ${name} must be an integer or 3 integers, got ${JSON.stringify(v)}`);
  }
  return a;
}

function need5d(fn: string, x: Tensor): void {
  if (x.ndim !== 5) throw new TypeError(`F.${fn}: expected a 5-D [N, C, Z, Y, X] tensor, got shape [${x.shape.join(', ')}]`);
}

/** Reductions of the losses. */
export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };
function reduction(fn: string, r: Reduction): number {
  const v = REDUCTION[r];
  if (v === undefined) throw new TypeError(`F.${fn}: reduction must be 'none', 'mean' or 'sum', got '${String(r)}'`);
  return v;
}

/** 3-D convolution. `weight` is `[Cout, Cin/groups, kz, ky, kx]`. */
export function conv3d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  o: { stride?: Size3; padding?: Size3; dilation?: Size3; groups?: number } = {},
): Tensor {
  return wrap(
    call(O.conv3d, x.handle, weight.handle, bias?.handle, triple('conv3d', 'stride', o.stride ?? 1),
      triple('conv3d', 'padding', o.padding ?? 0), triple('conv3d', 'dilation', o.dilation ?? 1), o.groups ?? 1),
  );
}

/** Transposed 3-D convolution. `weight` is `[Cin, Cout/groups, kz, ky, kx]`. */
export function convTranspose3d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  o: { stride?: Size3; padding?: Size3; outputPadding?: Size3; groups?: number; dilation?: Size3 } = {},
): Tensor {
  const t = (n: string, v: Size3) => triple('convTranspose3d', n, v);
  return wrap(
    call(O.conv_transpose3d, x.handle, weight.handle, bias?.handle, t('stride', o.stride ?? 1), t('padding', o.padding ?? 0),
      t('outputPadding', o.outputPadding ?? 0), o.groups ?? 1, t('dilation', o.dilation ?? 1)),
  );
}

/** Instance normalisation over the spatial dims of each sample and channel (affine when weight/bias given). */
export function instanceNorm(x: Tensor, o: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  return wrap(call(O.instance_norm, x.handle, o.weight?.handle, o.bias?.handle, null, null, true, 0.1, o.eps ?? 1e-5));
}

/** Group normalisation with `groups` groups of channels. */
export function groupNorm(x: Tensor, groups: number, o: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  return wrap(call(O.group_norm, x.handle, groups, o.weight?.handle, o.bias?.handle, o.eps ?? 1e-5));
}

/** Batch normalisation; in training mode the running statistics (if given) are updated in place. */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  o: { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number } = {},
): Tensor {
  return wrap(
    call(O.batch_norm, x.handle, o.weight?.handle, o.bias?.handle, runningMean?.handle, runningVar?.handle,
      o.training ?? false, o.momentum ?? 0.1, o.eps ?? 1e-5),
  );
}

export function relu(x: Tensor): Tensor {
  return wrap(call(O.relu, x.handle));
}
/** Leaky ReLU (nnU-Net uses slope 0.01). `inplace` overwrites `x` and returns it. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01, inplace = false): Tensor {
  if (inplace) {
    call(O.leaky_relu_, x.handle, negativeSlope);
    return x;
  }
  return wrap(call(O.leaky_relu, x.handle, negativeSlope));
}
export function gelu(x: Tensor): Tensor {
  return wrap(call(O.gelu, x.handle));
}
export function softmax(x: Tensor, dim: number): Tensor {
  return wrap(call(O.softmax, x.handle, dim));
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return wrap(call(O.log_softmax, x.handle, dim));
}
/** Fully connected layer `x · weightᵀ + bias`. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return wrap(call(O.linear, x.handle, weight.handle, bias?.handle));
}
/** Dropout with probability `p` (identity when not training). */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  return wrap(call(O.dropout, x.handle, p, training));
}

/**
 * Cross-entropy between logits `[N, C, ...]` and class indices `[N, ...]` (int64), as
 * torch.nn.functional.cross_entropy: optional class `weight` `[C]`, `ignoreIndex` (default −100),
 * `labelSmoothing`; the weighted mean divides by the summed weights of the non-ignored targets.
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {},
): Tensor {
  return wrap(
    call(O.cross_entropy, logits.handle, target.handle, o.weight?.handle, reduction('crossEntropy', o.reduction ?? 'mean'),
      o.ignoreIndex ?? -100, o.labelSmoothing ?? 0),
  );
}

/** Negative log-likelihood of log-probabilities `[N, C, ...]` at class indices `[N, ...]`. */
export function nllLoss(
  logProbs: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {},
): Tensor {
  return wrap(call(O.nll_loss, logProbs.handle, target.handle, o.weight?.handle, reduction('nllLoss', o.reduction ?? 'mean'), o.ignoreIndex ?? -100));
}

export function mseLoss(x: Tensor, y: Tensor, r: Reduction = 'mean'): Tensor {
  return wrap(call(O.mse_loss, x.handle, y.handle, reduction('mseLoss', r)));
}

/** One-hot encoding of int64 class indices: shape `[..., numClasses]`, int64. */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return wrap(call(O.one_hot, indices.handle, numClasses));
}

/**
 * Pads like torch.nn.functional.pad: `pad` lists (before, after) pairs starting from the LAST dim
 * (`[x0, x1, y0, y1, z0, z1]`). `constant` works for any rank; `replicate` and `reflect` need a
 * 5-D tensor and 6 numbers.
 */
export function pad(x: Tensor, padding: number[], mode: 'constant' | 'replicate' | 'reflect' = 'constant', value = 0): Tensor {
  if (padding.length % 2 !== 0) throw new TypeError(`F.pad: padding must have an even length, got ${padding.length}`);
  if (mode === 'constant') return wrap(call(O.constant_pad, x.handle, padding, value));
  if (x.ndim !== 5 || padding.length !== 6) {
    throw new TypeError(`F.pad: mode '${mode}' needs a 5-D tensor and 6 padding numbers, got ${x.ndim}-D and ${padding.length}`);
  }
  if (mode === 'replicate') return wrap(call(O.replication_pad3d, x.handle, padding));
  if (mode === 'reflect') return wrap(call(O.reflection_pad3d, x.handle, padding));
  throw new TypeError(`F.pad: mode must be 'constant', 'replicate' or 'reflect', got '${String(mode)}'`);
}

/**
 * Finite differences along `dims`, exactly torch.gradient(x, spacing=1, dim=dims, edge_order=1):
 * central differences inside, one-sided at the borders (voxel units). One tensor per dim.
 */
export function gradient(x: Tensor, dims: number[]): Tensor[] {
  return wrapAll(call(O.gradient, x.handle, dims, 1));
}

/**
 * Resizes a 5-D tensor like torch.nn.functional.interpolate: give `size` (`[z, y, x]`) or
 * `scaleFactor` (output = floor(input · scale), sampled with 1/scale as PyTorch does).
 */
export function interpolate(
  x: Tensor,
  o: { size?: [number, number, number]; scaleFactor?: number | [number, number, number]; mode?: 'nearest' | 'trilinear'; alignCorners?: boolean },
): Tensor {
  need5d('interpolate', x);
  const mode = o.mode ?? 'nearest';
  const inSize = x.shape.slice(2);
  let size: number[];
  let scales: (number | undefined)[] = [undefined, undefined, undefined];
  if (o.size) {
    size = triple('interpolate', 'size', o.size);
  } else if (o.scaleFactor !== undefined) {
    const s = typeof o.scaleFactor === 'number' ? [o.scaleFactor, o.scaleFactor, o.scaleFactor] : o.scaleFactor;
    size = inSize.map((n, i) => Math.floor(n * s[i]));
    scales = s;
  } else {
    throw new TypeError('F.interpolate: give size or scaleFactor');
  }
  if (mode === 'nearest') {
    if (o.alignCorners !== undefined) throw new TypeError("F.interpolate: alignCorners only applies to mode 'trilinear'");
    return wrap(call(O.upsample_nearest3d, x.handle, size, ...scales));
  }
  if (mode === 'trilinear') return wrap(call(O.upsample_trilinear3d, x.handle, size, o.alignCorners ?? false, ...scales));
  throw new TypeError(`F.interpolate: mode must be 'nearest' or 'trilinear', got '${String(mode)}'`);
}

/** Sampling grid `[N, Z, Y, X, 3]` (x, y, z in [−1, 1]) for affine matrices `theta` `[N, 3, 4]`. */
export function affineGrid(theta: Tensor, size: [number, number, number, number, number], alignCorners = false): Tensor {
  return wrap(call(O.affine_grid, theta.handle, size, alignCorners));
}

/** Samples `x` `[N, C, Z, Y, X]` at `grid` `[N, Z', Y', X', 3]`, like torch.nn.functional.grid_sample. */
export function gridSample(
  x: Tensor,
  grid: Tensor,
  o: { mode?: 'bilinear' | 'nearest'; paddingMode?: 'zeros' | 'border' | 'reflection'; alignCorners?: boolean } = {},
): Tensor {
  const modes = { bilinear: 0, nearest: 1 } as const;
  const paddings = { zeros: 0, border: 1, reflection: 2 } as const;
  const m = modes[o.mode ?? 'bilinear'];
  const p = paddings[o.paddingMode ?? 'zeros'];
  if (m === undefined) throw new TypeError(`F.gridSample: mode must be 'bilinear' or 'nearest', got '${String(o.mode)}'`);
  if (p === undefined) throw new TypeError(`F.gridSample: paddingMode must be 'zeros', 'border' or 'reflection', got '${String(o.paddingMode)}'`);
  return wrap(call(O.grid_sample, x.handle, grid.handle, m, p, o.alignCorners ?? false));
}

/** 3-D average pooling (stride defaults to the kernel size). */
export function avgPool3d(
  x: Tensor,
  kernel: Size3,
  o: { stride?: Size3; padding?: Size3; ceilMode?: boolean; countIncludePad?: boolean } = {},
): Tensor {
  const k = triple('avgPool3d', 'kernel', kernel);
  return wrap(
    call(O.avg_pool3d, x.handle, k, triple('avgPool3d', 'stride', o.stride ?? (k as [number, number, number])),
      triple('avgPool3d', 'padding', o.padding ?? 0), o.ceilMode ?? false, o.countIncludePad ?? true, null),
  );
}

/** 3-D max pooling (stride defaults to the kernel size). */
export function maxPool3d(
  x: Tensor,
  kernel: Size3,
  o: { stride?: Size3; padding?: Size3; dilation?: Size3; ceilMode?: boolean } = {},
): Tensor {
  const k = triple('maxPool3d', 'kernel', kernel);
  return wrap(
    call(O.max_pool3d, x.handle, k, triple('maxPool3d', 'stride', o.stride ?? (k as [number, number, number])),
      triple('maxPool3d', 'padding', o.padding ?? 0), triple('maxPool3d', 'dilation', o.dilation ?? 1), o.ceilMode ?? false),
  );
}

/** 2-D convolution (for 2-D experiments and tests). */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  o: { stride?: [number, number]; padding?: [number, number]; dilation?: [number, number]; groups?: number } = {},
): Tensor {
  return wrap(call(O.conv2d, x.handle, weight.handle, bias?.handle, o.stride ?? [1, 1], o.padding ?? [0, 0], o.dilation ?? [1, 1], o.groups ?? 1));
}
