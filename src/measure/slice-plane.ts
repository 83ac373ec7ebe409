/**
 * The geometry of the acquired axial slices: which array axis runs across slices (from the
 * affine, never assumed), which two run within a slice, and an orthonormal 2-D mm frame of the
 * slice plane in which in-plane distances are true RAS+ distances.
 *
 * Conventions (shared/DESIGN.md): array axes are numbered in `[z, y, x]` order (0 = z, 1 = y,
 * 2 = x); a point within a slice is `(row, column)` in continuous voxel units (integers at voxel
 * centres) along the two in-plane axes, the row axis being the slower of the two in storage.
 */
import { axialAxis } from '../volume/orientation.js';
import type { Mat4, Vec3 } from '../volume/volume.js';
import { axisVector, dot3, forEachVoxel, voxelToRas, type Xyz } from './geometry.js';
import type { Point2 } from './hull.js';

/** The axial slices of a grid and the mm frame of their plane. */
export interface SlicePlane {
  /** The axial array axis (the slice index runs along it). */
  axis: 0 | 1 | 2;
  /** The in-plane array axes: rows (slower in storage) and columns. */
  rowAxis: 0 | 1 | 2;
  colAxis: 0 | 1 | 2;
  /** One voxel step along the row axis and along the column axis, in the 2-D mm frame. */
  rowStep: Point2;
  colStep: Point2;
  /** `(row, column)` → 2-D mm in the plane frame (u along the column axis, v completing it). */
  toPlane(p: Point2): Point2;
  /** The inverse of {@link SlicePlane.toPlane}. */
  fromPlane(q: Point2): Point2;
  /** Continuous voxel `(x, y, z)` of the in-slice point `p` on slice `slice`. */
  toVoxel(slice: number, p: Point2): Xyz;
  /** RAS+ mm of the in-slice point `p` on slice `slice`. */
  toRas(slice: number, p: Point2): Xyz;
  /** A direction `(du, dv)` of the 2-D frame as a RAS+ vector (unit in, unit out). */
  directionToRas(d: Point2): Xyz;
}

/**
 * The axial slice plane of `affine` (row-major 4×4 voxel → RAS+ mm). Assumes a non-degenerate
 * affine (callers check it with `checkAffine`).
 * @example
 * const sp = slicePlane(label.affine);
 * sp.toPlane([1, 0]); // one row step in mm within the slice
 */
export function slicePlane(affine: Mat4): SlicePlane {
  const axis = axialAxis(affine);
  const [rowAxis, colAxis] = [0, 1, 2].filter((a) => a !== axis) as (0 | 1 | 2)[];
  const cr = axisVector(affine, rowAxis);
  const cc = axisVector(affine, colAxis);
  const nc = Math.hypot(...cc);
  const u: Xyz = [cc[0] / nc, cc[1] / nc, cc[2] / nc];
  const ru = dot3(cr, u);
  const w: Xyz = [cr[0] - ru * u[0], cr[1] - ru * u[1], cr[2] - ru * u[2]];
  const rv = Math.hypot(...w); // > 0 for a non-degenerate affine
  const v: Xyz = [w[0] / rv, w[1] / rv, w[2] / rv];
  const toVoxel = (slice: number, [r, c]: Point2): Xyz => {
    const zyx = [0, 0, 0];
    zyx[axis] = slice;
    zyx[rowAxis] = r;
    zyx[colAxis] = c;
    return [zyx[2], zyx[1], zyx[0]];
  };
  return {
    axis,
    rowAxis,
    colAxis,
    rowStep: [ru, rv],
    colStep: [nc, 0],
    toPlane: ([r, c]) => [r * ru + c * nc, r * rv],
    fromPlane: ([a, b]) => {
      const r = b / rv;
      return [r, (a - r * ru) / nc];
    },
    toVoxel,
    toRas: (slice, p) => voxelToRas(affine, toVoxel(slice, p)),
    directionToRas: ([du, dv]) => [du * u[0] + dv * v[0], du * u[1] + dv * v[1], du * u[2] + dv * v[2]],
  };
}

/**
 * The in-slice points `(row, column)` of the set voxels of every axial slice, as lists per slice
 * (index = slice). `select(value)` decides which voxel values count.
 */
export function slicePointLists(
  data: ArrayLike<number>,
  shape: Vec3,
  sp: SlicePlane,
  select: (value: number) => boolean,
): Point2[][] {
  const out: Point2[][] = Array.from({ length: shape[sp.axis] }, () => []);
  forEachVoxel(
    data,
    shape,
    (x, y, z) => {
      const zyx = [z, y, x];
      out[zyx[sp.axis]].push([zyx[sp.rowAxis], zyx[sp.colAxis]]);
    },
    select,
  );
  return out;
}
