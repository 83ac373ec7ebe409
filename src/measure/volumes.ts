/**
 * Tumour volumes from a label map: extrameatal (EM), intrameatal (IM) and whole tumour (WT =
 * EM ∪ IM), in mm³ and mL.
 *
 * One voxel's volume is |det| of the affine's 3×3 part — the volume of the parallelepiped its
 * three voxel axes span — not the product of the spacings: the two agree for an orthogonal
 * (possibly rotated) affine, but only the determinant is right for a sheared one (e.g. a
 * gantry-tilted CT-like acquisition), where the column norms overstate the voxel volume.
 */
import { linearPart, det3 } from '../volume/orientation.js';
import { checkMask } from '../volume/mask-args.js';
import type { Mat4, Vec3 } from '../volume/volume.js';
import { checkAffine } from './geometry.js';

/** Which label values mean which tumour part (default: crossMoDA 2023, 1 = EM, 2 = IM). */
export interface TumourLabels {
  /** Label value of the extrameatal part (default 1). */
  extrameatal: number;
  /** Label value of the intrameatal part (default 2). */
  intrameatal: number;
}

/** The crossMoDA 2023 labels: 1 extrameatal, 2 intrameatal. */
export const DEFAULT_LABELS: Readonly<TumourLabels> = Object.freeze({ extrameatal: 1, intrameatal: 2 });

/** A volume in mm³ and in mL (1 mL = 1000 mm³). */
export interface VolumeValue {
  /** Cubic millimetres. */
  mm3: number;
  /** Millilitres (= cm³). */
  ml: number;
}

/** Volumes of the tumour parts, and the voxel counts they come from. */
export interface TumourVolumes {
  /** Extrameatal part. */
  extrameatal: VolumeValue;
  /** Intrameatal part. */
  intrameatal: VolumeValue;
  /** Whole tumour (extrameatal ∪ intrameatal). */
  wholeTumour: VolumeValue;
  /** Voxel counts of the two parts. */
  voxels: { extrameatal: number; intrameatal: number };
}

/**
 * The volume of one voxel in mm³: |det| of the affine's 3×3 part.
 * @throws Error for an affine that is not 16 finite numbers or whose 3×3 part is degenerate.
 * @example voxelVolume(diagonalAffine([3, 0.5, 0.5])) // 0.75
 */
export function voxelVolume(affine: Mat4): number {
  checkAffine('voxelVolume', affine);
  return Math.abs(det3(linearPart(affine)));
}

/**
 * Checks that `labels` and `ids` are usable and counts the voxels of each tumour part.
 * @returns Voxel counts `{ extrameatal, intrameatal }`.
 * @throws Error if `labels` does not have one value per voxel of `shape`, if `ids` are not two
 *   distinct non-zero integers, or if a voxel holds a value other than 0 and the two ids (the
 *   error names the value and the voxel `(x, y, z)`).
 */
export function countLabels(
  labels: ArrayLike<number>,
  shape: Vec3,
  ids: TumourLabels = DEFAULT_LABELS,
): { extrameatal: number; intrameatal: number } {
  checkMask('countLabels', labels, shape);
  const { extrameatal: em, intrameatal: im } = ids;
  if (!Number.isInteger(em) || !Number.isInteger(im) || em === 0 || im === 0 || em === im) {
    throw new Error(
      `countLabels: labels must be two distinct non-zero integers, got extrameatal ${em}, intrameatal ${im}`,
    );
  }
  let nEm = 0;
  let nIm = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v === 0) continue;
    if (v === em) nEm++;
    else if (v === im) nIm++;
    else {
      const nx = shape[2];
      const ny = shape[1];
      throw new Error(
        `label map holds the value ${v} at voxel [z, y, x] = ` +
          `[${Math.floor(i / (nx * ny))}, ${Math.floor(i / nx) % ny}, ${i % nx}]; ` +
          `expected only 0 (background), ${em} (extrameatal) and ${im} (intrameatal)`,
      );
    }
  }
  return { extrameatal: nEm, intrameatal: nIm };
}

/** `count` voxels of `voxelMm3` each, in mm³ and mL. */
export function volumeValue(count: number, voxelMm3: number): VolumeValue {
  const mm3 = count * voxelMm3;
  return { mm3, ml: mm3 / 1000 };
}

/**
 * Volumes of the extrameatal, intrameatal and whole tumour in mm³ and mL: voxel count × |det| of
 * the affine's 3×3 part (see the file comment for why not the spacing product).
 * @param labels - Label map, x fastest (`[z, y, x]` layout).
 * @param shape - `[z, y, x]` voxel counts.
 * @param affine - Row-major 4×4 voxel → RAS+ mm.
 * @param ids - Label values of the two parts (default 1 = extrameatal, 2 = intrameatal).
 * @throws Error as {@link countLabels} and {@link voxelVolume} do.
 * @example
 * tumourVolumes(v.data, v.shape, v.affine).wholeTumour.ml; // e.g. 1.23
 */
export function tumourVolumes(
  labels: ArrayLike<number>,
  shape: Vec3,
  affine: Mat4,
  ids: TumourLabels = DEFAULT_LABELS,
): TumourVolumes {
  const per = voxelVolume(affine);
  const n = countLabels(labels, shape, ids);
  return {
    extrameatal: volumeValue(n.extrameatal, per),
    intrameatal: volumeValue(n.intrameatal, per),
    wholeTumour: volumeValue(n.extrameatal + n.intrameatal, per),
    voxels: n,
  };
}
