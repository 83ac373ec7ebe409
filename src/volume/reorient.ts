/**
 * Canonical orientation: reordering a volume's array axes by permutation and flips only (no
 * interpolation, every voxel kept bit for bit) so that its axes point, as closely as the affine
 * allows, along RAS+ — array axis x towards the patient's right, y anterior, z superior
 * (nibabel's `as_closest_canonical`, MONAI's `Orientation(axcodes='RAS')`). The inverse restores the
 * stored order exactly.
 *
 * meatus's own phantoms are stored RAS (or with the in-plane axes flipped, LPS-like, which this
 * flips back), so the built-in model was trained in this orientation.
 *
 * Axes are in meatus's `[z, y, x]` array order (see `volume.ts`); affines are row-major 4×4.
 */
import { axisCodes, type AxisCode } from './orientation.js';
import type { Mat4, Vec3, Volume, VoxelArray } from './volume.js';

/** The orientation networks see: array axes `[z, y, x]` pointing S, A, R. */
export const CANONICAL_CODES: readonly [AxisCode, AxisCode, AxisCode] = ['S', 'A', 'R'];

/** The name of the canonical orientation as it is usually written (i, j, k): `'RAS'`. */
export const CANONICAL_ORIENTATION = 'RAS';

/**
 * An axis reordering: target array axis `a` (`[z, y, x]` order) is source array axis
 * `permutation[a]`, read backwards when `flip[a]`.
 */
export interface Reorientation {
  permutation: [number, number, number];
  flip: [boolean, boolean, boolean];
}

const OPPOSITE: Record<AxisCode, AxisCode> = { R: 'L', L: 'R', A: 'P', P: 'A', S: 'I', I: 'S' };

/**
 * The reordering that brings a volume with this affine to the closest canonical orientation
 * ({@link CANONICAL_CODES}), from its axis codes (`axisCodes`, nibabel's rule).
 * @throws Error for a degenerate affine (see `axisCodes`).
 * @example canonicalReorientation(lpsAffine) // { permutation: [0, 1, 2], flip: [false, true, true] }
 */
export function canonicalReorientation(affine: Mat4): Reorientation {
  const codes = axisCodes(affine);
  const permutation = [0, 0, 0] as [number, number, number];
  const flip = [false, false, false] as [boolean, boolean, boolean];
  CANONICAL_CODES.forEach((want, a) => {
    const p = codes.findIndex((c) => c === want || c === OPPOSITE[want]);
    permutation[a] = p;
    flip[a] = codes[p] !== want;
  });
  return { permutation, flip };
}

/** Whether a reordering changes nothing. */
export function isIdentityReorientation(r: Reorientation): boolean {
  return r.permutation.every((p, a) => p === a) && !r.flip.some(Boolean);
}

/** The reordering that undoes `r`. */
export function inverseReorientation(r: Reorientation): Reorientation {
  const permutation = [0, 0, 0] as [number, number, number];
  const flip = [false, false, false] as [boolean, boolean, boolean];
  r.permutation.forEach((p, a) => {
    permutation[p] = a;
    flip[p] = r.flip[a];
  });
  return { permutation, flip };
}

/** A `[z, y, x]` vector (shape, spacing) of the source in the target's axis order. */
export function reorientVec3(v: Vec3, r: Reorientation): Vec3 {
  return r.permutation.map((p) => v[p]) as Vec3;
}

/**
 * Checks that `r` is a reordering: a permutation of 0, 1, 2 and three booleans.
 * @throws Error naming `where` otherwise.
 */
export function checkReorientation(r: Reorientation, where: string): void {
  const ok =
    Array.isArray(r?.permutation) &&
    Array.isArray(r?.flip) &&
    r.flip.length === 3 &&
    r.flip.every((f) => typeof f === 'boolean') &&
    [...r.permutation].sort().join() === '0,1,2';
  if (!ok) {
    throw new Error(`${where}: reorientation ${JSON.stringify(r)}, expected { permutation: a permutation of [0, 1, 2], flip: three booleans }`);
  }
}

/**
 * The affine of the reordered grid: source affine · M, M mapping target voxel `(i, j, k)` to
 * source voxel (nibabel's `inv_ornt_aff`).
 */
function reorientAffine(affine: Mat4, shape: Vec3, r: Reorientation): Mat4 {
  // m[row = source ijk index][col = target ijk index]; ijk index of array axis a is 2 − a.
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const t = [0, 0, 0];
  r.permutation.forEach((p, a) => {
    m[(2 - p) * 3 + (2 - a)] = r.flip[a] ? -1 : 1;
    t[2 - p] = r.flip[a] ? shape[p] - 1 : 0;
  });
  const out = [...affine];
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) {
      out[row * 4 + col] = affine[row * 4] * m[col] + affine[row * 4 + 1] * m[3 + col] + affine[row * 4 + 2] * m[6 + col];
    }
    out[row * 4 + 3] = affine[row * 4] * t[0] + affine[row * 4 + 1] * t[1] + affine[row * 4 + 2] * t[2] + affine[row * 4 + 3];
  }
  return out;
}

