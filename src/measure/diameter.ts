/**
 * The largest axial diameter of a mask — the size clinicians report for a vestibular schwannoma
 * ("the largest extrameatal diameter … on the axial plane", Wijethilake et al. 2022).
 *
 * Definitions:
 * - **Axial slices** are the slices perpendicular to the array axis closest to the patient's
 *   inferior–superior axis, found from the affine (`axialAxis`), never assumed to be z.
 * - **Slice plane.** Each slice is measured in its own plane — the plane spanned by the two
 *   in-plane voxel axes, which is where the voxel centres of that slice lie in RAS+ space. For an
 *   oblique acquisition this plane is tilted from the true axial plane; measuring in it is what a
 *   clinician does with calipers on the acquired axial images. Distances are true mm in that plane
 *   (through-slice spacing and any shear of the slice axis play no part).
 * - **Diameter** of a slice is its maximum Feret diameter: the largest distance between two
 *   points of the region (convex hull + rotating calipers, O(n log n)). By default the points are
 *   the voxel centres, as the authors' published measurement code does; so one voxel has
 *   diameter 0 and a row of n voxels of size s has (n − 1)·s. With `toVoxelEdges` the points are
 *   the four in-plane corners of each voxel (centre ± ½ voxel along both in-plane axes): the
 *   Feret diameter of the region drawn as voxel squares (one voxel of s×s → s·√2; a row of n →
 *   √((n·s)² + s²)).
 *
 * Only the first and last set voxel of each row can be a hull vertex (the affine is affine, so
 * hulls commute with it), so each slice hands O(rows) points to the hull.
 */
import type { Mat4, Vec3 } from '../volume/volume.js';
import { checkGrid, voxelToRas, type Xyz } from './geometry.js';
import { maxFeretDiameter, type Point2 } from './hull.js';
import { slicePlane } from './slice-plane.js';

/** Options of {@link axialDiameter}. */
export interface DiameterOptions {
  /** Measure to voxel edges (in-plane voxel corners) instead of voxel centres (default false). */
  toVoxelEdges?: boolean;
}

/** The largest axial diameter of a mask and where it lies. JSON-friendly. */
export interface AxialDiameter {
  /** The largest per-slice maximum Feret diameter, mm. */
  mm: number;
  /** 0-based index along `axis` of the slice where it lies (the first such slice on ties). */
  sliceIndex: number;
  /** The axial array axis, in `[z, y, x]` numbering (0 = z, 1 = y, 2 = x). */
  axis: 0 | 1 | 2;
  /**
   * The two end points: continuous voxel coordinates `(x, y, z)` (integers at voxel centres,
   * half-integers at corners with `toVoxelEdges`) and the same points in RAS+ mm.
   */
  endpoints: { voxel: [Xyz, Xyz]; ras: [Xyz, Xyz] };
  /** Maximum Feret diameter of every slice along `axis`, mm (0 for a slice without voxels). */
  perSlice: number[];
}

/**
 * The largest in-slice diameter of `mask` over the axial slices (see the file comment for the
 * definitions). `null` when the mask is empty.
 * @param mask - Binary mask, x fastest (`[z, y, x]` layout); any non-zero is "set".
 * @param shape - `[z, y, x]` voxel counts.
 * @param affine - Row-major 4×4 voxel → RAS+ mm.
 * @throws Error on a bad `shape`, a `mask` of the wrong length, or a degenerate affine.
 * @example
 * const d = axialDiameter(emMask, label.shape, label.affine); // d?.mm, d?.sliceIndex
 */
export function axialDiameter(
  mask: ArrayLike<number>,
  shape: Vec3,
  affine: Mat4,
  opts: DiameterOptions = {},
): AxialDiameter | null {
  checkGrid('axialDiameter', mask, shape, affine);
  const sp = slicePlane(affine);
  const { axis, rowAxis, colAxis, toPlane } = sp;
  const { rowMin, rowMax } = rowExtents(mask, shape, axis, rowAxis, colAxis);
  const nSlices = shape[axis];
  const nRows = shape[rowAxis];
  const perSlice = new Array<number>(nSlices).fill(0);
  let best: { mm: number; slice: number; a: Point2; b: Point2 } | null = null;
  for (let s = 0; s < nSlices; s++) {
    const idx = slicePoints(rowMin, rowMax, s * nRows, nRows, opts.toVoxelEdges === true);
    if (idx.length === 0) continue;
    const feret = maxFeretDiameter(idx.map(toPlane));
    if (feret === null) continue;
    perSlice[s] = feret.distance;
    if (best === null || feret.distance > best.mm) {
      best = { mm: feret.distance, slice: s, a: idx[feret.i], b: idx[feret.j] };
    }
  }
  if (best === null) return null;
  const voxel: [Xyz, Xyz] = [sp.toVoxel(best.slice, best.a), sp.toVoxel(best.slice, best.b)];
  return {
    mm: best.mm,
    sliceIndex: best.slice,
    axis,
    endpoints: { voxel, ras: [voxelToRas(affine, voxel[0]), voxelToRas(affine, voxel[1])] },
    perSlice,
  };
}

/**
 * For every (slice, row) pair, the first and last set column: `rowMin[key] > rowMax[key]` when the
 * row is empty; `key = slice · shape[rowAxis] + row`.
 */
function rowExtents(
  mask: ArrayLike<number>,
  shape: Vec3,
  axis: number,
  rowAxis: number,
  colAxis: number,
): { rowMin: Int32Array; rowMax: Int32Array } {
  const [nz, ny, nx] = shape;
  const nRows = shape[rowAxis];
  const rowMin = new Int32Array(shape[axis] * nRows).fill(0x7fffffff);
  const rowMax = new Int32Array(shape[axis] * nRows).fill(-1);
  const zyx = [0, 0, 0];
  for (let z = 0, i = 0; z < nz; z++) {
    zyx[0] = z;
    for (let y = 0; y < ny; y++) {
      zyx[1] = y;
      for (let x = 0; x < nx; x++, i++) {
        if (mask[i] === 0) continue;
        zyx[2] = x;
        const key = zyx[axis] * nRows + zyx[rowAxis];
        const c = zyx[colAxis];
        if (c < rowMin[key]) rowMin[key] = c;
        if (c > rowMax[key]) rowMax[key] = c;
      }
    }
  }
  return { rowMin, rowMax };
}

/**
 * The candidate hull points of one slice as continuous `(row, column)` voxel coordinates: the
 * centres of each row's first and last voxel, or their outer corners with `edges`.
 */
function slicePoints(
  rowMin: Int32Array,
  rowMax: Int32Array,
  base: number,
  nRows: number,
  edges: boolean,
): Point2[] {
  const pts: Point2[] = [];
  for (let r = 0; r < nRows; r++) {
    const lo = rowMin[base + r];
    const hi = rowMax[base + r];
    if (lo > hi) continue;
    if (edges) {
      pts.push([r - 0.5, lo - 0.5], [r + 0.5, lo - 0.5], [r - 0.5, hi + 0.5], [r + 0.5, hi + 0.5]);
    } else {
      pts.push([r, lo]);
      if (hi !== lo) pts.push([r, hi]);
    }
  }
  return pts;
}
