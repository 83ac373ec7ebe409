/**
 * Bounding boxes of binary masks, in voxels: `start` inclusive, `end` exclusive, `[z, y, x]`, so
 * `end - start` is the box size and the box is the index range `start[a] <= i < end[a]` per axis.
 */
import { checkMask, checkShape } from './mask-args.js';
import type { Vec3 } from './volume.js';

/** A voxel box `[start, end)` along `[z, y, x]`. */
export interface Box {
  /** First voxel inside the box, `[z, y, x]` (inclusive). */
  start: Vec3;
  /** One past the last voxel inside the box, `[z, y, x]` (exclusive). */
  end: Vec3;
}

/**
 * The smallest box holding every set voxel of `mask`, or `null` if none is set.
 * @param mask - Binary mask, x fastest (`[z, y, x]` layout); any non-zero is "set".
 * @param shape - `[z, y, x]` voxel counts.
 * @throws Error on a bad `shape` or a `mask` of the wrong length.
 * @example
 * boundingBox(new Uint8Array([0, 1, 1, 0]), [1, 2, 2]); // { start: [0, 0, 0], end: [1, 2, 2] }
 */
export function boundingBox(mask: ArrayLike<number>, shape: Vec3): Box | null {
  checkMask('boundingBox', mask, shape);
  const [nz, ny, nx] = shape;
  const start: Vec3 = [nz, ny, nx];
  const end: Vec3 = [0, 0, 0];
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++, i += nx) {
      // First and last set voxel of the row, if any.
      let x0 = 0;
      while (x0 < nx && mask[i + x0] === 0) x0++;
      if (x0 === nx) continue;
      let x1 = nx - 1;
      while (mask[i + x1] === 0) x1--;
      if (z < start[0]) start[0] = z;
      if (y < start[1]) start[1] = y;
      if (x0 < start[2]) start[2] = x0;
      end[0] = z + 1;
      if (y + 1 > end[1]) end[1] = y + 1;
      if (x1 + 1 > end[2]) end[2] = x1 + 1;
    }
  }
  return end[0] === 0 ? null : { start, end };
}

/**
 * `box` grown by `margin` voxels on every side (per axis, `[z, y, x]`), clamped to the volume
 * `[0, shape)`. Returns a new box.
 * @throws Error if `margin` is not three non-negative integers, `shape` not three positive
 *   integers, or `box` not inside `[0, shape]` with `start <= end`.
 * @example
 * expandBox({ start: [0, 5, 5], end: [2, 8, 9] }, [2, 2, 2], [3, 10, 10]); // { start: [0, 3, 3], end: [3, 10, 10] }
 */
export function expandBox(box: Box, margin: Vec3, shape: Vec3): Box {
  checkShape('expandBox', shape);
  if (!Array.isArray(margin) || margin.length !== 3 || !margin.every((m) => Number.isInteger(m) && m >= 0)) {
    throw new Error(
      `expandBox: margin must be three non-negative integers (voxels, [z, y, x]), got ${JSON.stringify(margin)}`,
    );
  }
  for (let a = 0; a < 3; a++) {
    const s = box.start[a];
    const e = box.end[a];
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > shape[a] || s > e) {
      throw new Error(
        `expandBox: box must satisfy 0 <= start <= end <= shape on every axis, got start ` +
          `${JSON.stringify(box.start)}, end ${JSON.stringify(box.end)} for shape ${JSON.stringify(shape)}`,
      );
    }
  }
  const start = box.start.map((s, a) => Math.max(0, s - margin[a])) as Vec3;
  const end = box.end.map((e, a) => Math.min(shape[a], e + margin[a])) as Vec3;
  return { start, end };
}
