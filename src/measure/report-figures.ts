/**
 * The figures of the HTML report (`report.ts`): axial, coronal and sagittal slices through the
 * tumour, cropped around it, with the label overlaid (extrameatal red, intrameatal green,
 * semi-transparent with opaque contours) and the largest extrameatal axial diameter drawn on the
 * axial slice. Each figure is an inline SVG: the slice as an embedded PNG, then vector lines,
 * markers and text on top.
 *
 * Display convention (radiological, as `data/preview.ts`): the planes are the array planes
 * closest to the patient's axial, coronal and sagittal planes, found from the affine
 * (`axisCodes`), never assumed from the storage order. Patient right is on the image's left
 * (axial, coronal), anterior at the top (axial), superior at the top (coronal, sagittal), and
 * anterior on the image's left (sagittal). Pixels are square in mm: anisotropic voxels are
 * resampled for display (grey values bilinear, labels nearest), so a 1.5 mm slice is drawn
 * 1.5/0.4 times taller than a 0.4 mm in-plane voxel.
 *
 * Coordinates: a view maps a continuous voxel coordinate `(x, y, z)` (integers at voxel centres)
 * to display pixels `(u, v)` (0 at the image's left/top edge) with {@link toPixel}; sampling uses
 * the inverse map at pixel centres, so a line drawn with `toPixel` lies exactly over the voxels.
 */
import type { Raster } from '../data/preview.js';
import { axisCodes, type AxisCode } from '../volume/orientation.js';
import { encodePng } from '../volume/png.js';
import type { Mat4, Vec3, Volume } from '../volume/volume.js';
import { esc } from '../util/svg.js';
import type { Xyz } from './geometry.js';

/** A display plane. */
export type PlaneName = 'axial' | 'coronal' | 'sagittal';

/** Which array axes (0 = z, 1 = y, 2 = x) a plane shows, and how they are flipped for display. */
export interface PlaneAxes {
  /** The array axis perpendicular to the plane (the slice index runs along it). */
  normal: 0 | 1 | 2;
  /** The array axis drawn left → right. */
  horizontal: 0 | 1 | 2;
  /** The array axis drawn top → bottom. */
  vertical: 0 | 1 | 2;
  /** Whether the horizontal axis is drawn with its index decreasing left → right. */
  flipH: boolean;
  /** Whether the vertical axis is drawn with its index decreasing top → bottom. */
  flipV: boolean;
  /** Patient directions at the image's left, right, top and bottom edges. */
  edges: { left: AxisCode; right: AxisCode; top: AxisCode; bottom: AxisCode };
}

const PATIENT_AXIS: Record<AxisCode, 'LR' | 'AP' | 'SI'> = { R: 'LR', L: 'LR', A: 'AP', P: 'AP', S: 'SI', I: 'SI' };

/**
 * The array axes of a display plane, from the affine (see the file comment for the convention).
 * @throws Error for a degenerate affine.
 * @example planeAxes(diagonalAffine([1, 1, 1]), 'axial') // normal 0, horizontal 2 flipped, vertical 1 flipped
 */
export function planeAxes(affine: Mat4, plane: PlaneName): PlaneAxes {
  const codes = axisCodes(affine);
  const find = (p: 'LR' | 'AP' | 'SI') => codes.findIndex((c) => PATIENT_AXIS[c] === p) as 0 | 1 | 2;
  const [lr, ap, si] = [find('LR'), find('AP'), find('SI')];
  if (plane === 'axial') {
    return { normal: si, horizontal: lr, vertical: ap, flipH: codes[lr] === 'R', flipV: codes[ap] === 'A', edges: { left: 'R', right: 'L', top: 'A', bottom: 'P' } };
  }
  if (plane === 'coronal') {
    return { normal: ap, horizontal: lr, vertical: si, flipH: codes[lr] === 'R', flipV: codes[si] === 'S', edges: { left: 'R', right: 'L', top: 'S', bottom: 'I' } };
  }
  return { normal: lr, horizontal: ap, vertical: si, flipH: codes[ap] === 'A', flipV: codes[si] === 'S', edges: { left: 'A', right: 'P', top: 'S', bottom: 'I' } };
}

/** Bounding box and centroid of the tumour (label > 0), in array indices `[z, y, x]`. */
export interface TumourBox {
  min: Vec3;
  max: Vec3;
  centroid: Vec3;
}

