/**
 * Planar contours (patient coordinates, LPS mm) → a voxel mask on an image series' grid, slice by
 * slice.
 *
 * Each contour is mapped into the series' voxel coordinates: `i` along the row direction,
 * `j` along the column direction, `k` along the normal (`series.ts`). A contour must lie on one
 * slice plane (every point within 0.1 slice of the same integer `k`) and within the image (at most
 * half a voxel beyond the outer voxels' edges), and when it names the image it was drawn on
 * (Contour Image Sequence), that image must be the slice at `k`.
 *
 * Filling rule: **even–odd at voxel centres**. A voxel `(i, j)` of slice `k` is inside when a ray
 * from its centre along +i crosses an odd number of edges of the ROI's contours on that slice
 * (all of them together, so a contour inside another is a hole — the XOR combination DICOM names
 * `CLOSEDPLANAR_XOR`, and what plastimatch and dcmrtstruct2nii do). An edge is crossed when one
 * end lies above the centre's row and the other not (`(y₁ > j) ≠ (y₂ > j)`), at an x strictly
 * greater than `i` — the classic PNPOLY test, so a voxel centre exactly on a vertical edge is
 * outside on its right edge and inside on its left one, never both.
 */
import { DicomSkip } from './file.js';
import type { Contour } from './rtstruct.js';
import type { SeriesGeometry } from './series.js';

type V3 = [number, number, number];

/** The series' frame: origin, unit axes and spacings, LPS. */
function frame(g: SeriesGeometry): { p0: V3; axes: [V3, V3, V3]; steps: V3 } {
  const a = g.slices[0].image!;
  const r = a.orientation.slice(0, 3) as V3;
  const c = a.orientation.slice(3, 6) as V3;
  const n: V3 = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
  return { p0: a.position, axes: [r, c, n], steps: [a.pixelSpacing[1], a.pixelSpacing[0], g.spacing[0]] };
}

/**
 * Rasterises the closed planar contours of one ROI onto the grid of `g` (see the module comment).
 * Contours of other geometric types (`POINT`, `OPEN_PLANAR`) carry no area and are ignored.
 * @returns a mask of `g.shape`, 1 inside, x fastest.
 * @throws DicomSkip naming `what` (the structure set and ROI) when a contour leaves the slice
 *   planes or the volume, or references an image that is not its slice.
 */
export function rasterizeContours(contours: readonly Contour[], g: SeriesGeometry, what: string): Uint8Array {
  const [nz, ny, nx] = g.shape;
  const mask = new Uint8Array(nz * ny * nx);
  const { p0, axes, steps } = frame(g);
  const sliceOfSop = new Map(g.slices.map((h, k) => [h.sopInstanceUid, k]));
  /** Crossing x positions per (slice, row). */
  const crossings = new Map<number, number[]>();
  for (const [ci, c] of contours.entries()) {
    if (c.type !== 'CLOSED_PLANAR' && c.type !== 'CLOSEDPLANAR_XOR') continue;
    const m = c.points.length / 3;
    if (m < 3) continue;
    const xs = new Float64Array(m);
    const ys = new Float64Array(m);
    let k = NaN;
    for (let p = 0; p < m; p++) {
      const d: V3 = [c.points[3 * p] - p0[0], c.points[3 * p + 1] - p0[1], c.points[3 * p + 2] - p0[2]];
      const v = axes.map((ax, a) => (d[0] * ax[0] + d[1] * ax[1] + d[2] * ax[2]) / steps[a]);
      xs[p] = v[0];
      ys[p] = v[1];
      const kk = Math.round(v[2]);
      if (Math.abs(v[2] - kk) > 0.1 || (p > 0 && kk !== k)) {
        throw new DicomSkip(
          `${what}: contour ${ci + 1} point ${p + 1} (${c.points
            .slice(3 * p, 3 * p + 3)
            .map((x) => x.toFixed(2))
            .join(
              ', ',
            )}) lies at slice ${v[2].toFixed(2)}, not on the slice plane of its first point; planar contours on the image slices expected`,
        );
      }
      k = kk;
    }
    if (k < 0 || k >= nz)
      throw new DicomSkip(`${what}: contour ${ci + 1} lies at slice ${k}, outside the series' ${nz} slices`);
    const outside = xs.findIndex((x, p) => x < -1 || x > nx || ys[p] < -1 || ys[p] > ny);
    if (outside >= 0) {
      throw new DicomSkip(
        `${what}: contour ${ci + 1} point ${outside + 1} lies at column ${xs[outside].toFixed(2)}, row ${ys[outside].toFixed(2)}, outside the ${nx} × ${ny} image`,
      );
    }
    for (const sop of c.referencedSops) {
      const at = sliceOfSop.get(sop);
      if (at === undefined)
        throw new DicomSkip(
          `${what}: contour ${ci + 1} references SOP instance ${sop}, which is not an image of the series`,
        );
      if (at !== k)
        throw new DicomSkip(
          `${what}: contour ${ci + 1} lies on slice ${k} but references the image of slice ${at} (${sop})`,
        );
    }
    for (let p = 0; p < m; p++) {
      const q = (p + 1) % m;
      const [y1, y2] = [ys[p], ys[q]];
      const lo = Math.max(0, Math.ceil(Math.min(y1, y2)) - 1);
      const hi = Math.min(ny - 1, Math.floor(Math.max(y1, y2)) + 1);
      for (let j = lo; j <= hi; j++) {
        if (y1 > j === y2 > j) continue;
        const x = xs[p] + ((j - y1) * (xs[q] - xs[p])) / (y2 - y1);
        const key = k * ny + j;
        const list = crossings.get(key);
        if (list) list.push(x);
        else crossings.set(key, [x]);
      }
    }
  }
  for (const [key, list] of crossings) {
    list.sort((a, b) => a - b);
    const row = key * nx;
    // Voxel i is inside when an odd number of crossings lie at x > i: i in [x₀, x₁), [x₂, x₃), …
    for (let t = 0; t + 1 < list.length; t += 2) {
      const from = Math.max(0, Math.ceil(list[t]));
      const to = Math.min(nx, Math.ceil(list[t + 1]));
      for (let i = from; i < to; i++) mask[row + i] = 1;
    }
  }
  return mask;
}
