/**
 * What the voxel values of an image say about whether it can be segmented at all: non-finite
 * values (NaN, ±Infinity) and constant or near-constant images (an all-zero file, a blank
 * export). One pass over the data; pure and browser-safe.
 */
import { nonFinite } from './finite.js';
import type { Vec3 } from './volume.js';

/** Fraction of voxels that must differ from the minimum for an image not to be near-constant (0.1 %). */
export const NEAR_CONSTANT_FRACTION = 1e-3;

/** Counts and range of one image's voxels. */
export interface VoxelStats {
  /** Voxels in all. */
  count: number;
  /** Voxels that are NaN or ±Infinity. */
  nonFinite: number;
  /** Index (x fastest) of the first non-finite voxel, −1 if none. */
  firstNonFinite: number;
  /** Its value (NaN, Infinity or −Infinity), NaN if none. */
  firstNonFiniteValue: number;
  /** Smallest and largest finite value (NaN when no voxel is finite). */
  min: number;
  max: number;
  /** Finite voxels equal to `min`. */
  atMin: number;
}

/**
 * Counts non-finite voxels (`nonFinite` of `finite.ts`) and the finite range and its minimum's count.
 * @example voxelStats(t2.data).nonFinite // 0
 */
export function voxelStats(data: ArrayLike<number>): VoxelStats {
  const { count: bad, first } = nonFinite(data);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // Comparisons with NaN are false; ±Infinity are skipped explicitly.
    if (v < min && v !== -Infinity) min = v;
    if (v > max && v !== Infinity) max = v;
  }
  let atMin = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === min) atMin++;
  const finite = data.length > bad;
  return {
    count: data.length,
    nonFinite: bad,
    firstNonFinite: first,
    firstNonFiniteValue: first >= 0 ? data[first] : NaN,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    atMin,
  };
}

/** The `[z, y, x]` position of voxel index `i` (x fastest) in a volume of `shape`. */
export function voxelPosition(i: number, shape: Vec3): Vec3 {
  const [, ny, nx] = shape;
  return [Math.floor(i / (ny * nx)), Math.floor(i / nx) % ny, i % nx];
}

/**
 * A sentence on the non-finite voxels (count, first position and value), or null when there are none.
 * @example 'has 1 non-finite voxel of 8000 (first: [z, y, x] = [0, 0, 0], NaN)'
 */
export function describeNonFinite(s: VoxelStats, shape: Vec3): string | null {
  if (s.nonFinite === 0) return null;
  const at = voxelPosition(s.firstNonFinite, shape).join(', ');
  return `has ${s.nonFinite} non-finite voxel${s.nonFinite === 1 ? '' : 's'} of ${s.count} (first: [z, y, x] = [${at}], ${s.firstNonFiniteValue})`;
}

/**
 * Why an image is constant or near-constant — no finite voxel; every finite voxel equal; fewer
 * than {@link NEAR_CONSTANT_FRACTION} of the voxels different from the minimum; or a range below
 * 1e-6 of the magnitude (rounding noise) — or null for an image with real contrast.
 * @example degenerateImage(voxelStats(new Float32Array(8))) // 'every voxel is 0 (a constant image)'
 */
export function degenerateImage(s: VoxelStats): string | null {
  if (s.count === s.nonFinite) return 'no voxel is finite';
  if (s.min === s.max) return `every ${s.nonFinite > 0 ? 'finite ' : ''}voxel is ${s.min} (a constant image)`;
  const differ = s.count - s.nonFinite - s.atMin;
  if (differ < NEAR_CONSTANT_FRACTION * s.count) {
    return `only ${differ} of ${s.count} voxels differ from the minimum ${s.min} (a near-constant image; at least ${NEAR_CONSTANT_FRACTION * 100} % must)`;
  }
  if (s.max - s.min <= 1e-6 * Math.max(Math.abs(s.min), Math.abs(s.max))) {
    return `the values span only ${s.min} to ${s.max} (a near-constant image)`;
  }
  return null;
}

/**
 * Why an image is 2-D — one voxel along some array axis — or null. A 3-D network can neither train
 * on nor segment such an image (a thin but 3-D one is padded, as nnU-Net pads).
 * @example flatImage([1, 132, 132]) // 'is 1×132×132 voxels ([z, y, x]): one voxel along z, a 2-D image'
 */
export function flatImage(shape: Vec3): string | null {
  const a = shape.findIndex((n) => n === 1);
  return a < 0 ? null : `is ${shape.join('×')} voxels ([z, y, x]): one voxel along ${'zyx'[a]}, a 2-D image`;
}
