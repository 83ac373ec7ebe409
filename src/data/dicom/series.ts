/**
 * An image series as a 3-D volume: geometry from Image Position/Orientation (Patient) and Pixel
 * Spacing, slices ordered by their position along the slice normal (never by file name or
 * Instance Number), LPS patient coordinates turned into meatus's RAS.
 *
 * Voxel `(i, j, k)` = (column, row, slice in normal order). With row direction **r** and column
 * direction **c** (the two halves of Image Orientation), **n** = **r** × **c**, Pixel Spacing
 * `[Δrow, Δcol]` and the first slice's position **p₀**, the LPS position of a voxel is
 * **p₀** + i·Δcol·**r** + j·Δrow·**c** + k·**s**, where **s** is the step between consecutive
 * slice positions (PS3.3 C.7.6.2.1.1); RAS negates the first two coordinates. This is what
 * dcm2niix and ITK compute (dcm2niix then stores rows bottom-up, an equivalent affine).
 *
 * Refused with the reason: a single slice, slices of different orientation, size or pixel
 * spacing, two slices at one position, a missing slice (a gap of more than 1.5 slice spacings),
 * unevenly spaced slices (more than 1 % or 0.01 mm off the median spacing), and slices shifted
 * within their plane (a gantry tilt).
 */
import { readFile } from 'node:fs/promises';
import type { Mat4, Vec3, Volume } from '../../volume/volume.js';
import { DicomSkip, parseDicomBytes, type DicomHeader } from './file.js';
import { decodeSlice, type StoredArray } from './pixels.js';

/** A series' geometry and its slices in normal order. */
export interface SeriesGeometry {
  /** The slice headers, ordered along the normal. */
  slices: DicomHeader[];
  /** `[slices, rows, columns]`. */
  shape: Vec3;
  /** `[slice spacing, row spacing, column spacing]`, mm. */
  spacing: Vec3;
  /** Voxel (column, row, slice) → RAS mm, row-major 4×4. */
  affine: Mat4;
}

type V3 = [number, number, number];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * The geometry of a series from its slice headers (any order).
 * @param name how the series is named in messages (e.g. its folder and description).
 * @throws DicomSkip naming the series and what is wrong (see the module comment).
 */