/** The bounding box and centroid of the voxels with a non-zero label; `null` for an empty label. */
export function tumourBox(label: Volume): TumourBox | null {
  const [nz, ny, nx] = label.shape;
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  const sum = [0, 0, 0];
  let n = 0;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (label.data[i] === 0) continue;
        const p = [z, y, x];
        for (let a = 0; a < 3; a++) {
          min[a] = Math.min(min[a], p[a]);
          max[a] = Math.max(max[a], p[a]);
          sum[a] += p[a];
        }
        n++;
      }
    }
  }
  if (n === 0) return null;
  return { min, max, centroid: [sum[0] / n, sum[1] / n, sum[2] / n] };
}

/** One slice as displayed: the plane, the crop and the display scale. */
export interface SliceView {
  plane: PlaneName;
  axes: PlaneAxes;
  /** Index of the slice along `axes.normal`. */
  slice: number;
  /** Display-order continuous index at the crop's left and top edges (−0.5 = the volume's edge). */
  h0: number;
  v0: number;
  /** Voxel size along the horizontal and vertical axes, mm. */
  spacingH: number;
  spacingV: number;
  /** Display pixel size, mm (pixels are square in mm). */
  pxMm: number;
  /** Image size, pixels. */
  width: number;
  height: number;
  /** Volume size along the horizontal and vertical axes. */
  nH: number;
  nV: number;
}

/** Options of {@link sliceView}. */
export interface ViewOptions {
  /** Crop side = max(`minCropMm`, `cropFactor` × the tumour's in-plane extent) (defaults 40 mm, 3). */
  minCropMm?: number;
  cropFactor?: number;
  /** Longer image side, pixels (default 360). */
  sizePx?: number;
}

/** Crop start and length (display-order index units) along one axis. */
function cropAxis(n: number, lo: number, hi: number, len: number): [number, number] {
  if (len >= n) return [-0.5, n];
  const start = (lo + hi) / 2 - len / 2;
  return [Math.min(Math.max(start, -0.5), n - 0.5 - len), len];
}

/**
 * The view of slice `slice` of a `plane`: a square crop of side max(40 mm, 3 × the tumour's
 * largest in-plane extent) centred on the tumour's bounding box (shifted to stay inside the
 * volume, cut where the volume is smaller), drawn `sizePx` pixels across its longer side. Without
 * a tumour (`box` null) the whole slice is shown.
 */
export function sliceView(
  vol: Pick<Volume, 'shape' | 'spacing' | 'affine'>,
  plane: PlaneName,
  slice: number,
  box: TumourBox | null,
  opts: ViewOptions = {},
): SliceView {
  const axes = planeAxes(vol.affine, plane);
  const { horizontal: h, vertical: v } = axes;
  const [nH, nV] = [vol.shape[h], vol.shape[v]];
  const [sH, sV] = [vol.spacing[h], vol.spacing[v]];
  const disp = (a: number, i: number, flip: boolean) => (flip ? vol.shape[a] - 1 - i : i);
  let hRange: [number, number] = [-0.5, nH];
  let vRange: [number, number] = [-0.5, nV];
  if (box !== null) {
    const [hLo, hHi] = [disp(h, box.min[h], axes.flipH), disp(h, box.max[h], axes.flipH)].sort((a, b) => a - b);
    const [vLo, vHi] = [disp(v, box.min[v], axes.flipV), disp(v, box.max[v], axes.flipV)].sort((a, b) => a - b);
    const extent = Math.max((hHi - hLo + 1) * sH, (vHi - vLo + 1) * sV);
    const side = Math.max(opts.minCropMm ?? 40, (opts.cropFactor ?? 3) * extent);
    hRange = cropAxis(nH, hLo, hHi, side / sH);
    vRange = cropAxis(nV, vLo, vHi, side / sV);
  }
  const [wMm, hMm] = [hRange[1] * sH, vRange[1] * sV];
  const pxMm = Math.max(wMm, hMm) / (opts.sizePx ?? 360);
  return {
    plane, axes, slice, h0: hRange[0], v0: vRange[0], spacingH: sH, spacingV: sV, pxMm,
    width: Math.max(1, Math.round(wMm / pxMm)), height: Math.max(1, Math.round(hMm / pxMm)), nH, nV,
  };
}

/**
 * Display pixel `(u, v)` of the continuous voxel coordinate `(x, y, z)` in a view (0 at the
 * image's left/top edge; a voxel centre maps to the centre of the pixels that show it).
 * @example toPixel(view, [40, 30, 2]) // [u, v] in pixels
 */
export function toPixel(view: SliceView, [x, y, z]: Xyz): [number, number] {
  const zyx = [z, y, x];
  const { horizontal: h, vertical: v, flipH, flipV } = view.axes;
  const ih = flipH ? view.nH - 1 - zyx[h] : zyx[h];
  const iv = flipV ? view.nV - 1 - zyx[v] : zyx[v];
  return [((ih + 0.5 - view.h0) * view.spacingH) / view.pxMm, ((iv + 0.5 - view.v0) * view.spacingV) / view.pxMm];
}

