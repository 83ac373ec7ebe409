/**
 * The IM/EM interface line: where the tumour crosses the porus of the internal auditory canal,
 * seen on the axial slice where the tumour is widest at the interface.
 *
 * Definitions (after Wijethilake et al., "Guideline-driven tumour measurements of vestibular
 * schwannoma", SPIE Medical Imaging 2024, arXiv 2310.19392, and the authors' reporting code
 * `navodini/AutomatedReportGenerationVS`, `FeatureExtraction/LinearMeasurements.py`
 * `longest_IAM_axial` and `utils.py` `_get_plane`; their code takes array axis 2 as axial and
 * measures between boundary voxels — here axial comes from the affine):
 * - **Interface voxels**: the voxels labelled extrameatal (EM) or intrameatal (IM) with a
 *   6-neighbour of the other label (both sides of the boundary, `labelInterface`). Their centres
 *   straddle the boundary surface, so their centroid lies on it.
 * - **Interface line of a slice**: in the plane of each acquired axial slice (the slice plane of
 *   `slice-plane.ts`), the principal axis of that slice's interface voxel centres (the eigenvector
 *   of the larger eigenvalue of their 2-D covariance in mm) through their centroid, from the
 *   smallest to the largest projection of a centre on that axis. Its **length** is that extent
 *   (mm). A principal axis rather than the two farthest voxels: the interface is a band two voxels
 *   thick, whose farthest pair is a diagonal, while its principal axis runs along it.
 * - **The interface line** is the line of the slice where it is longest — where the tumour is
 *   widest at the porus (the first such slice on ties). Its **direction** (a unit RAS+ vector in
 *   that slice plane) is the direction of the porus on the axial image, the reference for the
 *   parallel and perpendicular diameters of `guideline.ts`; its sign is arbitrary (it runs from the
 *   end with the smaller projection on the slice frame's principal axis to the larger).
 */
import { labelInterface } from '../volume/interface.js';
import type { Mat4, Vec3 } from '../volume/volume.js';
import { checkGrid, type Xyz } from './geometry.js';
import type { Point2 } from './hull.js';
import { slicePlane, slicePointLists, type SlicePlane } from './slice-plane.js';
import { DEFAULT_LABELS, type TumourLabels } from './volumes.js';

/** A straight measurement in one axial slice: its length and where it lies. JSON-friendly. */
export interface SliceLine {
  /** Length, mm. */
  mm: number;
  /** The axial array axis, in `[z, y, x]` numbering (0 = z, 1 = y, 2 = x). */
  axis: 0 | 1 | 2;
  /** 0-based index along `axis` of the slice it lies in. */
  sliceIndex: number;
  /** The two end points: continuous voxel coordinates `(x, y, z)` and RAS+ mm. */
  endpoints: { voxel: [Xyz, Xyz]; ras: [Xyz, Xyz] };
}

/** The IM/EM interface line (see the file comment). */
export interface InterfaceLine extends SliceLine {
  /** Unit direction of the line in RAS+ (in the slice plane). */
  direction: Xyz;
  /** The line's direction in the slice's 2-D mm frame (internal to `guideline.ts`). */
  direction2d: Point2;
  /** Length of the interface line of every slice along `axis`, mm (0 without interface voxels). */
  perSlice: number[];
}

/** Options of {@link interfaceLine}. */
export interface InterfaceLineOptions {
  /** Label values of the two parts (default 1 = extrameatal, 2 = intrameatal). */
  labels?: TumourLabels;
}

/** Principal axis, centroid and extent of 2-D points (mm). */
export interface PrincipalLine {
  centre: Point2;
  direction: Point2;
  lo: number;
  hi: number;
}

/**
 * The principal axis of 2-D points through their centroid, and the range of their projections on
 * it (relative to the centroid). Direction `(1, 0)` when the covariance is isotropic or zero.
 */
export function principalLine(pts: readonly Point2[]): PrincipalLine {
  let mx = 0;
  let my = 0;
  for (const [a, b] of pts) {
    mx += a;
    my += b;
  }
  mx /= pts.length;
  my /= pts.length;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [a, b] of pts) {
    sxx += (a - mx) ** 2;
    sxy += (a - mx) * (b - my);
    syy += (b - my) ** 2;
  }
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy); // angle of the larger eigenvalue's eigenvector
  const direction: Point2 = [Math.cos(theta), Math.sin(theta)];
  let lo = Infinity;
  let hi = -Infinity;
  for (const [a, b] of pts) {
    const t = (a - mx) * direction[0] + (b - my) * direction[1];
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return { centre: [mx, my], direction, lo, hi };
}

/** The segment `centre + t·direction`, t ∈ [lo, hi], of slice `slice` as a {@link SliceLine}. */
export function sliceSegment(sp: SlicePlane, slice: number, centre: Point2, direction: Point2, lo: number, hi: number): SliceLine {
  const at = (t: number): Point2 => sp.fromPlane([centre[0] + t * direction[0], centre[1] + t * direction[1]]);
  const a = at(lo);
  const b = at(hi);
  return {
    mm: hi - lo,
    axis: sp.axis,
    sliceIndex: slice,
    endpoints: { voxel: [sp.toVoxel(slice, a), sp.toVoxel(slice, b)], ras: [sp.toRas(slice, a), sp.toRas(slice, b)] },
  };
}

/**
 * The IM/EM interface line of a label map (see the file comment); `null` when no EM voxel
 * touches an IM voxel (no EM part, no IM part, or parts that do not touch).
 * @param labels - Label map, x fastest (`[z, y, x]` layout).
 * @param shape - `[z, y, x]` voxel counts.
 * @param affine - Row-major 4×4 voxel → RAS+ mm; decides which slices are axial.
 * @throws Error on a bad `shape`, a `labels` of the wrong length, or a degenerate affine.
 * @example
 * const line = interfaceLine(label.data, label.shape, label.affine);
 * line?.mm; line?.sliceIndex; line?.direction; // length mm, axial slice (0-based), RAS unit vector
 */
export function interfaceLine(labels: ArrayLike<number>, shape: Vec3, affine: Mat4, opts: InterfaceLineOptions = {}): InterfaceLine | null {
  checkGrid('interfaceLine', labels, shape, affine);
  const ids = opts.labels ?? DEFAULT_LABELS;
  const sp = slicePlane(affine);
  const iface = labelInterface(labels, shape, ids.extrameatal, ids.intrameatal);
  const perSliceVoxels = slicePointLists(iface, shape, sp, (v) => v !== 0);
  const perSlice = new Array<number>(perSliceVoxels.length).fill(0);
  let best: { slice: number; line: PrincipalLine } | null = null;
  perSliceVoxels.forEach((voxels, s) => {
    if (voxels.length === 0) return;
    const line = principalLine(voxels.map(sp.toPlane));
    perSlice[s] = line.hi - line.lo;
    if (best === null || perSlice[s] > best.line.hi - best.line.lo) best = { slice: s, line };
  });
  if (best === null) return null;
  const { slice, line } = best as { slice: number; line: PrincipalLine };
  const seg = sliceSegment(sp, slice, line.centre, line.direction, line.lo, line.hi);
  return { ...seg, direction: sp.directionToRas(line.direction), direction2d: line.direction, perSlice };
}
