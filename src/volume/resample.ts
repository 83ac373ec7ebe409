/**
 * Resampling volumes to a new voxel spacing or shape, for images (linear or nearest) and label
 * maps (nearest, or one-hot linear + argmax as nnU-Net does for segmentations).
 *
 * **Alignment rule** (the one of nnU-Net's `skimage.transform.resize(..., mode='edge')`, i.e.
 * `scipy.ndimage.zoom(..., grid_mode=True, mode='nearest')`): the grids share their outer
 * *edges*, so output voxel `o` on an axis of `nIn → nOut` voxels samples input coordinate
 * `c = (o + 0.5) · nIn / nOut − 0.5`, clamped to `[0, nIn − 1]` (edge values repeat). The affine
 * is updated to match exactly: output voxel `o` lies where input coordinate `c` (unclamped) lies,
 * so the volume covers the same physical extent and spacing becomes `spacing · nIn / nOut`.
 *
 * **Shape rule** (nnU-Net's `compute_new_shape`): `round(spacing / target · shape)` per axis, with
 * Python's round-half-to-even, and at least 1. The resulting spacing equals the target only when
 * that product is an integer; {@link resample} reports the true spacing.
 *
 * Linear interpolation is separable (one pass per axis, precomputed index/weight tables), which
 * equals trilinear interpolation. Layout as everywhere: x fastest, shape/spacing `[z, y, x]`.
 */
import type { Mat4, Vec3, Volume, VoxelArray } from './volume.js';

/** How image voxels are interpolated. */
export type ResampleMode = 'linear' | 'nearest';
/** How label voxels are resampled (see {@link resampleLabels}). */
export type LabelResampleMode = 'nearest' | 'onehot-linear';

type FloatArray = Float32Array | Float64Array;

/** Python's `round`: to the nearest integer, ties to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The shape nnU-Net gives a volume resampled from `spacing` to `target` (all `[z, y, x]`):
 * `round(spacing / target · shape)`, ties to even, at least 1.
 * @example resampledShape([10, 64, 64], [3, 0.5, 0.5], [1.5, 1, 1]) // [20, 32, 32]
 */
export function resampledShape(shape: Vec3, spacing: Vec3, target: Vec3): Vec3 {
  if (!target.every((t) => Number.isFinite(t) && t > 0)) {
    throw new Error(
      `resample: target spacing [${target.join(', ')}], expected three positive numbers (mm, [z, y, x])`,
    );
  }
  return shape.map((n, a) => Math.max(1, roundHalfEven((spacing[a] / target[a]) * n))) as Vec3;
}

/** Input coordinate (unclamped) of output voxel `o`, for an axis of `nIn → nOut` voxels. */
function sourceCoordinate(o: number, nIn: number, nOut: number): number {
  return ((o + 0.5) * nIn) / nOut - 0.5;
}

/** The affine of the resampled grid (see the alignment rule above). */
function resampledAffine(affine: Mat4, from: Vec3, to: Vec3): Mat4 {
  // Voxel (i, j, k) of the new grid is at old voxel (s·i + t) per axis, s = nIn/nOut, t = s/2 − 1/2.
  const s = [from[2] / to[2], from[1] / to[1], from[0] / to[0]];
  const out = [...affine];
  for (let r = 0; r < 3; r++) {
    let shift = 0;
    for (let c = 0; c < 3; c++) {
      out[r * 4 + c] = affine[r * 4 + c] * s[c];
      shift += affine[r * 4 + c] * (s[c] / 2 - 0.5);
    }
    out[r * 4 + 3] = affine[r * 4 + 3] + shift;
  }
  return out;
}

function withGeometry<T extends VoxelArray>(vol: Volume, data: T, shape: Vec3): Volume<T> {
  const out: Volume<T> = {
    data,
    shape: [...shape] as Vec3,
    spacing: vol.spacing.map((sp, a) => (sp * vol.shape[a]) / shape[a]) as Vec3,
    affine: resampledAffine(vol.affine, vol.shape, shape),
  };
  if (vol.channels !== undefined) out.channels = vol.channels;
  return out;
}

/** One linear pass along `axis` (0 = z, 1 = y, 2 = x) of a `dims` array, to `nOut` samples. */
function linearPass(src: FloatArray, dims: Vec3, axis: number, nOut: number): FloatArray {
  return linearPassWindow(src, dims, axis, dims[axis], nOut, 0, 0, nOut);
}

