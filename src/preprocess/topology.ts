/**
 * Network topology from spacing and patch size: nnU-Net v2's `get_pool_and_conv_props`
 * (`experiment_planning/experiment_planners/network_topology.py`), plus the activation-memory
 * estimate the planner fits the patch to.
 *
 * All vectors are in array-axis order `[z, y, x]`.
 */
import type { Vec3 } from '../volume/volume.js';
import type { NetworkPlan } from './types.js';

/** The result of {@link poolAndConvProps}. */
export interface PoolAndConvProps {
  /** Poolings along each axis. */
  numPoolPerAxis: Vec3;
  /** Stride of each stage's first conv; stage 0 is `[1, 1, 1]` (nnU-Net's `pool_op_kernel_sizes`). */
  strides: Vec3[];
  /** Conv kernel per stage (nnU-Net's `conv_kernel_sizes`), same length as `strides`. */
  kernels: Vec3[];
  /** The patch padded up to a multiple of `mustBeDivisibleBy`. */
  patchSize: Vec3;
  /** `2^numPoolPerAxis`, the product of the strides per axis. */
  mustBeDivisibleBy: Vec3;
}

/**
 * nnU-Net's `pad_shape`: each axis rounded *up* to a multiple of its divisor (kept if it is one).
 * @example padShape([40, 100, 100], [8, 32, 32]) // [40, 128, 128]
 */
export function padShape(shape: readonly number[], divisor: readonly number[]): Vec3 {
  return shape.map((s, a) => {
    const d = divisor[a];
    const r = s % d;
    return Math.trunc(r === 0 ? s : s + d - r);
  }) as Vec3;
}

/**
 * nnU-Net v2's `get_pool_and_conv_props`, rule for rule. Starting from `spacing` and
 * `patchSize`, it adds stages while some axis can still be pooled:
 * - an axis is a pooling candidate while its current size ≥ 2 · `minFeatureMapSize` and its
 *   current spacing is < 2 × the smallest current spacing among the candidates (so a coarse z
 *   axis is not pooled until pooling in-plane has caught up), and it has been pooled fewer than
 *   `maxNumPool` times;
 * - if only one axis is left, it is pooled only while its size ≥ 3 · `minFeatureMapSize`;
 * - the stage's conv kernel is 3 on axes whose current spacing is < 2 × the smallest current
 *   spacing, else 1 (e.g. 1×3×3 on 3.6 mm × 0.4 mm × 0.4 mm data); once 3, it stays 3;
 * - each pooling halves the size (rounded up) and doubles the spacing of the pooled axes.
 * The bottleneck conv is always 3×3×3. The patch is padded to a multiple of `2^numPoolPerAxis`.
 * Sizes may be fractional (a median shape), as in nnU-Net; the padded patch is integral.
 * @param minFeatureMapSize nnU-Net's `UNet_featuremap_min_edge_length` (4).
 * @param maxNumPool poolings per axis at most (nnU-Net passes 999999).
 */
export function poolAndConvProps(
  spacing: Vec3,
  patchSize: readonly number[],
  minFeatureMapSize = 4,
  maxNumPool = 999999,
): PoolAndConvProps {
  const currentSpacing = [...spacing];
  const currentSize = [...patchSize];
  const strides: Vec3[] = [[1, 1, 1]];
  const kernels: Vec3[] = [];
  const numPool: Vec3 = [0, 0, 0];
  const kernel: Vec3 = [1, 1, 1];
  const axes = [0, 1, 2];
  for (;;) {
    let valid = axes.filter((a) => currentSize[a] >= 2 * minFeatureMapSize);
    if (valid.length < 1) break;
    const minValid = Math.min(...valid.map((a) => currentSpacing[a]));
    valid = valid.filter((a) => currentSpacing[a] / minValid < 2 && numPool[a] < maxNumPool);
    if (valid.length === 1 && currentSize[valid[0]] < 3 * minFeatureMapSize) break;
    if (valid.length < 1) break;
    const minSpacing = Math.min(...currentSpacing);
    for (const a of axes) if (kernel[a] !== 3 && currentSpacing[a] / minSpacing < 2) kernel[a] = 3;
    const stride: Vec3 = [1, 1, 1];
    for (const a of valid) {
      stride[a] = 2;
      numPool[a]++;
      currentSpacing[a] *= 2;
      currentSize[a] = Math.ceil(currentSize[a] / 2);
    }
    strides.push(stride);
    kernels.push([...kernel] as Vec3);
  }
  kernels.push([3, 3, 3]);
  const mustBeDivisibleBy = numPool.map((n) => 2 ** n) as Vec3;
  return { numPoolPerAxis: numPool, strides, kernels, patchSize: padShape(patchSize, mustBeDivisibleBy), mustBeDivisibleBy };
}

