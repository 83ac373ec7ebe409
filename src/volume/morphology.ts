/**
 * Binary morphology on 3D masks: erosion and dilation with the 6- or 26-connected 3×3×3
 * structuring element, like `scipy.ndimage.binary_erosion` / `binary_dilation` with
 * `generate_binary_structure(3, 1)` / `(3, 3)` and the default `border_value=0`: voxels outside the
 * volume count as unset, so a set voxel on the border erodes and nothing dilates in from outside.
 *
 * The 26-connected cube is separable (three 1D passes, one per axis); the 6-connected cross is the
 * AND (erosion) or OR (dilation) of the three 1D passes applied to the same input.
 */
import { checkConnectivity, checkMask, type Connectivity } from './mask-args.js';
import type { Vec3 } from './volume.js';

/** Options of {@link erode} and {@link dilate}. */
export interface MorphologyOptions {
  /** How many times to apply the operation (default 1); an integer ≥ 1. */
  iterations?: number;
}

/**
 * Binary erosion: a voxel stays set if it and all its neighbours (6 or 26) are set; neighbours
 * outside the volume count as unset.
 * @param mask - Binary mask, x fastest (`[z, y, x]` layout); any non-zero is "set". Not modified.
 * @param shape - `[z, y, x]` voxel counts.
 * @returns A new mask of 0/1.
 * @throws Error on a bad `shape`, a `mask` of the wrong length, a connectivity other than 6 or 26,
 *   or `iterations` not an integer ≥ 1.
 * @example
 * const inner = erode(mask, [80, 384, 384], 6, { iterations: 2 });
 */
export function erode(
  mask: Uint8Array,
  shape: Vec3,
  connectivity: Connectivity,
  opts: MorphologyOptions = {},
): Uint8Array {
  return morph('erode', mask, shape, connectivity, opts, true);
}

/**
 * Binary dilation: a voxel becomes set if it or any of its neighbours (6 or 26) is set.
 * @param mask - Binary mask, x fastest (`[z, y, x]` layout); any non-zero is "set". Not modified.
 * @param shape - `[z, y, x]` voxel counts.
 * @returns A new mask of 0/1.
 * @throws Error on a bad `shape`, a `mask` of the wrong length, a connectivity other than 6 or 26,
 *   or `iterations` not an integer ≥ 1.
 */
export function dilate(
  mask: Uint8Array,
  shape: Vec3,
  connectivity: Connectivity,
  opts: MorphologyOptions = {},
): Uint8Array {
  return morph('dilate', mask, shape, connectivity, opts, false);
}

function morph(
  fn: string,
  mask: Uint8Array,
  shape: Vec3,
  connectivity: Connectivity,
  opts: MorphologyOptions,
  erosion: boolean,
): Uint8Array {
  const n = checkMask(fn, mask, shape);
  checkConnectivity(fn, connectivity);
  const iterations = opts.iterations ?? 1;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new Error(`${fn}: opts.iterations must be an integer >= 1, got ${String(iterations)}`);
  }
  let cur = new Uint8Array(n);
  for (let i = 0; i < n; i++) cur[i] = mask[i] !== 0 ? 1 : 0;
  let a = new Uint8Array(n);
  const b = new Uint8Array(n);
  for (let it = 0; it < iterations; it++) {
    if (connectivity === 26) {
      pass1d(cur, a, shape, 2, erosion);
      pass1d(a, b, shape, 1, erosion);
      pass1d(b, a, shape, 0, erosion);
    } else {
      pass1d(cur, a, shape, 2, erosion);
      for (const axis of [1, 0]) {
        pass1d(cur, b, shape, axis, erosion);
        if (erosion) for (let i = 0; i < n; i++) a[i] &= b[i];
        else for (let i = 0; i < n; i++) a[i] |= b[i];
      }
    }
    [cur, a] = [a, cur];
  }
  return cur;
}

/**
 * One 1D pass along `axis` (0 = z, 1 = y, 2 = x) with the 3-voxel segment:
 * `dst[i] = src[i−1] op src[i] op src[i+1]`, op = AND (erosion) or OR (dilation), outside = 0.
 */
function pass1d(src: Uint8Array, dst: Uint8Array, shape: Vec3, axis: number, erosion: boolean): void {
  const [nz, ny, nx] = shape;
  const stride = axis === 2 ? 1 : axis === 1 ? nx : ny * nx;
  const len = shape[axis];
  const outer = (nz * ny * nx) / (len * stride);
  // View the volume as [outer][len][stride]; p walks the axis.
  for (let o = 0; o < outer; o++) {
    for (let p = 0; p < len; p++) {
      const row = (o * len + p) * stride;
      for (let i = row, e = row + stride; i < e; i++) {
        const lo = p > 0 ? src[i - stride] : 0;
        const hi = p < len - 1 ? src[i + stride] : 0;
        dst[i] = erosion ? lo & src[i] & hi : lo | src[i] | hi;
      }
    }
  }
}