/**
 * Reorders the voxels of a volume (every channel) by `r`: data copied, shape and spacing permuted,
 * affine adjusted so that every voxel keeps its world position. The identity returns `vol` itself.
 * @param affine the affine to give the result instead of computing it (e.g. the original one, to
 *   undo a reordering exactly).
 * @throws Error if `r` is not a reordering or the data length does not match the shape.
 * @example const canon = reorient(t2, canonicalReorientation(t2.affine));
 */
export function reorient<T extends VoxelArray>(vol: Volume<T>, r: Reorientation, affine?: Mat4): Volume<T> {
  checkReorientation(r, 'reorient');
  const channels = vol.channels ?? 1;
  const [nz, ny, nx] = vol.shape;
  const n = nz * ny * nx;
  if (vol.data.length !== n * channels) {
    throw new Error(`reorient: data has ${vol.data.length} voxels, expected ${n * channels} for shape ${vol.shape.join('×')} × ${channels}`);
  }
  if (isIdentityReorientation(r)) return affine ? { ...vol, affine: [...affine] } : vol;
  const srcStride = [ny * nx, nx, 1];
  const shape = reorientVec3(vol.shape, r);
  // Step in the source for a unit step along each target axis, and the source index of target 0.
  const step = r.permutation.map((p, a) => (r.flip[a] ? -srcStride[p] : srcStride[p]));
  let origin = 0;
  r.permutation.forEach((p, a) => {
    if (r.flip[a]) origin += (vol.shape[p] - 1) * srcStride[p];
  });
  const out = new (vol.data.constructor as new (len: number) => T)(vol.data.length);
  const src = vol.data;
  let d = 0;
  for (let c = 0; c < channels; c++) {
    const base = c * n + origin;
    for (let z = 0; z < shape[0]; z++) {
      for (let y = 0; y < shape[1]; y++) {
        let s = base + z * step[0] + y * step[1];
        for (let x = 0; x < shape[2]; x++, s += step[2]) out[d++] = src[s];
      }
    }
  }
  return {
    ...vol,
    data: out,
    shape,
    spacing: reorientVec3(vol.spacing, r),
    affine: affine ? [...affine] : reorientAffine(vol.affine, vol.shape, r),
  };
}

/** What {@link toCanonical} did to a volume: enough to undo it exactly. */
export interface CanonicalRecord {
  /** The input's axis codes, `[z, y, x]` order (e.g. `['R', 'P', 'S']` for a sagittal stack). */
  codes: [AxisCode, AxisCode, AxisCode];
  /** The reordering applied. */
  reorientation: Reorientation;
}

/**
 * The record of bringing a volume with this affine to the canonical orientation.
 * @throws Error for a degenerate affine.
 */
export function canonicalRecord(affine: Mat4): CanonicalRecord {
  return { codes: axisCodes(affine), reorientation: canonicalReorientation(affine) };
}

/**
 * A volume in the canonical orientation, and the record that undoes it ({@link fromCanonical}).
 * @throws Error for a degenerate affine.
 */
export function toCanonical<T extends VoxelArray>(vol: Volume<T>): { volume: Volume<T>; record: CanonicalRecord } {
  const record = canonicalRecord(vol.affine);
  return { volume: reorient(vol, record.reorientation), record };
}

/**
 * Undoes {@link toCanonical}: the voxels back in the input's storage order, with the input's own
 * affine (given, so that it is restored bit for bit rather than recomputed).
 * @throws Error if the record is malformed or the data do not match the shape.
 */
export function fromCanonical<T extends VoxelArray>(vol: Volume<T>, record: CanonicalRecord, originalAffine: Mat4): Volume<T> {
  return reorient(vol, inverseReorientation(record.reorientation), originalAffine);
}

/**
 * All 48 reorderings of three axes (6 permutations × 8 flip patterns), identity first — the
 * storage orders one volume can be written in without interpolation.
 */
export function allReorientations(): Reorientation[] {
  const perms: [number, number, number][] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const out: Reorientation[] = [];
  for (const permutation of perms) {
    for (let f = 0; f < 8; f++) out.push({ permutation: [...permutation], flip: [(f & 4) > 0, (f & 2) > 0, (f & 1) > 0] });
  }
  return out;
}