export function seriesGeometry(headers: readonly DicomHeader[], name: string): SeriesGeometry {
  const imgs = headers.filter((h) => h.image);
  if (imgs.length < 2)
    throw new DicomSkip(
      `${name}: ${imgs.length} slice${imgs.length === 1 ? '' : 's'}; a 3-D volume needs at least 2`,
    );
  const a0 = imgs[0].image!;
  for (const h of imgs) {
    const a = h.image!;
    if (a.orientation.some((v, i) => Math.abs(v - a0.orientation[i]) > 1e-4)) {
      throw new DicomSkip(
        `${name}: ${h.path} has Image Orientation ${a.orientation.join('\\')}, the series ${a0.orientation.join('\\')}; slices of one orientation expected`,
      );
    }
    if (a.rows !== a0.rows || a.columns !== a0.columns) {
      throw new DicomSkip(
        `${name}: ${h.path} is ${a.rows} × ${a.columns}, the series ${a0.rows} × ${a0.columns}; slices of one size expected`,
      );
    }
    if (a.pixelSpacing.some((v, i) => Math.abs(v - a0.pixelSpacing[i]) > 1e-4 * Math.max(1, v))) {
      throw new DicomSkip(
        `${name}: ${h.path} has Pixel Spacing ${a.pixelSpacing.join('\\')}, the series ${a0.pixelSpacing.join('\\')}; inconsistent pixel spacing`,
      );
    }
  }
  const r = a0.orientation.slice(0, 3) as V3;
  const c = a0.orientation.slice(3, 6) as V3;
  if (Math.abs(dot(r, r) - 1) > 1e-3 || Math.abs(dot(c, c) - 1) > 1e-3 || Math.abs(dot(r, c)) > 1e-3) {
    throw new DicomSkip(
      `${name}: Image Orientation ${a0.orientation.join('\\')} is not two orthogonal unit vectors`,
    );
  }
  const n = cross(r, c);
  const sorted = [...imgs].map((h) => ({ h, d: dot(h.image!.position, n) })).sort((x, y) => x.d - y.d);
  const gaps = sorted.slice(1).map((s, i) => s.d - sorted[i].d);
  const step = median(gaps);
  const tol = Math.max(0.01, 0.01 * step);
  const dup = gaps.findIndex((g) => g <= tol);
  if (dup >= 0 || !(step > tol)) {
    const i = dup >= 0 ? dup : 0;
    throw new DicomSkip(
      `${name}: ${sorted[i].h.path} and ${sorted[i + 1].h.path} lie at the same position (${sorted[i].d.toFixed(3)} mm along the normal); one slice per position expected (several echoes or repeats in one series?)`,
    );
  }
  for (let i = 0; i < gaps.length; i++) {
    if (gaps[i] > 1.5 * step) {
      const missing = Math.round(gaps[i] / step) - 1;
      throw new DicomSkip(
        `${name}: missing slice${missing === 1 ? '' : 's'}: a gap of ${gaps[i].toFixed(3)} mm between ${sorted[i].h.path} and ${sorted[i + 1].h.path} (${sorted[i].d.toFixed(3)} and ${sorted[i + 1].d.toFixed(3)} mm along the normal), slice spacing ${step.toFixed(3)} mm (about ${missing} slice${missing === 1 ? '' : 's'} absent)`,
      );
    }
    if (Math.abs(gaps[i] - step) > tol) {
      throw new DicomSkip(
        `${name}: inconsistent slice spacing: ${gaps[i].toFixed(3)} mm between ${sorted[i].h.path} and ${sorted[i + 1].h.path}, ${step.toFixed(3)} mm elsewhere`,
      );
    }
  }
  const p0 = sorted[0].h.image!.position;
  const last = sorted[sorted.length - 1].h.image!.position;
  const k = sorted.length - 1;
  const s: V3 = [(last[0] - p0[0]) / k, (last[1] - p0[1]) / k, (last[2] - p0[2]) / k];
  for (const { h, d } of sorted) {
    const p = h.image!.position;
    const off = [0, 1, 2].map((a) => p[a] - p0[a] - (d - sorted[0].d) * n[a]);
    if (Math.hypot(...off) > tol) {
      throw new DicomSkip(
        `${name}: ${h.path} is shifted ${Math.hypot(...off).toFixed(3)} mm within the slice plane (gantry tilt or sheared stack); slices stacked along their normal expected`,
      );
    }
  }
  const [dRow, dCol] = a0.pixelSpacing;
  // LPS columns of the affine, then RAS = diag(-1, -1, 1) · LPS.
  const ci: V3 = [r[0] * dCol, r[1] * dCol, r[2] * dCol];
  const cj: V3 = [c[0] * dRow, c[1] * dRow, c[2] * dRow];
  const flip = [-1, -1, 1];
  const affine: Mat4 = [];
  for (let row = 0; row < 3; row++)
    affine.push(flip[row] * ci[row], flip[row] * cj[row], flip[row] * s[row], flip[row] * p0[row]);
  affine.push(0, 0, 0, 1);
  return {
    slices: sorted.map((x) => x.h),
    shape: [sorted.length, a0.rows, a0.columns],
    spacing: [Math.hypot(...s), dRow, dCol],
    affine,
  };
}

/**
 * Reads the pixels of every slice of `g` into one volume. Stored values are kept in their integer
 * type when no slice rescales (slope 1, intercept 0); otherwise they become float32 `stored ×
 * slope + intercept`, slice by slice.
 * @throws DicomSkip naming the file for a slice that cannot be decoded (see `pixels.ts`).
 */
export async function readSeriesVolume(g: SeriesGeometry): Promise<Volume> {
  const [nz, ny, nx] = g.shape;
  const plane = ny * nx;
  const rescaled = g.slices.some((h) => h.image!.rescaleSlope !== 1 || h.image!.rescaleIntercept !== 0);
  let data: StoredArray | Float32Array | undefined = rescaled ? new Float32Array(nz * plane) : undefined;
  for (let z = 0; z < nz; z++) {
    const h = g.slices[z];
    const ds = parseDicomBytes(await readFile(h.path), h.path);
    const slice = decodeSlice(ds, h.image!, h.transferSyntax, h.path);
    if (rescaled) {
      const { rescaleSlope: m, rescaleIntercept: b } = h.image!;
      for (let i = 0; i < plane; i++) data![z * plane + i] = slice[i] * m + b;
    } else {
      if (data === undefined) data = new (slice.constructor as new (n: number) => StoredArray)(nz * plane);
      if (data.constructor !== slice.constructor) {
        throw new DicomSkip(
          `${h.path}: stored as ${slice.constructor.name}, other slices as ${data.constructor.name}; one pixel format per series expected`,
        );
      }
      data.set(slice, z * plane);
    }
  }
  return { data: data!, shape: [...g.shape] as Vec3, spacing: [...g.spacing] as Vec3, affine: [...g.affine] };
}
