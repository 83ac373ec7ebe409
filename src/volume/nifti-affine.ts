/**
 * NIfTI geometry: the voxel→RAS+ affine from a header's sform, qform or pixdim (nibabel's
 * `get_best_affine`), and the qform quaternion of an affine (nibabel's `set_qform`).
 * Affines are row-major 4×4 (`number[16]`), voxel `(i, j, k)` → RAS+ mm.
 */
import type { Mat4 } from './volume.js';
import type { RawNiftiHeader } from './nifti-header.js';
import { columnNorms, det3, isDegenerate, linearPart, nearestOrthogonal, type Mat3 } from './orientation.js';

/** Which header fields the affine came from. */
export type AffineSource = 'sform' | 'qform' | 'pixdim';

/** Rotation matrix (row-major 3×3) of the quaternion (w, x, y, z), as nibabel's `quat2mat`. */
export function quaternionToMatrix(w: number, x: number, y: number, z: number): Mat3 {
  const nq = w * w + x * x + y * y + z * z;
  if (nq < 2.220446049250313e-16) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const s = 2 / nq;
  const [X, Y, Z] = [x * s, y * s, z * s];
  const [wX, wY, wZ, xX, xY, xZ, yY, yZ, zZ] = [
    w * X,
    w * Y,
    w * Z,
    x * X,
    x * Y,
    x * Z,
    y * Y,
    y * Z,
    z * Z,
  ];
  return [1 - (yY + zZ), xY - wZ, xZ + wY, xY + wZ, 1 - (xX + zZ), yZ - wX, xZ - wY, yZ + wX, 1 - (xX + yY)];
}

/**
 * Unit quaternion (w, x, y, z), w ≥ 0, of a rotation matrix (row-major 3×3, orthonormal, det +1).
 * Shepperd's method: numerically stable for every rotation.
 */
