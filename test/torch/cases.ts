// The meatus side of every op case of test/fixtures/torch/fixtures.json: the same expression as
// make_fixtures.py's `case(name, …)`, written with meatus's API. Shared by ops.test.ts (values and
// gradients against PyTorch) and gradcheck.test.ts (gradients against finite differences).
import { F, torch, type Tensor } from '../../src/torch/index.js';

export type Inputs = Record<string, Tensor>;
export type OpFn = (i: Inputs) => Tensor | Tensor[];

const unary = (name: 'neg' | 'abs' | 'exp' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'square' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'reciprocal' | 'sign' | 'floor' | 'ceil' | 'round'): OpFn =>
  ({ x }) => x[name]();
const compare = (name: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'): [OpFn, OpFn] => [({ x, y }) => x[name](y), ({ x }) => x[name](0.5)];

function gridSample(mode: 'bilinear' | 'nearest', paddingMode: 'zeros' | 'border', alignCorners: boolean): OpFn {
  return ({ x, th }) => {
    const eye = torch.tensor([[1.1, 0, 0, 0.05], [0, 0.9, 0, 0], [0, 0, 1.2, -0.1]], { dtype: th.dtype });
    const grid = F.affineGrid(th.add(eye), [2, 2, 2, 3, 4], alignCorners);
    return [grid, F.gridSample(x, grid, { mode, paddingMode, alignCorners })];
  };
}

function batchNormTrain({ x, w, b }: Inputs): Tensor[] {
  const rm = torch.zeros([3], { dtype: x.dtype });
  const rv = torch.ones([3], { dtype: x.dtype });
  const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training: true, momentum: 0.2, eps: 1e-4 });
  return [y, rm, rv];
}

const [eq, eqS] = compare('eq');
const [ne, neS] = compare('ne');
const [lt, ltS] = compare('lt');
const [le, leS] = compare('le');
const [gt, gtS] = compare('gt');
const [ge, geS] = compare('ge');

