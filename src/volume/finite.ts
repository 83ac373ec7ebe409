/** Finding voxels that are not finite numbers (NaN, ±Infinity). Pure, browser-safe. */
import type { VoxelArray } from './volume.js';

/**
 * How many values of `data` are not finite, and the index of the first (−1 when none).
 * @example nonFinite(new Float32Array([1, NaN, Infinity])) // { count: 2, first: 1 }
 */
export function nonFinite(data: VoxelArray | ArrayLike<number>): { count: number; first: number } {
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]) && count++ === 0) first = i;
  }
  return { count, first };
}
