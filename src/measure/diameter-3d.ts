/**
 * The largest 3-D diameter of a mask: the largest distance in RAS+ mm between two of its voxels
 * (maximum Feret diameter in 3-D), as the authors' reporting code reports it
 * (`navodini/AutomatedReportGenerationVS`, `LinearMeasurements.longest_3D`, there between boundary
 * voxels with pixdim spacing; here between voxel centres, or voxel corners with `toVoxelEdges`,
 * through the affine, so oblique grids are measured in true mm).
 *
 * Candidates: both points of a farthest pair are vertices of the convex hull of the voxel centres,
 * and a hull vertex is the first or last set voxel of its line along each of the three array axes
 * (else it lies between two set voxels). Only voxels extreme along all three lines are compared,
 * pairwise, which on tumour-sized masks is a few thousand points. With `toVoxelEdges` the distance
 * of a pair is the largest distance between their two voxel boxes: max over the 8 sign vectors s
 * of |d + L·s| with d the centre difference and L the affine's 3×3 part (the two
 * boxes are translates, so their farthest corners are opposite).
 */
import type { Mat4, Vec3 } from '../volume/volume.js';
import { checkGrid, forEachVoxel, voxelToRas, type Xyz } from './geometry.js';

/** The largest 3-D diameter and its end points. JSON-friendly. */
export interface Diameter3d {
  /** Length, mm. */
  mm: number;
  /** The two end points: continuous voxel `(x, y, z)` (corners are half-integers) and RAS+ mm. */
  endpoints: { voxel: [Xyz, Xyz]; ras: [Xyz, Xyz] };
  /** The axial array axis (0 = z, 1 = y, 2 = x) and the 0-based axial slice of each end point. */
  axis: 0 | 1 | 2;
  sliceIndices: [number, number];
}

/**
 * The largest 3-D diameter of `mask` (see the file comment); `null` for an empty mask.
 * @param mask - Binary mask, x fastest (`[z, y, x]` layout); any non-zero is set.
 * @param shape - `[z, y, x]` voxel counts.
 * @param affine - Row-major 4×4 voxel → RAS+ mm.
 * @param axis - The axial array axis, used only to name the end points' slices.
 * @throws Error on a bad `shape`, a `mask` of the wrong length, or a degenerate affine.
 * @example largestDiameter3d(wt, label.shape, label.affine, 0)?.mm
 */
export function largestDiameter3d(mask: ArrayLike<number>, shape: Vec3, affine: Mat4, axis: 0 | 1 | 2, opts: { toVoxelEdges?: boolean } = {}): Diameter3d | null {
  checkGrid('largestDiameter3d', mask, shape, affine);
  const cand = hullCandidates(mask, shape);
  if (cand.length === 0) return null;
  const n = cand.length / 3;
  const ras = new Float64Array(cand.length);
  for (let k = 0; k < n; k++) ras.set(voxelToRas(affine, [cand[3 * k], cand[3 * k + 1], cand[3 * k + 2]]), 3 * k);
  // Half-voxel steps along x, y, z in RAS (for edges): the corner offsets are ±these.
  const half = [0, 1, 2].map((c) => [affine[c] / 2, affine[4 + c] / 2, affine[8 + c] / 2]);
  const signs = opts.toVoxelEdges === true ? [-1, 1].flatMap((a) => [-1, 1].flatMap((b) => [-1, 1].map((c) => [a, b, c]))) : [[0, 0, 0]];
  const offsets = signs.map((s) => [0, 1, 2].map((r) => s[0] * half[0][r] + s[1] * half[1][r] + s[2] * half[2][r]));
  let best = -1;
  let bi = 0;
  let bj = 0;
  let bo = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const dx = ras[3 * j] - ras[3 * i];
      const dy = ras[3 * j + 1] - ras[3 * i + 1];
      const dz = ras[3 * j + 2] - ras[3 * i + 2];
      for (let o = 0; o < offsets.length; o++) {
        const off = offsets[o];
        const d2 = (dx + 2 * off[0]) ** 2 + (dy + 2 * off[1]) ** 2 + (dz + 2 * off[2]) ** 2;
        if (d2 > best) {
          best = d2;
          bi = i;
          bj = j;
          bo = o;
        }
      }
    }
  }
  const s = signs[bo];
  const a: Xyz = [cand[3 * bi] - s[0] / 2, cand[3 * bi + 1] - s[1] / 2, cand[3 * bi + 2] - s[2] / 2];
  const b: Xyz = [cand[3 * bj] + s[0] / 2, cand[3 * bj + 1] + s[1] / 2, cand[3 * bj + 2] + s[2] / 2];
  const zyxIndex = 2 - axis; // voxel (x, y, z) component of the axial axis
  return {
    mm: Math.sqrt(best),
    endpoints: { voxel: [a, b], ras: [voxelToRas(affine, a), voxelToRas(affine, b)] },
    axis,
    sliceIndices: [cand[3 * bi + zyxIndex], cand[3 * bj + zyxIndex]],
  };
}

/** Voxel `(x, y, z)` triples (flat) of the set voxels that are first or last along all three axis lines. */
function hullCandidates(mask: ArrayLike<number>, shape: Vec3): number[] {
  const [nz, ny, nx] = shape;
  const lineMin = (n: number) => new Int32Array(n).fill(0x7fffffff);
  const lineMax = (n: number) => new Int32Array(n).fill(-1);
  const xMin = lineMin(nz * ny), xMax = lineMax(nz * ny); // prettier-ignore
  const yMin = lineMin(nz * nx), yMax = lineMax(nz * nx); // prettier-ignore
  const zMin = lineMin(ny * nx), zMax = lineMax(ny * nx); // prettier-ignore
  forEachVoxel(mask, shape, (x, y, z) => {
    const kx = z * ny + y;
    const ky = z * nx + x;
    const kz = y * nx + x;
    if (x < xMin[kx]) xMin[kx] = x;
    if (x > xMax[kx]) xMax[kx] = x;
    if (y < yMin[ky]) yMin[ky] = y;
    if (y > yMax[ky]) yMax[ky] = y;
    if (z < zMin[kz]) zMin[kz] = z;
    if (z > zMax[kz]) zMax[kz] = z;
  });
  const out: number[] = [];
  forEachVoxel(mask, shape, (x, y, z) => {
    const ex = x === xMin[z * ny + y] || x === xMax[z * ny + y];
    const ey = y === yMin[z * nx + x] || y === yMax[z * nx + x];
    const ez = z === zMin[y * nx + x] || z === zMax[y * nx + x];
    if (ex && ey && ez) out.push(x, y, z);
  });
  return out;
}