/**
 * Features per stage: `base · 2^s` capped at `max` (nnU-Net: 32, 64, 128, 256, 320, 320, …).
 */
export function featuresPerStage(numStages: number, base = 32, max = 320): number[] {
  return Array.from({ length: numStages }, (_, s) => Math.min(max, base * 2 ** s));
}

/** Settings of {@link activationElements} and {@link estimateMemoryMB}. */
export interface MemoryModel {
  /** Output classes: one segmentation head per decoder stage (deep supervision). Default 3. */
  numClasses?: number;
  /** Convs per encoder stage (2). */
  convsPerStage?: number;
  /** Convs per decoder stage (2). */
  convsPerDecoderStage?: number;
}

/**
 * Number of conv-output elements of one sample, nnU-Net's `compute_conv_feature_map_size` for its
 * PlainConvUNet with deep supervision: with `V_s` the voxels of stage `s` (patch / product of
 * strides so far, integer division per axis) and `f_s` its features,
 * `E = Σ_s n_enc·f_s·V_s + Σ_{s < S−1} [(n_dec + 1)·f_s·V_s + K·V_s]` — encoder convs; decoder
 * convs, the transposed conv's output, and the K-class segmentation head.
 */
export function activationElements(patch: Vec3, net: NetworkPlan, model: MemoryModel = {}): number {
  const nEnc = model.convsPerStage ?? 2;
  const nDec = model.convsPerDecoderStage ?? 2;
  const k = model.numClasses ?? 3;
  const size = [...patch];
  let total = 0;
  for (let s = 0; s < net.features.length; s++) {
    for (let a = 0; a < 3; a++) size[a] = Math.floor(size[a] / net.strides[s][a]);
    const v = size[0] * size[1] * size[2];
    total += nEnc * net.features[s] * v;
    if (s < net.features.length - 1) total += (nDec + 1) * net.features[s] * v + k * v;
  }
  return total;
}

/** Bytes per conv-output element in {@link estimateMemoryMB}: float32 × 3 tensors × 2 (forward + backward). */
export const BYTES_PER_ELEMENT = 4 * 3 * 2;

/**
 * Estimated training memory for activations, in MB (2^20 bytes):
 * `batchSize · E · 4 B · 3 · 2 / 2^20`, with `E` from {@link activationElements}. Each conv
 * output is held three times for the backward pass (conv output, instance-norm output, leaky-ReLU
 * output; float32), and the backward pass needs gradient buffers of about the same size again.
 * Weights, optimizer state and libtorch's workspace are not counted (they do not depend on the
 * patch). A deliberately simple, conservative model: nnU-Net instead compares `E` to a reference
 * measured on a GPU (560 M elements ↔ 8 GB at batch 2, with mixed precision).
 */
export function estimateMemoryMB(patch: Vec3, net: NetworkPlan, batchSize: number, model: MemoryModel = {}): number {
  return (batchSize * activationElements(patch, net, model) * BYTES_PER_ELEMENT) / 2 ** 20;
}