/**
 * The grey window: the 1st and 99th percentile of the finite values (a sample of at most ~2¹⁸),
 * widened to one unit when they are equal.
 */
export function intensityWindow(data: ArrayLike<number>, lo = 0.01, hi = 0.99): [number, number] {
  const stride = Math.max(1, Math.ceil(data.length / 262144));
  const sample: number[] = [];
  for (let i = 0; i < data.length; i += stride) if (Number.isFinite(data[i])) sample.push(data[i]);
  if (sample.length === 0) return [0, 1];
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))];
  const [a, b] = [at(lo), at(hi)];
  return b > a ? [a, b] : [a, a + 1];
}

/** Overlay colours: extrameatal red, intrameatal green (as `data/preview.ts`). */
export const OVERLAY_RGB: Record<number, [number, number, number]> = { 1: [255, 40, 40], 2: [40, 230, 40] };

/** A palette of the label overlay: `default` (EM red, IM green) or `colour-blind` (Okabe–Ito: EM orange, IM blue). */
export type OverlayPalette = 'default' | 'colour-blind';

/** Overlay colours of each palette, label value → RGB. */
export const OVERLAY_PALETTES: Record<OverlayPalette, Record<number, [number, number, number]>> = {
  default: OVERLAY_RGB,
  'colour-blind': { 1: [230, 159, 0], 2: [0, 114, 178] },
};

/**
 * Renders a view: windowed grey values (bilinear) with the label (nearest, `colours` per label
 * value, default {@link OVERLAY_RGB}) blended at `alpha` and its contour (the labelled pixels with a differently labelled 4-neighbour) opaque.
 * @throws Error if `t2` and `label` differ in shape.
 */
export function renderSlice(
  t2: Volume,
  label: Volume,
  view: SliceView,
  win: [number, number],
  alpha = 0.35,
  colours: Record<number, [number, number, number]> = OVERLAY_RGB,
): Raster {
  if (t2.shape.some((s, i) => s !== label.shape[i])) {
    throw new Error(`renderSlice: label shape ${label.shape.join('×')} differs from image shape ${t2.shape.join('×')}`);
  }
  const { width, height, axes } = view;
  const [, ny, nx] = t2.shape;
  const strides = [nx * ny, nx, 1];
  const base = view.slice * strides[axes.normal];
  const [sh, sv] = [strides[axes.horizontal], strides[axes.vertical]];
  // Continuous array index of each pixel centre along the horizontal and vertical axes.
  const coord = (p: number, start: number, spacing: number, n: number, flip: boolean) => {
    const i = start + ((p + 0.5) * view.pxMm) / spacing - 0.5;
    return Math.min(n - 1, Math.max(0, flip ? n - 1 - i : i));
  };
  const hs = Array.from({ length: width }, (_, p) => coord(p, view.h0, view.spacingH, view.nH, axes.flipH));
  const vs = Array.from({ length: height }, (_, p) => coord(p, view.v0, view.spacingV, view.nV, axes.flipV));
  const labels = new Uint8Array(width * height);
  const rgb = new Uint8Array(width * height * 3);
  const scale = 255 / (win[1] - win[0]);
  for (let py = 0; py < height; py++) {
    const v0 = Math.floor(vs[py]);
    const v1 = Math.min(view.nV - 1, v0 + 1);
    const fv = vs[py] - v0;
    for (let px = 0; px < width; px++) {
      const h0 = Math.floor(hs[px]);
      const h1 = Math.min(view.nH - 1, h0 + 1);
      const fh = hs[px] - h0;
      const at = (a: number, b: number) => t2.data[base + a * sv + b * sh];
      const g = (1 - fv) * ((1 - fh) * at(v0, h0) + fh * at(v0, h1)) + fv * ((1 - fh) * at(v1, h0) + fh * at(v1, h1));
      const grey = Math.max(0, Math.min(255, (g - win[0]) * scale));
      const o = py * width + px;
      labels[o] = label.data[base + Math.round(vs[py]) * sv + Math.round(hs[px]) * sh];
      rgb.fill(grey, o * 3, o * 3 + 3);
    }
  }
  for (let o = 0; o < labels.length; o++) {
    const colour = colours[labels[o]];
    if (!colour) continue;
    const [px, py] = [o % width, Math.floor(o / width)];
    const edge =
      px === 0 || px === width - 1 || py === 0 || py === height - 1 ||
      labels[o - 1] !== labels[o] || labels[o + 1] !== labels[o] || labels[o - width] !== labels[o] || labels[o + width] !== labels[o];
    const a = edge ? 1 : alpha;
    for (let c = 0; c < 3; c++) rgb[o * 3 + c] = Math.round((1 - a) * rgb[o * 3 + c] + a * colour[c]);
  }
  return { width, height, rgb };
}

