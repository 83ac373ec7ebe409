/**
 * Orientation of a volume's array axes in patient (RAS+) space, read from its affine, and the
 * small 3×3 linear-algebra helpers the rest of `src/volume/` uses on affines.
 *
 * Affines are row-major 4×4 (`number[16]`) mapping voxel `(i, j, k) = (x, y, z)` to RAS+ mm; array
 * axes are reported in meatus's `[z, y, x]` order (see `volume.ts`).
 */
import type { Mat4, Vec3 } from './volume.js';

/** A 3×3 matrix, row-major, 9 numbers. */
export type Mat3 = number[];

/** One letter per direction: the end of the patient axis an array axis points towards. */
export type AxisCode = 'R' | 'L' | 'A' | 'P' | 'S' | 'I';

const POSITIVE: AxisCode[] = ['R', 'A', 'S'];
const NEGATIVE: AxisCode[] = ['L', 'P', 'I'];

/** The upper-left 3×3 of a row-major 4×4 affine (row-major). */
export function linearPart(affine: Mat4): Mat3 {
  return [affine[0], affine[1], affine[2], affine[4], affine[5], affine[6], affine[8], affine[9], affine[10]];
}

/** Determinant of a row-major 3×3. */
export function det3(m: Mat3): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

/** Euclidean norms of the three columns of a row-major 3×3, in column (i, j, k) order. */
export function columnNorms(m: Mat3): [number, number, number] {
  const n = (c: number) => Math.hypot(m[c], m[3 + c], m[6 + c]);
  return [n(0), n(1), n(2)];
}

/**
 * The voxel size implied by an affine: the norms of its columns, in `[z, y, x]` order (mm).
 * @example affineSpacing(diagonalAffine([3, 1, 0.5])) // [3, 1, 0.5]
 */
export function affineSpacing(affine: Mat4): Vec3 {
  const [ni, nj, nk] = columnNorms(linearPart(affine));
  return [nk, nj, ni];
}

function transpose3(m: Mat3): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

function inverse3(m: Mat3): Mat3 {
  const d = det3(m);
  const c = [
    m[4] * m[8] - m[5] * m[7],
    m[2] * m[7] - m[1] * m[8],
    m[1] * m[5] - m[2] * m[4],
    m[5] * m[6] - m[3] * m[8],
    m[0] * m[8] - m[2] * m[6],
    m[2] * m[3] - m[0] * m[5],
    m[3] * m[7] - m[4] * m[6],
    m[1] * m[6] - m[0] * m[7],
    m[0] * m[4] - m[1] * m[3],
  ];
  return c.map((v) => v / d);
}

/**
 * The voxel coordinate `(x, y, z)` = `(i, j, k)` (fractional; integers are voxel centres) of the
 * RAS+ point `ras` (mm) under `affine` (row-major 4×4, voxel index to RAS+ mm): the inverse of
 * `voxelToRas` in src/measure/geometry.ts.
 * @throws Error if the affine's 3×3 part is degenerate (see {@link isDegenerate}).
 * @example rasToVoxel([2, 0, 0, 10, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [14, 1, 2]) // [2, 1, 2]
 */
export function rasToVoxel(affine: Mat4, ras: readonly [number, number, number]): [number, number, number] {
  const m = linearPart(affine);
  if (isDegenerate(m)) throw new Error(`rasToVoxel: the affine's 3×3 part [${m.join(', ')}] is degenerate`);
  const inv = inverse3(m);
  const d = [ras[0] - affine[3], ras[1] - affine[7], ras[2] - affine[11]];
  return [0, 1, 2].map((r) => inv[3 * r] * d[0] + inv[3 * r + 1] * d[1] + inv[3 * r + 2] * d[2]) as [number, number, number];
}

/**
 * The voxel `(x, y, z)` whose centre is nearest to the RAS+ point `ras` (mm) under `affine`, and
 * whether it lies in a grid of `shape` (`[z, y, x]`).
 * @throws Error as {@link rasToVoxel} does.
 */
