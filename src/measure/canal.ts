/**
 * Extent of the intrameatal (IM) part of the tumour along the internal auditory canal.
 *
 * Definitions:
 * - **Canal axis.** The IM part fills the canal, so its long axis estimates the canal's: the
 *   principal axis of the IM voxel centres in RAS+ mm — the eigenvector of the largest eigenvalue
 *   λ1 of their covariance (symmetric 3×3, Jacobi). It is oriented laterally: from the
 *   extrameatal (EM) centroid towards the IM centroid when there is an EM part; otherwise its
 *   largest component is made positive (the sign then carries no anatomy).
 * - **Extent** = max − min of the IM voxel centres projected on the axis, mm. With `toVoxelEdges`
 *   it adds one voxel's width along the axis, Σ|c·e| over the three voxel axes c (the exact
 *   extent of the voxel boxes' union along e; the voxel size for an axis-aligned e).
 * - **Interface to lateral end** (when there is an EM part touching the IM part): the distance
 *   along the axis from the centroid of the IM/EM interface voxels (both sides, 6-neighbourhood,
 *   as `labelInterface` defines them) to the most lateral IM voxel centre (its lateral edge with
 *   `toVoxelEdges`) — the depth the tumour reaches into the canal from the porus.
 *
 * Limits: the axis is only as good as the IM part is elongated. A short or round IM part (or a
 * single voxel) has no well-defined principal axis; `eigenRatio` = λ1/λ2 says how well defined it
 * is (1 = none; a cylinder of length L and radius R gives L²/(3R²)). An IM part that bends with a
 * curved canal is measured along its straight principal axis, which shortens it.
 */
import { labelInterface } from '../volume/interface.js';
import { linearPart } from '../volume/orientation.js';
import type { Mat4, Vec3 } from '../volume/volume.js';
import { symmetricEigen3 } from './eigen.js';
import { checkGrid, dot3, type Xyz } from './geometry.js';
import { DEFAULT_LABELS, type TumourLabels } from './volumes.js';

/** Largest reported {@link CanalExtent.eigenRatio} (kept finite so it survives JSON). */
export const MAX_EIGEN_RATIO = 1e6;

/** Below this {@link CanalExtent.eigenRatio} the canal axis is reported as ill-defined. */
export const ILL_DEFINED_EIGEN_RATIO = 2;

/** The eigenvalue ratio as every report writes it (two decimals), so table, notes and text agree. */
export function formatEigenRatio(r: number): string {
  return r.toFixed(2);
}

/** Options of {@link intrameatalExtent}. */
export interface CanalOptions {
  /** Measure to voxel edges rather than voxel centres (default false). */
  toVoxelEdges?: boolean;
  /** Label values of the two parts (default 1 = extrameatal, 2 = intrameatal). */
  labels?: TumourLabels;
}

/** The IM part's extent along the estimated canal axis. JSON-friendly. */
export interface CanalExtent {
  /** Extent along the axis, mm. */
  mm: number;
  /** Unit canal axis in RAS+ `(R, A, S)`, pointing laterally when there is an EM part. */
  direction: Xyz;
  /** λ1/λ2 of the IM covariance, ≥ 1: confidence in the axis (1 when λ1 = 0; capped at {@link MAX_EIGEN_RATIO}). */
  eigenRatio: number;
  /** Covariance eigenvalues of the IM voxel centres, mm², largest first. */
  eigenvalues: Xyz;
  /** Interface centroid → most lateral IM point along the axis, mm; `null` without an IM/EM interface. */
  interfaceToLateralMm: number | null;
}

/**
 * The extent of the intrameatal part along the canal (see the file comment). `null` when there
 * are no intrameatal voxels. Label values are not validated here (see `countLabels`).
 * @param labels - Label map, x fastest (`[z, y, x]` layout).
 * @param shape - `[z, y, x]` voxel counts.
 * @param affine - Row-major 4×4 voxel → RAS+ mm.
 * @throws Error on a bad `shape`, a `labels` of the wrong length, or a degenerate affine.
 * @example
 * intrameatalExtent(label.data, label.shape, label.affine)?.mm; // e.g. 9.5
 */