/** Linear resampling of one channel (float in, same float type out). */
function linearChannel(src: FloatArray, from: Vec3, to: Vec3): FloatArray {
  let data = src;
  const dims = [...from] as Vec3;
  for (const axis of [2, 1, 0]) {
    if (dims[axis] === to[axis]) continue;
    data = linearPass(data, dims, axis, to[axis]);
    dims[axis] = to[axis];
  }
  return data === src ? src.slice() : data;
}

/**
 * The part `[o0, o1)` of a linear pass along `axis`, from a `dims` array that holds input indices
 * `[i0, i0 + dims[axis])` of an axis of `nIn` voxels resampled to `nOut` (the whole pass: `i0 = 0`,
 * `dims[axis] = nIn`, `[0, nOut)`); so a window's values equal the whole pass's bit for bit.
 */
function linearPassWindow(src: FloatArray, dims: Vec3, axis: number, nIn: number, nOut: number, i0: number, o0: number, o1: number): FloatArray {
  const n = o1 - o0;
  const local = dims[axis];
  const outer = dims.slice(0, axis).reduce((p, v) => p * v, 1);
  const inner = dims.slice(axis + 1).reduce((p, v) => p * v, 1);
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const w = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const c = Math.min(nIn - 1, Math.max(0, sourceCoordinate(o0 + q, nIn, nOut)));
    const l = Math.floor(c);
    lo[q] = l - i0;
    hi[q] = Math.min(nIn - 1, l + 1) - i0;
    w[q] = c - l;
  }
  const out = new (src.constructor as new (n: number) => FloatArray)(outer * n * inner);
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < n; q++) {
      const a = (p * local + lo[q]) * inner;
      const b = (p * local + hi[q]) * inner;
      const d = (p * n + q) * inner;
      const wb = w[q];
      const wa = 1 - wb;
      if (wb === 0) {
        for (let t = 0; t < inner; t++) out[d + t] = src[a + t];
      } else {
        for (let t = 0; t < inner; t++) out[d + t] = src[a + t] * wa + src[b + t] * wb;
      }
    }
  }
  return out;
}

/**
 * The output voxels `[o0, o1)` of an axis resampled `nIn → nOut` whose linear interpolation reads
 * only inputs in `[i0, i1)` (an input read with weight 0 counts too): where a window of input values
 * determines the output.
 */
export function outputsReading(nIn: number, nOut: number, i0: number, i1: number): [number, number] {
  const src = (o: number) => Math.min(nIn - 1, Math.max(0, sourceCoordinate(o, nIn, nOut)));
  let o0 = 0;
  while (o0 < nOut && Math.floor(src(o0)) < i0) o0++;
  let o1 = o0;
  while (o1 < nOut && Math.min(nIn - 1, Math.floor(src(o1)) + (src(o1) % 1 === 0 ? 0 : 1)) < i1) o1++;
  return [o0, o1];
}

/** The input index range `[lo, hi]` (inclusive) that linear outputs `[o0, o1)` read, on an axis of `nIn → nOut`. */
function sourceRange(nIn: number, nOut: number, o0: number, o1: number): [number, number] {
  const at = (o: number) => Math.min(nIn - 1, Math.max(0, sourceCoordinate(o, nIn, nOut)));
  return [Math.floor(at(o0)), Math.min(nIn - 1, Math.floor(at(o1 - 1)) + 1)];
}

/**
 * The output voxels `window` (a box of the `shape` grid) of linearly resampling `vol` to `shape`:
 * equal, bit for bit, to that box of `resampleToShape(vol, shape, 'linear')`, at a cost that grows
 * with the window, not the volume. Returns the window's values, channel by channel (`[C, wz, wy, wx]`,
 * x fastest), as Float32Array (Float64Array for float64 input).
 * @throws Error for a window outside `[0, shape)`, an empty one, or inconsistent data.
 */