export function matrixToQuaternion(r: Mat3): [number, number, number, number] {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = r;
  const tr = m00 + m11 + m22;
  let q: [number, number, number, number];
  if (tr > 0) {
    const s = 2 * Math.sqrt(tr + 1);
    q = [s / 4, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    q = [(m21 - m12) / s, s / 4, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    q = [(m02 - m20) / s, (m01 + m10) / s, s / 4, (m12 + m21) / s];
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, s / 4];
  }
  const n = Math.hypot(...q);
  const sign = q[0] < 0 ? -1 : 1;
  return q.map((v) => (sign * v) / n) as [number, number, number, number];
}

/** A header's qform fields, as nibabel's `set_qform` fills them. */
export interface QformFields {
  quatern: [number, number, number];
  qoffset: [number, number, number];
  /** pixdim[0]: +1, or −1 when the affine flips handedness. */
  qfac: 1 | -1;
  /** pixdim[1..3]: the column norms of the affine. */
  zooms: [number, number, number];
}

/**
 * The qform of an affine. Exact for rotation·zoom affines; for an affine with shear the rotation
 * is the nearest orthogonal one (best effort, as nibabel) and the sform stays the exact record.
 * @throws Error if the affine's 3×3 is singular.
 */
export function affineToQform(affine: Mat4): QformFields {
  const m = linearPart(affine);
  const zooms = columnNorms(m);
  const r = m.map((v, idx) => v / zooms[idx % 3]);
  const qfac = det3(r) > 0 ? 1 : -1;
  if (qfac < 0) for (const row of [0, 1, 2]) r[row * 3 + 2] *= -1;
  const [, x, y, z] = matrixToQuaternion(nearestOrthogonal(r));
  return { quatern: [x, y, z], qoffset: [affine[3], affine[7], affine[11]], qfac, zooms };
}

/**
 * The affine of the qform fields, as nibabel's `get_qform`: R(quaternion) · diag(pixdim[1..3])
 * with the k column times qfac, then the qoffset. qfac is −1 when pixdim[0] < 0, else +1 (the
 * NIfTI C library's rule; it also accepts pixdim[0] = 0).
 * @throws Error naming the field if b²+c²+d² exceeds 1 by more than rounding, or a pixdim < 0.
 */
export function qformAffine(h: RawNiftiHeader, where: string): Mat4 {
  const [b, c, d] = h.quatern;
  const w2 = 1 - (b * b + c * c + d * d);
  const eps = h.sizeofHdr === 540 ? 2.220446049250313e-16 : 1.1920929e-7;
  if (w2 < -3 * eps) {
    throw new Error(
      `${where}: quatern_b/c/d = ${b}, ${c}, ${d} have b²+c²+d² > 1; expected a unit quaternion`,
    );
  }
  const r = quaternionToMatrix(w2 < 0 ? 0 : Math.sqrt(w2), b, c, d);
  const zooms = h.pixdim.slice(1, 4);
  if (zooms.some((z) => z < 0)) {
    throw new Error(`${where}: pixdim[1..3] = ${zooms.join(', ')}; expected ≥ 0 for a qform affine`);
  }
  if (h.pixdim[0] < 0) zooms[2] *= -1;
  const [ox, oy, oz] = h.qoffset;
  return [
    r[0] * zooms[0], r[1] * zooms[1], r[2] * zooms[2], ox,
    r[3] * zooms[0], r[4] * zooms[1], r[5] * zooms[2], oy,
    r[6] * zooms[0], r[7] * zooms[1], r[8] * zooms[2], oz,
    0, 0, 0, 1,
  ]; // prettier-ignore
}

/**
 * The affine of a header, exactly as nibabel's `get_best_affine`: the sform when sform_code ≠ 0,
 * else the qform when qform_code ≠ 0, else the Analyze-style fallback — diag(−pixdim[1],
 * pixdim[2], pixdim[3]) centred on the middle voxel (nibabel's `shape_zoom_affine`, x flipped).
 */
export function bestAffine(h: RawNiftiHeader, where: string): { affine: Mat4; source: AffineSource } {
  if (h.sformCode !== 0) return { affine: [...h.srow, 0, 0, 0, 1], source: 'sform' };
  if (h.qformCode !== 0) return { affine: qformAffine(h, where), source: 'qform' };
  const n = h.dim[0];
  const shape = [1, 2, 3].map((a) => (a <= n ? h.dim[a] : 1));
  const zooms = [1, 2, 3].map((a) => (a <= n ? h.pixdim[a] : 1));
  zooms[0] *= -1;
  const t = shape.map((s, a) => (-(s - 1) / 2) * zooms[a]);
  return {
    affine: [zooms[0], 0, 0, t[0], 0, zooms[1], 0, t[1], 0, 0, zooms[2], t[2], 0, 0, 0, 1],
    source: 'pixdim',
  };
}

/**
 * Checks, before any affine is built, that the header fields {@link bestAffine} will use are
 * finite: srow_x/y/z for an sform; quatern_b/c/d, qoffset_x/y/z and pixdim[1..3] (> 0) for a
 * qform; pixdim[1..dim[0]] (≠ 0) for the pixdim fallback. Fields the chosen source does not use
 * are not checked (nibabel reads them too).
 * @throws Error naming the file, the field, its value and what was expected.
 */
export function checkGeometryFields(h: RawNiftiHeader, where: string): void {
  const bad = (field: string, value: number, expected: string, why: string): never => {
    throw new Error(`${where}: ${field} = ${value}, expected ${expected} (${why})`);
  };
  if (h.sformCode !== 0) {
    h.srow.forEach((v, i) => {
      if (!Number.isFinite(v)) bad(`srow_${'xyz'[Math.floor(i / 4)]}[${i % 4}]`, v, 'a finite number', `sform_code = ${h.sformCode}`);
    });
    return;
  }
  if (h.qformCode !== 0) {
    const why = `qform_code = ${h.qformCode}, sform_code = 0`;
    h.quatern.forEach((v, i) => Number.isFinite(v) || bad(`quatern_${'bcd'[i]}`, v, 'a finite number', why));
    h.qoffset.forEach((v, i) => Number.isFinite(v) || bad(`qoffset_${'xyz'[i]}`, v, 'a finite number', why));
    for (const a of [1, 2, 3]) {
      const p = h.pixdim[a];
      if (!(Number.isFinite(p) && p > 0)) bad(`pixdim[${a}]`, p, 'a finite voxel size > 0', why);
    }
    return;
  }
  for (let a = 1; a <= Math.min(3, h.dim[0]); a++) {
    const p = h.pixdim[a];
    if (!(Number.isFinite(p) && p !== 0)) {
      bad(`pixdim[${a}]`, p, 'a finite, non-zero voxel size', 'no sform or qform: the affine comes from pixdim');
    }
  }
}

/**
 * Checks that an affine (voxel → mm) can carry geometry: every entry finite, no zero column, the
 * columns not (nearly) coplanar (see `isDegenerate`). The last line of defence after
 * {@link checkGeometryFields}: it also catches values that overflow once scaled to mm.
 * @throws Error naming the file and the header fields the affine came from.
 */
export function checkAffine(affine: number[], source: AffineSource, where: string): void {
  const fields = { sform: 'srow_x/y/z', qform: 'quatern/qoffset/pixdim', pixdim: 'pixdim' }[source];
  const shown = `[${affine.slice(0, 12).map((v) => +v.toPrecision(6)).join(', ')}]`;
  if (!affine.every(Number.isFinite)) {
    throw new Error(`${where}: the ${source} affine ${shown} (from ${fields}) is not finite; expected finite mm`);
  }
  const m = linearPart(affine as Mat4);
  const norms = columnNorms(m);
  const unit = norms.every((n) => n > 0 && Number.isFinite(n)) ? m.map((v, i) => v / norms[i % 3]) : m;
  if (isDegenerate(unit as Mat3)) {
    throw new Error(
      `${where}: the ${source} affine ${shown} (from ${fields}) is singular (a zero or coplanar column); ` +
        'expected three independent voxel axes',
    );
  }
}