export function intrameatalExtent(
  labels: ArrayLike<number>,
  shape: Vec3,
  affine: Mat4,
  opts: CanalOptions = {},
): CanalExtent | null {
  checkGrid('intrameatalExtent', labels, shape, affine);
  const { extrameatal: em, intrameatal: im } = opts.labels ?? DEFAULT_LABELS;
  const [, ny, nx] = shape;
  const toXyz = (i: number): Xyz => [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];

  const imVoxels: number[] = [];
  const emSum: Xyz = [0, 0, 0];
  let emCount = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === im) imVoxels.push(i);
    else if (labels[i] === em) {
      const p = toXyz(i);
      emSum[0] += p[0];
      emSum[1] += p[1];
      emSum[2] += p[2];
      emCount++;
    }
  }
  if (imVoxels.length === 0) return null;

  // Mean and covariance in voxel coordinates (two passes: no cancellation), then to RAS+:
  // cov_world = L · cov_voxel · Lᵀ with L the affine's 3×3 part.
  const pts = imVoxels.map(toXyz);
  const mean = centroid(pts);
  const cv = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (const p of pts) {
    const d = [p[0] - mean[0], p[1] - mean[1], p[2] - mean[2]];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) cv[r * 3 + c] += (d[r] * d[c]) / pts.length;
  }
  const L = linearPart(affine);
  const eig = symmetricEigen3(mul3(mul3(L, cv), transpose3(L)));
  let e = eig.vectors[0];

  // Orientation: lateral (EM → IM) when there is an EM part, else largest component positive.
  const lx = (p: Xyz): Xyz => [dot3(row(L, 0), p), dot3(row(L, 1), p), dot3(row(L, 2), p)];
  let sign: number;
  if (emCount > 0) {
    const emMean: Xyz = [emSum[0] / emCount, emSum[1] / emCount, emSum[2] / emCount];
    sign = dot3(lx([mean[0] - emMean[0], mean[1] - emMean[1], mean[2] - emMean[2]]), e) < 0 ? -1 : 1;
  } else {
    const big = [0, 1, 2].reduce((b, k) => (Math.abs(e[k]) > Math.abs(e[b]) ? k : b), 0);
    sign = e[big] < 0 ? -1 : 1;
  }
  e = [sign * e[0], sign * e[1], sign * e[2]];

  // Projections on e of voxel coordinates p: e · (L p + t) = w · p + const, with w = Lᵀ e.
  const w: Xyz = [dot3(column(L, 0), e), dot3(column(L, 1), e), dot3(column(L, 2), e)];
  const voxelWidth = Math.abs(w[0]) + Math.abs(w[1]) + Math.abs(w[2]);
  const edge = opts.toVoxelEdges === true ? voxelWidth : 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pts) {
    const t = dot3(w, p);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }

  let interfaceToLateralMm: number | null = null;
  if (emCount > 0) {
    const iface = labelInterface(labels, shape, em, im);
    const ifacePts: Xyz[] = [];
    for (let i = 0; i < iface.length; i++) if (iface[i] !== 0) ifacePts.push(toXyz(i));
    if (ifacePts.length > 0) interfaceToLateralMm = hi + edge / 2 - dot3(w, centroid(ifacePts));
  }

  const [l1, l2, l3] = eig.values.map((v) => Math.max(v, 0));
  const eigenRatio = l1 <= 0 ? 1 : Math.min(l2 > 0 ? l1 / l2 : Infinity, MAX_EIGEN_RATIO);
  return { mm: hi - lo + edge, direction: e, eigenRatio, eigenvalues: [l1, l2, l3], interfaceToLateralMm };
}

/**
 * Human-readable caveats about an extent: an ill-defined axis, a single voxel, an EM part that
 * does not touch the IM part, an unoriented axis.
 * @param extent - The result of {@link intrameatalExtent} (`null`: no notes).
 * @param hasExtrameatal - Whether the tumour has an extrameatal part.
 */
export function canalNotes(extent: CanalExtent | null, hasExtrameatal: boolean): string[] {
  if (extent === null) return [];
  const notes: string[] = [];
  if (extent.eigenvalues[0] === 0) {
    notes.push('the intrameatal part is a single voxel: the canal axis is undefined');
  } else if (extent.eigenRatio < ILL_DEFINED_EIGEN_RATIO) {
    notes.push(
      `the intrameatal part is barely elongated (eigenvalue ratio ${formatEigenRatio(extent.eigenRatio)} < ` +
        `${ILL_DEFINED_EIGEN_RATIO}): the canal axis and the extent along it are ill-defined`,
    );
  }
  if (!hasExtrameatal) {
    notes.push('no extrameatal part: the canal axis sign is arbitrary (largest component positive)');
  } else if (extent.interfaceToLateralMm === null) {
    notes.push('the extrameatal and intrameatal parts do not touch: no interface to measure from');
  }
  return notes;
}

function centroid(pts: Xyz[]): Xyz {
  const s: Xyz = [0, 0, 0];
  for (const p of pts) for (let k = 0; k < 3; k++) s[k] += p[k];
  return [s[0] / pts.length, s[1] / pts.length, s[2] / pts.length];
}

function row(m: number[], r: number): Xyz {
  return [m[r * 3], m[r * 3 + 1], m[r * 3 + 2]];
}

function column(m: number[], c: number): Xyz {
  return [m[c], m[3 + c], m[6 + c]];
}

function transpose3(m: number[]): number[] {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

function mul3(a: number[], b: number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c] += a[r * 3 + k] * b[k * 3 + c];
  return out;
}