export function nearestVoxel(affine: Mat4, shape: Vec3, ras: readonly [number, number, number]): { voxel: [number, number, number]; inside: boolean } {
  const voxel = rasToVoxel(affine, ras).map(Math.round) as [number, number, number];
  return { voxel, inside: voxel.every((v, a) => v >= 0 && v < shape[2 - a]) };
}

/**
 * Whether a 3×3 is too close to singular to carry an orientation: a non-finite entry, a zero
 * column, or columns that (normalised) span less than a 1e-6 volume.
 */
export function isDegenerate(m: Mat3): boolean {
  if (!m.every(Number.isFinite)) return true;
  const norms = columnNorms(m);
  if (norms.some((n) => n === 0)) return true;
  return Math.abs(det3(m)) / (norms[0] * norms[1] * norms[2]) < 1e-6;
}

/**
 * The orthogonal matrix nearest to `m` (the orthogonal factor of its polar decomposition, equal
 * to U·Vᵀ of its SVD, as nibabel computes with `svd`). Newton iteration `X ← (X + X⁻ᵀ)/2`, which
 * converges quadratically for a non-singular `m`.
 * @throws Error if `m` is degenerate (see {@link isDegenerate}).
 */
export function nearestOrthogonal(m: Mat3): Mat3 {
  if (isDegenerate(m))
    throw new Error(`nearestOrthogonal: matrix [${m.join(', ')}] is singular or not finite`);
  let x = [...m];
  for (let it = 0; it < 100; it++) {
    const inv = transpose3(inverse3(x));
    const next = x.map((v, i) => (v + inv[i]) / 2);
    const diff = Math.max(...next.map((v, i) => Math.abs(v - x[i])));
    x = next;
    if (diff < 1e-15) break;
  }
  return x;
}

function checkAffine(affine: Mat4, fn: string): Mat3 {
  if (!Array.isArray(affine) || affine.length !== 16) {
    throw new Error(
      `${fn}: affine must be a row-major 4×4 (16 numbers), got ${affine?.length ?? affine} numbers`,
    );
  }
  const m = linearPart(affine);
  if (isDegenerate(m)) {
    throw new Error(
      `${fn}: affine 3×3 part [${m.join(', ')}] is degenerate (non-finite, a zero column or singular); ` +
        'expected three independent voxel axes',
    );
  }
  return m;
}

/**
 * The patient direction each array axis points to, in `[z, y, x]` order: e.g. `['S', 'A', 'R']`
 * for a RAS-stored volume. Same rule as nibabel's `aff2axcodes` (via `io_orientation`): the 3×3
 * is normalised and orthogonalised, then voxel axes i, j, k in turn take the world axis with the
 * largest absolute component not already taken. nibabel lists (i, j, k); this lists (k, j, i).
 * @throws Error for a degenerate affine (see {@link isDegenerate}).
 * @example axisCodes(diagonalAffine([1, 1, 1])) // ['S', 'A', 'R']
 */
export function axisCodes(affine: Mat4): [AxisCode, AxisCode, AxisCode] {
  const m = checkAffine(affine, 'axisCodes');
  const norms = columnNorms(m);
  const r = nearestOrthogonal(m.map((v, idx) => v / norms[idx % 3]));
  const used = [false, false, false];
  const codes: AxisCode[] = [];
  for (let col = 0; col < 3; col++) {
    let best = -1;
    for (let row = 0; row < 3; row++) {
      if (!used[row] && (best < 0 || Math.abs(r[row * 3 + col]) > Math.abs(r[best * 3 + col]))) best = row;
    }
    used[best] = true;
    codes.push(r[best * 3 + col] < 0 ? NEGATIVE[best] : POSITIVE[best]);
  }
  return [codes[2], codes[1], codes[0]];
}

/**
 * The array axis (0 = z, 1 = y, 2 = x, i.e. index into `shape`) closest to the patient's
 * inferior–superior axis; slices perpendicular to it are "axial".
 * @throws Error for a degenerate affine.
 * @example axialAxis(diagonalAffine([3, 1, 1])) // 0
 */
export function axialAxis(affine: Mat4): 0 | 1 | 2 {
  const codes = axisCodes(affine);
  return codes.findIndex((c) => c === 'S' || c === 'I') as 0 | 1 | 2;
}
