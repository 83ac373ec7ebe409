/**
 * The intrameatal/extrameatal interface and the distance to it.
 *
 * The interface of labels `a` and `b` is the set of voxels labelled `a` or `b` that have a
 * 6-neighbour with the other label — both sides of the boundary. With the crossMoDA labels
 * (1 extrameatal, 2 intrameatal) it is the reference boundary L_B of the Boundary Distance Loss
 * and the "boundary" that crossMoDA 2023 scores.
 */
import type { Vec3 } from './volume.js';
import { checkMask } from './mask-args.js';
import { edt } from './edt.js';

/** Extrameatal and intrameatal labels (crossMoDA 2023). */
export const EXTRAMEATAL = 1;
export const INTRAMEATAL = 2;

/**
 * 1 where a voxel is labelled `a` (resp. `b`) and one of its 6 neighbours is `b` (resp. `a`).
 * Neighbours outside the volume do not count.
 * @throws Error if `labels.length` is not the product of `shape`.
 */
export function labelInterface(labels: ArrayLike<number>, shape: Vec3, a = EXTRAMEATAL, b = INTRAMEATAL): Uint8Array {
  checkMask('labelInterface', labels, shape);
  const [nz, ny, nx] = shape;
  const sy = nx;
  const sz = nx * ny;
  const out = new Uint8Array(nz * ny * nx);
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const v = labels[i];
        const other = v === a ? b : v === b ? a : -1;
        if (other < 0) continue;
        if (
          (x > 0 && labels[i - 1] === other) ||
          (x < nx - 1 && labels[i + 1] === other) ||
          (y > 0 && labels[i - sy] === other) ||
          (y < ny - 1 && labels[i + sy] === other) ||
          (z > 0 && labels[i - sz] === other) ||
          (z < nz - 1 && labels[i + sz] === other)
        ) {
          out[i] = 1;
        }
      }
    }
  }
  return out;
}

/**
 * φ of the Boundary Distance Loss: the exact Euclidean distance in mm (spacing `[z, y, x]`) from
 * every voxel to the nearest interface voxel; +Infinity everywhere when there is no interface.
 */
export function boundaryDistanceMap(labels: ArrayLike<number>, shape: Vec3, spacing: Vec3): Float32Array {
  return edt(labelInterface(labels, shape), shape, spacing).distance;
}
