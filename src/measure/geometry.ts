/**
 * The few affine operations the measurements need: checking an affine, the world direction of an
 * array axis, and mapping (continuous) voxel coordinates to RAS+ mm.
 *
 * Conventions (shared/DESIGN.md): affines are row-major 4×4 mapping voxel `(x, y, z) = (i, j, k)`
 * to RAS+ mm; array axes are numbered in `[z, y, x]` order (0 = z = k, 1 = y = j, 2 = x = i).
 */
import { isDegenerate, linearPart } from '../volume/orientation.js';
import { checkMask } from '../volume/mask-args.js';
import type { Mat4, Vec3 } from '../volume/volume.js';

/** A point or direction in voxel `(x, y, z)` or RAS+ `(R, A, S)` order. */
export type Xyz = [number, number, number];

/**
 * Checks that `affine` is 16 finite numbers whose 3×3 part has three independent columns.
 * @param fn - Name of the calling function, used in the message.
 * @throws Error naming `fn` if the affine is not a 4×4 or its 3×3 part is degenerate (a zero
 *   column, a non-finite entry or singular: see `isDegenerate` in `volume/orientation.ts`).
 */
export function checkAffine(fn: string, affine: Mat4): void {
  if (!Array.isArray(affine) || affine.length !== 16 || !affine.every(Number.isFinite)) {
    throw new Error(
      `${fn}: affine must be a row-major 4×4 of 16 finite numbers, got ${JSON.stringify(affine)}`,
    );
  }
  if (isDegenerate(linearPart(affine))) {
    throw new Error(
      `${fn}: affine 3×3 part [${linearPart(affine).join(', ')}] is degenerate (a zero column or singular); ` +
        'expected three independent voxel axes',
    );
  }
}

/**
 * Checks a voxel grid: `data` has one value per voxel of `shape` and `affine` passes
 * {@link checkAffine}.
 * @throws Error naming `fn` on a bad shape, a wrong data length or a bad affine.
 */
export function checkGrid(fn: string, data: ArrayLike<number>, shape: Vec3, affine: Mat4): void {
  checkMask(fn, data, shape);
  checkAffine(fn, affine);
}

/**
 * The RAS+ displacement (mm) of one voxel step along array axis `axis` (0 = z, 1 = y, 2 = x):
 * the affine column of voxel index `2 - axis`.
 */
export function axisVector(affine: Mat4, axis: number): Xyz {
  const c = 2 - axis;
  return [affine[c], affine[4 + c], affine[8 + c]];
}

/**
 * RAS+ mm of the (possibly fractional) voxel coordinate `(x, y, z)`; integer coordinates are
 * voxel centres.
 * @example voxelToRas(diagonalAffine([2, 1, 1]), [1, 1, 1]) // [1, 1, 2]
 */
export function voxelToRas(affine: Mat4, [x, y, z]: Xyz): Xyz {
  return [
    affine[0] * x + affine[1] * y + affine[2] * z + affine[3],
    affine[4] * x + affine[5] * y + affine[6] * z + affine[7],
    affine[8] * x + affine[9] * y + affine[10] * z + affine[11],
  ];
}

/** Dot product of two 3-vectors. */
export function dot3(a: Xyz, b: Xyz): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/**
 * Calls `fn(x, y, z)` for every voxel of a `[z, y, x]` grid (x fastest) whose value passes `keep`
 * (default: non-zero), in storage order.
 */
export function forEachVoxel(
  data: ArrayLike<number>,
  shape: Vec3,
  fn: (x: number, y: number, z: number) => void,
  keep: (value: number) => boolean = (v) => v !== 0,
): void {
  const [nz, ny, nx] = shape;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) if (keep(data[i])) fn(x, y, z);
    }
  }
}