/** Case name → the meatus expression. */
export const OPS: Record<string, OpFn> = {
  // ---- F: convolutions ----
  conv3d: ({ x, w, b }) => F.conv3d(x, w, b),
  conv3d_stride_padding: ({ x, w }) => F.conv3d(x, w, null, { stride: [1, 2, 2], padding: [1, 0, 1] }),
  conv3d_dilation: ({ x, w, b }) => F.conv3d(x, w, b, { padding: 1, dilation: [2, 1, 2] }),
  conv3d_groups: ({ x, w, b }) => F.conv3d(x, w, b, { groups: 2 }),
  conv_transpose3d: ({ x, w, b }) => F.convTranspose3d(x, w, b, { stride: 2, padding: 1, outputPadding: [1, 0, 1] }),
  conv_transpose3d_groups: ({ x, w }) => F.convTranspose3d(x, w, null, { stride: [1, 2, 1], groups: 2, dilation: [1, 1, 2] }),
  conv2d: ({ x, w, b }) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 1] }),
  linear: ({ x, w, b }) => F.linear(x, w, b),

  // ---- F: normalisation ----
  instance_norm: ({ x }) => F.instanceNorm(x),
  instance_norm_affine: ({ x, w, b }) => F.instanceNorm(x, { weight: w, bias: b, eps: 1e-3 }),
  group_norm: ({ x, w, b }) => F.groupNorm(x, 2, { weight: w, bias: b }),
  group_norm_plain: ({ x }) => F.groupNorm(x, 3, { eps: 1e-2 }),
  batch_norm_train: batchNormTrain,
  batch_norm_eval: ({ x, rm, rv }) => F.batchNorm(x, rm, rv, { training: false }),

  // ---- F: activations, losses ----
  relu: ({ x }) => F.relu(x),
  leaky_relu: ({ x }) => F.leakyRelu(x, 0.2),
  leaky_relu_default: ({ x }) => F.leakyRelu(x),
  gelu: ({ x }) => F.gelu(x),
  softmax: ({ x }) => F.softmax(x, 1),
  log_softmax: ({ x }) => F.logSoftmax(x, -1),
  mse_loss: ({ x, y }) => F.mseLoss(x, y),
  mse_loss_sum: ({ x, y }) => F.mseLoss(x, y, 'sum'),
  cross_entropy: ({ x, t }) => F.crossEntropy(x, t),
  cross_entropy_sum: ({ x, t }) => F.crossEntropy(x, t, { reduction: 'sum' }),
  cross_entropy_none: ({ x, t }) => F.crossEntropy(x, t, { reduction: 'none' }),
  cross_entropy_weight: ({ x, t, w }) => F.crossEntropy(x, t, { weight: w }),
  cross_entropy_ignore_index: ({ x, t }) => F.crossEntropy(x, t, { ignoreIndex: 5 }),
  cross_entropy_ignore_default: ({ x, t }) => F.crossEntropy(x, t),
  cross_entropy_label_smoothing: ({ x, t }) => F.crossEntropy(x, t, { labelSmoothing: 0.1 }),
  cross_entropy_all: ({ x, t, w }) => F.crossEntropy(x, t, { weight: w, ignoreIndex: 5, labelSmoothing: 0.2, reduction: 'sum' }),
  cross_entropy_2d: ({ x, t }) => F.crossEntropy(x, t),
  nll_loss: ({ x, t }) => F.nllLoss(F.logSoftmax(x, 1), t),
  nll_loss_weight_ignore: ({ x, t, w }) => F.nllLoss(F.logSoftmax(x, 1), t, { weight: w, ignoreIndex: 1, reduction: 'sum' }),
  one_hot: ({ t }) => F.oneHot(t, 5),
  one_hot_infer: ({ t }) => F.oneHot(t),

  // ---- F: padding, finite differences, resampling, pooling ----
  pad_constant: ({ x }) => F.pad(x, [1, 0, 2, 1, 0, 1], 'constant', 0.5),
  pad_constant_2d: ({ x }) => F.pad(x, [1, 2]),
  pad_replicate: ({ x }) => F.pad(x, [1, 0, 2, 1, 0, 1], 'replicate'),
  pad_reflect: ({ x }) => F.pad(x, [1, 2, 2, 1, 0, 1], 'reflect'),
  gradient_3d: ({ x }) => F.gradient(x, [0, 1, 2]),
  gradient_2dims: ({ x }) => F.gradient(x, [2, 0]),
  interpolate_nearest_size: ({ x }) => F.interpolate(x, { size: [3, 5, 4], mode: 'nearest' }),
  interpolate_nearest_scale: ({ x }) => F.interpolate(x, { scaleFactor: [2, 1.5, 2], mode: 'nearest' }),
  interpolate_trilinear_size: ({ x }) => F.interpolate(x, { size: [3, 5, 4], mode: 'trilinear', alignCorners: false }),
  interpolate_trilinear_align: ({ x }) => F.interpolate(x, { size: [3, 5, 4], mode: 'trilinear', alignCorners: true }),
  interpolate_trilinear_scale: ({ x }) => F.interpolate(x, { scaleFactor: [0.5, 2, 1.5], mode: 'trilinear' }),
  grid_sample_bilinear_zeros_noalign: gridSample('bilinear', 'zeros', false),
  grid_sample_bilinear_zeros_align: gridSample('bilinear', 'zeros', true),
  grid_sample_bilinear_border_noalign: gridSample('bilinear', 'border', false),
  grid_sample_bilinear_border_align: gridSample('bilinear', 'border', true),
  grid_sample_nearest_zeros_noalign: gridSample('nearest', 'zeros', false),
  grid_sample_nearest_zeros_align: gridSample('nearest', 'zeros', true),
  grid_sample_nearest_border_noalign: gridSample('nearest', 'border', false),
  grid_sample_nearest_border_align: gridSample('nearest', 'border', true),
  avg_pool3d: ({ x }) => F.avgPool3d(x, 2),
  avg_pool3d_pad: ({ x }) => F.avgPool3d(x, [3, 3, 2], { stride: [2, 2, 1], padding: 1, countIncludePad: false, ceilMode: true }),
  max_pool3d: ({ x }) => F.maxPool3d(x, 2),
  max_pool3d_pad: ({ x }) => F.maxPool3d(x, 3, { stride: 2, padding: 1, dilation: [1, 1, 2], ceilMode: false }),
  dropout_eval: ({ x }) => F.dropout(x, 0.5, false),

  // ---- Tensor: elementwise ----
  add: ({ x, y }) => x.add(y),
  add_alpha: ({ x, y }) => x.add(y, -2.5),
  add_scalar: ({ x }) => x.add(1.5),
  sub: ({ x, y }) => x.sub(y),
  sub_scalar_alpha: ({ x }) => x.sub(2, 3),
  rsub: ({ x }) => x.rsub(1),
  mul: ({ x, y }) => x.mul(y),
  mul_scalar: ({ x }) => x.mul(-3),
  div: ({ x, y }) => x.div(y),
  div_scalar: ({ x }) => x.div(4),
  rdiv: ({ x }) => x.rdiv(2),
  pow: ({ x, y }) => x.pow(y),
  pow_scalar: ({ x }) => x.pow(3),
  pow_fraction: ({ x }) => x.pow(0.5),
  remainder: ({ x, y }) => x.remainder(y),
  remainder_scalar: ({ x }) => x.remainder(1.5),
  maximum: ({ x, y }) => x.maximum(y),
  minimum: ({ x, y }) => x.minimum(y),
  neg: unary('neg'),
  abs: unary('abs'),
  exp: unary('exp'),
  sin: unary('sin'),
  cos: unary('cos'),
  tanh: unary('tanh'),
  sigmoid: unary('sigmoid'),
  square: unary('square'),
  log: unary('log'),
  log1p: unary('log1p'),
  sqrt: unary('sqrt'),
  rsqrt: unary('rsqrt'),
  reciprocal: unary('reciprocal'),
  sign: unary('sign'),
  floor: unary('floor'),
  ceil: unary('ceil'),
  round: unary('round'),
  clamp: ({ x }) => x.clamp(-0.5, 0.5),
  clamp_min: ({ x }) => x.clamp(-0.3),
  clamp_max: ({ x }) => x.clamp(undefined, 0.3),
  clamp_tensor: ({ x, lo, hi }) => x.clamp(lo, hi),
  lerp: ({ x, y }) => x.lerp(y, 0.3),
  matmul: ({ x, y }) => x.matmul(y),

  // ---- Tensor: comparisons and logic ----
  eq, eq_scalar: eqS, ne, ne_scalar: neS, lt, lt_scalar: ltS, le, le_scalar: leS, gt, gt_scalar: gtS, ge, ge_scalar: geS,
  logical_and: ({ x, y }) => x.logicalAnd(y),
  logical_or: ({ x, y }) => x.logicalOr(y),
  logical_not: ({ x }) => x.logicalNot(),
  where: ({ c, x, y }) => torch.where(c, x, y),
  where_scalar: ({ c, x }) => torch.where(c, x, -1),

  // ---- Tensor: reductions ----
  sum: ({ x }) => x.sum(),
  sum_dims_keepdim: ({ x }) => x.sum([0, 2], true),
  mean: ({ x }) => x.mean(),
  mean_dim: ({ x }) => x.mean(1),
  prod: ({ x }) => x.prod(),
  prod_dim_keepdim: ({ x }) => x.prod(1, true),
  amax: ({ x }) => x.amax([0, 2]),
  amin_keepdim: ({ x }) => x.amin(1, true),
  max_all: ({ x }) => x.max(),
  min_all: ({ x }) => x.min(),
  max_dim: ({ x }) => {
    const { values, indices } = x.max(1);
    return [values, indices];
  },
  min_dim_keepdim: ({ x }) => {
    const { values, indices } = x.min(2, true);
    return [values, indices];
  },
  argmax: ({ x }) => x.argmax(),
  argmax_dim: ({ x }) => x.argmax(1),
  argmin_dim_keepdim: ({ x }) => x.argmin(2, true),
  var: ({ x }) => x.var(),
  var_dim_correction0: ({ x }) => x.var([1], 0, true),
  std: ({ x }) => x.std(),
  std_dims: ({ x }) => x.std([0, 2], 1),
  norm: ({ x }) => x.norm(),
  norm_1: ({ x }) => x.norm(1),
  logsumexp: ({ x }) => x.logsumexp(1),
  cumsum: ({ x }) => x.cumsum(2),
  all: ({ x }) => x.all(),
  any: ({ x }) => x.any(),
  count_nonzero: ({ x }) => x.countNonzero(),
  count_nonzero_dim: ({ x }) => x.countNonzero(1),

  // ---- Tensor: shape and indexing ----
  reshape: ({ x }) => x.reshape(4, -1),
  view: ({ x }) => x.view(3, 8),
  permute: ({ x }) => x.permute(2, 0, 1),
  transpose: ({ x }) => x.transpose(0, 2),
  squeeze: ({ x }) => x.squeeze(),
  squeeze_dim: ({ x }) => x.squeeze(1),
  unsqueeze: ({ x }) => x.unsqueeze(-1),
  expand: ({ x }) => x.expand(2, -1, 4),
  flatten: ({ x }) => x.flatten(),
  flatten_range: ({ x }) => x.flatten(1, 2),
  narrow: ({ x }) => x.narrow(2, 1, 2),
  slice_step: ({ x }) => x.slice(2, 0, 4, 2),
  slice_negative: ({ x }) => x.slice(1, -2),
  select: ({ x }) => x.select(1, -1),
  index_select: ({ x, idx }) => x.indexSelect(2, idx),
  gather: ({ x, idx }) => x.gather(2, idx),
  masked_fill: ({ x, m }) => x.maskedFill(m, -7.5),
  masked_select: ({ x, m }) => x.maskedSelect(m),
  nonzero: ({ x }) => x.nonzero(),
  cat: ({ x, y }) => torch.cat([x, y], 1),
  stack: ({ x, y }) => torch.stack([x, y], -1),
  split: ({ x }) => torch.split(x, 2, 0),
  chunk: ({ x }) => torch.chunk(x, 3, 1),
  flip: ({ x }) => x.flip(0, 2),
  roll: ({ x }) => x.roll([1, -3], [1, 2]),
  repeat: ({ x }) => x.repeat(2, 1, 3),
  contiguous_after_permute: ({ x }) => x.permute(1, 0, 2).contiguous().view(-1),
};
