/**
 * Argument checks shared by the binary-mask operations of this folder (EDT, morphology,
 * connected components, bounding boxes). Each throws an `Error` that names the calling function,
 * the argument and what was expected, so a bad call fails loudly instead of reading out of bounds.
 */
import type { Vec3 } from './volume.js';

/** Voxel connectivity of a 3D neighbourhood: 6 = faces, 26 = faces, edges and corners. */
export type Connectivity = 6 | 26;

/**
 * Checks that `shape` is three positive integers (`[z, y, x]`) and that `mask` has one element
 * per voxel.
 * @param fn - Name of the calling function, used in the message.
 * @returns The number of voxels.
 * @throws Error if `shape` is not three positive integers or `mask.length` differs from their product.
 */
export function checkMask(fn: string, mask: ArrayLike<number>, shape: Vec3): number {
  checkShape(fn, shape);
  const n = shape[0] * shape[1] * shape[2];
  if (mask.length !== n) {
    throw new Error(
      `${fn}: mask has ${mask.length} voxels, expected ${n} for shape [${shape.join(', ')}] ([z, y, x])`,
    );
  }
  return n;
}

/**
 * Checks that `shape` is three positive integers.
 * @throws Error naming `fn` and the offending shape otherwise.
 */
export function checkShape(fn: string, shape: Vec3): void {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(`${fn}: shape must be three positive integers [z, y, x], got ${JSON.stringify(shape)}`);
  }
}

/**
 * Checks that `spacing` is three finite numbers > 0 (mm, `[z, y, x]`).
 * @throws Error naming `fn` and the offending spacing otherwise.
 */
export function checkSpacing(fn: string, spacing: Vec3): void {
  if (
    !Array.isArray(spacing) ||
    spacing.length !== 3 ||
    !spacing.every((s) => typeof s === 'number' && Number.isFinite(s) && s > 0)
  ) {
    throw new Error(
      `${fn}: spacing must be three finite numbers > 0 (mm, [z, y, x]), got ${JSON.stringify(spacing)}`,
    );
  }
}

/**
 * Checks that `connectivity` is 6 or 26.
 * @throws Error naming `fn` and the offending value otherwise.
 */
export function checkConnectivity(fn: string, connectivity: number): asserts connectivity is Connectivity {
  if (connectivity !== 6 && connectivity !== 26) {
    throw new Error(`${fn}: connectivity must be 6 or 26, got ${String(connectivity)}`);
  }
}