export function resampleWindow(vol: Volume, shape: Vec3, window: { start: Vec3; end: Vec3 }): Float32Array | Float64Array {
  checkShape(vol, shape, 'resampleWindow');
  if (!window.start.every((s, a) => Number.isInteger(s) && Number.isInteger(window.end[a]) && s >= 0 && s < window.end[a] && window.end[a] <= shape[a])) {
    throw new Error(`resampleWindow: window [${window.start.join(', ')}]–[${window.end.join(', ')}], expected a non-empty box inside [0, ${shape.join(', ')})`);
  }
  const channels = vol.channels ?? 1;
  const nIn = vol.shape[0] * vol.shape[1] * vol.shape[2];
  const ranges = [0, 1, 2].map((a) => sourceRange(vol.shape[a], shape[a], window.start[a], window.end[a]));
  const size = window.end.map((e, a) => e - window.start[a]) as Vec3;
  const isF64 = vol.data instanceof Float64Array;
  const out = isF64 ? new Float64Array(channels * size[0] * size[1] * size[2]) : new Float32Array(channels * size[0] * size[1] * size[2]);
  const [, ny, nx] = vol.shape;
  const sub: Vec3 = ranges.map(([lo, hi]) => hi - lo + 1) as Vec3;
  for (let c = 0; c < channels; c++) {
    // The input box the window reads, then one windowed pass per axis (x, y, z, as linearChannel).
    let data: FloatArray = isF64 ? new Float64Array(sub[0] * sub[1] * sub[2]) : new Float32Array(sub[0] * sub[1] * sub[2]);
    let d = 0;
    for (let z = ranges[0][0]; z <= ranges[0][1]; z++) {
      for (let y = ranges[1][0]; y <= ranges[1][1]; y++) {
        const row = c * nIn + (z * ny + y) * nx;
        for (let x = ranges[2][0]; x <= ranges[2][1]; x++) data[d++] = vol.data[row + x];
      }
    }
    const dims = [...sub] as Vec3;
    for (const axis of [2, 1, 0]) {
      // An axis of equal sizes samples integer coordinates (weight 0): the window's rows are copied.
      data = linearPassWindow(data, dims, axis, vol.shape[axis], shape[axis], ranges[axis][0], window.start[axis], window.end[axis]);
      dims[axis] = size[axis];
    }
    out.set(data, c * size[0] * size[1] * size[2]);
  }
  return out;
}

/** Source index per output voxel along each axis, for nearest-neighbour sampling (ties round up). */
function nearestIndex(nIn: number, nOut: number): Int32Array {
  const idx = new Int32Array(nOut);
  for (let o = 0; o < nOut; o++)
    idx[o] = Math.min(nIn - 1, Math.max(0, Math.floor(sourceCoordinate(o, nIn, nOut) + 0.5)));
  return idx;
}

function checkShape(vol: Volume, shape: Vec3, fn: string): void {
  if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error(`${fn}: shape [${shape.join(', ')}], expected three integers ≥ 1 in [z, y, x] order`);
  }
  const n = vol.shape[0] * vol.shape[1] * vol.shape[2] * (vol.channels ?? 1);
  if (vol.data.length !== n) {
    throw new Error(
      `${fn}: data has ${vol.data.length} voxels, expected ${n} for shape ${vol.shape.join('×')}`,
    );
  }
}

/**
 * Resamples to `shape` (`[z, y, x]`) under the alignment rule above, channel by channel.
 * `linear` returns Float32Array data (Float64Array for float64 input); `nearest` keeps the type.
 * @throws Error if `shape` is not three positive integers or the data length is inconsistent.
 */
export function resampleToShape(vol: Volume, shape: Vec3, mode: ResampleMode): Volume {
  checkShape(vol, shape, 'resampleToShape');
  const channels = vol.channels ?? 1;
  const nIn = vol.shape[0] * vol.shape[1] * vol.shape[2];
  const nOut = shape[0] * shape[1] * shape[2];
  if (mode === 'linear') {
    const isF64 = vol.data instanceof Float64Array;
    const out = isF64 ? new Float64Array(nOut * channels) : new Float32Array(nOut * channels);
    for (let c = 0; c < channels; c++) {
      const ch = vol.data.subarray(c * nIn, (c + 1) * nIn);
      const src = ch instanceof Float32Array || ch instanceof Float64Array ? ch : Float32Array.from(ch);
      out.set(linearChannel(src, vol.shape, shape), c * nOut);
    }
    return withGeometry(vol, out, shape);
  }
  if (mode !== 'nearest') throw new Error(`resampleToShape: mode '${mode}', expected 'linear' or 'nearest'`);
  const [iz, iy, ix] = [0, 1, 2].map((a) => nearestIndex(vol.shape[a], shape[a]));
  const out = new (vol.data.constructor as new (n: number) => VoxelArray)(nOut * channels);
  const [, ny, nx] = vol.shape;
  let d = 0;
  for (let c = 0; c < channels; c++) {
    for (let z = 0; z < shape[0]; z++) {
      for (let y = 0; y < shape[1]; y++) {
        const row = c * nIn + (iz[z] * ny + iy[y]) * nx;
        for (let x = 0; x < shape[2]; x++) out[d++] = vol.data[row + ix[x]];
      }
    }
  }
  return withGeometry(vol, out, shape);
}