/** A measured segment to draw on a figure: voxel end points and its label. */
export interface FigureLine {
  /** End points, continuous voxel coordinates `(x, y, z)`. */
  voxel: [Xyz, Xyz];
  /** Text drawn beside it (e.g. "12.3 mm"). */
  text: string;
}

const f1 = (n: number) => n.toFixed(1);

function textLabel(x: number, y: number, s: string, anchor: string, size: number, fill: string): string {
  return (
    `<text x="${f1(x)}" y="${f1(y)}" text-anchor="${anchor}" font-size="${size}" font-weight="bold" fill="${fill}" ` +
    `stroke="#000" stroke-width="3" paint-order="stroke" stroke-linejoin="round">${esc(s)}</text>`
  );
}

/** The diameter line: thick yellow with dark casing, end ticks, and its value beside it. */
function lineSvg(view: SliceView, line: FigureLine): string {
  const [a, b] = line.voxel.map((p) => toPixel(view, p));
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  // Unit normal, pointing up the image (or right for a vertical line).
  let [nu, nv] = [-(b[1] - a[1]) / len, (b[0] - a[0]) / len];
  if (nv > 0 || (nv === 0 && nu < 0)) [nu, nv] = [-nu, -nv];
  const tick = (p: [number, number]) =>
    `M${f1(p[0] - 6 * nu)} ${f1(p[1] - 6 * nv)}L${f1(p[0] + 6 * nu)} ${f1(p[1] + 6 * nv)}`;
  const seg = `M${f1(a[0])} ${f1(a[1])}L${f1(b[0])} ${f1(b[1])}`;
  const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  // Clear of the line: 12 px plus the text's half-extent along the normal (~4.5 px per character).
  const off = 12 + 4.5 * line.text.length * Math.abs(nu) + 8 * Math.abs(nv);
  let [tx, ty] = [mid[0] + off * nu, mid[1] + off * nv + 5];
  tx = Math.min(view.width - 40, Math.max(40, tx));
  ty = Math.min(view.height - 6, Math.max(16, ty));
  return [
    `<g class="diameter" data-x1="${f1(a[0])}" data-y1="${f1(a[1])}" data-x2="${f1(b[0])}" data-y2="${f1(b[1])}">`,
    `<path d="${seg} ${tick(a)} ${tick(b)}" stroke="#000" stroke-width="5.5" stroke-linecap="round" fill="none" opacity="0.6"/>`,
    `<path d="${seg} ${tick(a)} ${tick(b)}" stroke="#ffd400" stroke-width="3" stroke-linecap="round" fill="none"/>`,
    textLabel(tx, ty, line.text, 'middle', 15, '#ffd400'),
    '</g>',
  ].join('');
}

/** A 10 mm scale bar at the image's lower right. */
function scaleBar(view: SliceView): string {
  const len = 10 / view.pxMm;
  const [x1, y] = [view.width - 10, view.height - 10];
  return (
    `<path d="M${f1(x1 - len)} ${y}H${x1}" stroke="#fff" stroke-width="3" opacity="0.9"/>` +
    textLabel(x1 - len / 2, y - 6, '10 mm', 'middle', 11, '#fff')
  );
}

/**
 * A figure as inline SVG: the rendered slice (PNG, base64) with orientation letters at the edges,
 * a 10 mm scale bar and optionally a measured line.
 */
export function figureSvg(view: SliceView, raster: Raster, line?: FigureLine): string {
  const { width: w, height: h, axes } = view;
  const png = Buffer.from(encodePng(raster.width, raster.height, raster.rgb)).toString('base64');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="DejaVu Sans, Arial, sans-serif" role="img">`,
    `<image href="data:image/png;base64,${png}" x="0" y="0" width="${w}" height="${h}" preserveAspectRatio="none"/>`,
    textLabel(6, h / 2 + 5, axes.edges.left, 'start', 14, '#fff'),
    textLabel(w - 6, h / 2 + 5, axes.edges.right, 'end', 14, '#fff'),
    textLabel(w / 2, 18, axes.edges.top, 'middle', 14, '#fff'),
    textLabel(w / 2, h - 6, axes.edges.bottom, 'middle', 14, '#fff'),
    scaleBar(view),
    line ? lineSvg(view, line) : '',
    '</svg>',
  ].join('');
}