/**
 * Resamples an image to `targetSpacing` (mm, `[z, y, x]`): shape by the nnU-Net rule, values by
 * `mode` under the edge-aligned rule (see the file header). The returned spacing is the true
 * voxel size `spacing · nIn / nOut`, which may differ slightly from the target.
 * @throws Error for a non-positive target spacing.
 * @example resample(t2, [1.5, 0.5, 0.5], 'linear')
 */
export function resample(vol: Volume, targetSpacing: Vec3, mode: ResampleMode): Volume {
  return resampleToShape(vol, resampledShape(vol.shape, vol.spacing, targetSpacing), mode);
}

/**
 * Resamples a label map to `shape` (`[z, y, x]`), keeping the data type.
 * - `nearest`: nearest-neighbour under the alignment rule.
 * - `onehot-linear`: each label's indicator is interpolated linearly and the label of largest
 *   value wins (nnU-Net's segmentation resampling, with argmax; ties go to the higher label, as
 *   nnU-Net's `>= 0.5` overwrite does between two labels). Labels absent from the input are skipped.
 * @param numLabels labels are `0 … numLabels − 1` (default: max label + 1).
 * @throws Error if the volume has several channels, or a label is negative, not an integer, or ≥ numLabels.
 */
export function resampleLabelsToShape(
  vol: Volume,
  shape: Vec3,
  mode: LabelResampleMode,
  numLabels?: number,
): Volume {
  if ((vol.channels ?? 1) !== 1)
    throw new Error(`resampleLabels: label map has ${vol.channels} channels, expected 1`);
  if (mode === 'nearest') return resampleToShape(vol, shape, 'nearest');
  if (mode !== 'onehot-linear')
    throw new Error(`resampleLabels: mode '${mode}', expected 'nearest' or 'onehot-linear'`);
  checkShape(vol, shape, 'resampleLabels');
  const present = new Set<number>();
  for (let i = 0; i < vol.data.length; i++) present.add(vol.data[i]);
  const labels = [...present].sort((a, b) => a - b);
  const limit = numLabels ?? labels[labels.length - 1] + 1;
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= limit) {
      throw new Error(`resampleLabels: label ${l} found, expected integers 0 to ${limit - 1}`);
    }
  }
  const nOut = shape[0] * shape[1] * shape[2];
  const best = new Float32Array(nOut).fill(-1);
  const sum = new Float32Array(nOut);
  const out = new (vol.data.constructor as new (n: number) => VoxelArray)(nOut);
  const indicator = new Float32Array(vol.data.length);
  // The indicators sum to 1 and interpolation keeps that, so the lowest label's value is
  // 1 − Σ(others): one interpolation pass fewer (usually the background's).
  for (const l of labels.slice(1)) {
    for (let i = 0; i < indicator.length; i++) indicator[i] = vol.data[i] === l ? 1 : 0;
    const p = linearChannel(indicator, vol.shape, shape);
    for (let i = 0; i < nOut; i++) {
      sum[i] += p[i];
      if (p[i] >= best[i]) {
        best[i] = p[i];
        out[i] = l;
      }
    }
  }
  for (let i = 0; i < nOut; i++) if (1 - sum[i] > best[i]) out[i] = labels[0];
  return withGeometry(vol, out, shape);
}

/**
 * Resamples a label map to `targetSpacing` (mm, `[z, y, x]`) with the shape rule of
 * {@link resample}; see {@link resampleLabelsToShape} for the modes.
 * @example resampleLabels(seg, [1.5, 0.5, 0.5], 'onehot-linear', 3)
 */
export function resampleLabels(
  vol: Volume,
  targetSpacing: Vec3,
  mode: LabelResampleMode,
  numLabels?: number,
): Volume {
  return resampleLabelsToShape(vol, resampledShape(vol.shape, vol.spacing, targetSpacing), mode, numLabels);
}
