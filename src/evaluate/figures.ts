/**
 * Paper-style figures (Wijethilake et al., 2022): Fig. 2's box plots of Dice and ASSD per class and
 * method, as SVG (rendered to PNG by `svgToPng`), and Fig. 3's qualitative panels — one axial slice
 * through the tumour per method beside the reference, IM green and EM red — as an SVG of embedded
 * PNG tiles with titles, rasterised to PNG.
 *
 * Box plots follow matplotlib's defaults: the box spans the 25th–75th percentile (linear
 * interpolation), whiskers reach the most extreme value within 1.5 IQR of the box, values beyond
 * are drawn as points. Infinite values (an ASSD where a class is in only one of prediction and
 * reference) are not plotted; their count is written above the axis. NaN values are left out.
 */
import { renderPreview, type Raster } from '../data/preview.js';
import { percentile } from '../util/percentile.js';
import { esc, PALETTE, svgToPng, ticks } from '../util/svg.js';
import { axialAxis } from '../volume/orientation.js';
import { encodePng } from '../volume/png.js';
import type { Vec3, Volume } from '../volume/volume.js';
import type { ClassName } from './metrics.js';
import { CLASS_LABELS, TABLE_CLASSES, type MethodCases } from './tables.js';

/** Five-number summary of a box, plus what was not plotted. */
export interface BoxStats {
  q1: number;
  median: number;
  q3: number;
  /** Ends of the whiskers: the most extreme finite values within 1.5 IQR of the box. */
  lo: number;
  hi: number;
  /** Finite values beyond the whiskers. */
  outliers: number[];
  /** Finite values used. */
  n: number;
  infCount: number;
  nanCount: number;
}

/** The box of a box plot over the finite `values` (NaN and ±inf are counted, not used). */
export function boxStats(values: number[]): BoxStats {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const infCount = values.filter((x) => x === Infinity || x === -Infinity).length;
  const nanCount = values.filter(Number.isNaN).length;
  if (v.length === 0) return { q1: NaN, median: NaN, q3: NaN, lo: NaN, hi: NaN, outliers: [], n: 0, infCount, nanCount };
  const q1 = percentile(v, 25);
  const q3 = percentile(v, 75);
  const iqr = q3 - q1;
  const inside = v.filter((x) => x >= q1 - 1.5 * iqr && x <= q3 + 1.5 * iqr);
  return {
    q1,
    median: percentile(v, 50),
    q3,
    lo: inside[0],
    hi: inside[inside.length - 1],
    outliers: v.filter((x) => x < inside[0] || x > inside[inside.length - 1]),
    n: v.length,
    infCount,
    nanCount,
  };
}

/** Input of {@link boxPlot}. */
export interface BoxPlotInput {
  title: string;
  yLabel: string;
  methods: MethodCases[];
  metric: 'dice' | 'assd';
  classes?: readonly ClassName[];
  /** y axis range; default [0, 1] for Dice, [0, largest finite value] for ASSD. */
  yDomain?: [number, number];
  width?: number;
  height?: number;
}

/**
 * A grouped box plot (one group per class, one box per method, method colours from `PALETTE`,
 * a legend) as SVG. Each box is a `<g class="box" data-method=… data-class=…>`; each infinite-value
 * count is a `<text class="inf-count">`.
 */
export function boxPlot(o: BoxPlotInput): string {
  const classes = o.classes ?? TABLE_CLASSES;
  const nm = o.methods.length;
  const W = o.width ?? Math.max(560, 120 + classes.length * (nm * 34 + 40));
  const H = o.height ?? 400;
  const m = { l: 64, r: 16, t: 62, b: 44 + 18 * Math.ceil(nm / 4) };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const stats = classes.map((c) => o.methods.map((mc) => boxStats(mc.cases.map((k) => k.classes[c][o.metric]))));
  const all = stats.flat();
  const finiteMax = Math.max(0, ...all.flatMap((s) => (s.n ? [s.hi, ...s.outliers] : [])));
  const [y0, y1] = o.yDomain ?? (o.metric === 'dice' ? [0, 1] : [0, finiteMax > 0 ? finiteMax * 1.05 : 1]);
  const sy = (v: number) => m.t + ph - ((Math.min(Math.max(v, y0), y1) - y0) / (y1 - y0)) * ph;
  const f = (v: number) => v.toFixed(1);
  const anyInf = all.some((s) => s.infCount > 0);
  const nNan = all.reduce((a, s) => a + s.nanCount, 0);
  const note = [anyInf ? '∞ ×k: k infinite values, not plotted' : '', nNan ? `${nNan} NaN values left out` : ''].filter(Boolean).join('; ');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  ];
  if (note) parts.push(`<text x="${W / 2}" y="37" text-anchor="middle" font-size="11" fill="#555">${esc(note)}</text>`);
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${m.l}" y1="${f(sy(t))}" x2="${m.l + pw}" y2="${f(sy(t))}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${m.l - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="13">${esc(o.yLabel)}</text>`);
  const gw = pw / classes.length;
  const slot = Math.min(40, (gw * 0.85) / Math.max(1, nm));
  const bw = slot * 0.72;
  classes.forEach((c, ci) => {
    const gx = m.l + ci * gw;
    if (ci > 0) parts.push(`<line x1="${f(gx)}" y1="${m.t}" x2="${f(gx)}" y2="${m.t + ph}" stroke="#ccc" stroke-dasharray="3 3"/>`);
    parts.push(`<text x="${f(gx + gw / 2)}" y="${m.t + ph + 18}" text-anchor="middle" font-size="13">${CLASS_LABELS[c]}</text>`);
    o.methods.forEach((mc, mi) => {
      const s = stats[ci][mi];
      const colour = PALETTE[mi % PALETTE.length];
      const cx = gx + gw / 2 + (mi - (nm - 1) / 2) * slot;
      const g = [`<g class="box" data-method="${esc(mc.name)}" data-class="${c}">`];
      if (s.n > 0) {
        const x = f(cx - bw / 2);
        g.push(
          `<line x1="${f(cx)}" y1="${f(sy(s.hi))}" x2="${f(cx)}" y2="${f(sy(s.q3))}" stroke="${colour}"/>`,
          `<line x1="${f(cx)}" y1="${f(sy(s.q1))}" x2="${f(cx)}" y2="${f(sy(s.lo))}" stroke="${colour}"/>`,
          `<line x1="${f(cx - bw / 4)}" y1="${f(sy(s.hi))}" x2="${f(cx + bw / 4)}" y2="${f(sy(s.hi))}" stroke="${colour}"/>`,
          `<line x1="${f(cx - bw / 4)}" y1="${f(sy(s.lo))}" x2="${f(cx + bw / 4)}" y2="${f(sy(s.lo))}" stroke="${colour}"/>`,
          `<rect x="${x}" y="${f(sy(s.q3))}" width="${f(bw)}" height="${f(Math.max(0.5, sy(s.q1) - sy(s.q3)))}" fill="${colour}" fill-opacity="0.3" stroke="${colour}" stroke-width="1.3"/>`,
          `<line x1="${x}" y1="${f(sy(s.median))}" x2="${f(cx + bw / 2)}" y2="${f(sy(s.median))}" stroke="${colour}" stroke-width="2.4"/>`,
          ...s.outliers.map((v) => `<circle cx="${f(cx)}" cy="${f(sy(v))}" r="2.6" fill="white" stroke="${colour}" stroke-width="1.2"/>`),
        );
      }
      if (s.infCount > 0) {
        g.push(`<text class="inf-count" x="${f(cx)}" y="${m.t - 6}" text-anchor="middle" font-size="11" fill="${colour}">∞×${s.infCount}</text>`);
      }
      g.push('</g>');
      parts.push(g.join(''));
    });
  });
  const perRow = 4;
  const colW = pw / Math.min(perRow, Math.max(1, nm));
  o.methods.forEach((mc, mi) => {
    const x = m.l + (mi % perRow) * colW;
    const y = m.t + ph + 38 + Math.floor(mi / perRow) * 18;
    parts.push(`<rect x="${f(x)}" y="${y - 10}" width="14" height="11" fill="${PALETTE[mi % PALETTE.length]}" fill-opacity="0.6" stroke="${PALETTE[mi % PALETTE.length]}"/>`);
    parts.push(`<text x="${f(x + 20)}" y="${y}">${esc(mc.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * The K case ids on which the methods differ most: the largest spread (max − min across methods)
 * of whole-tumour or intrameatal Dice, NaN ignored; ties by id. Only cases every method has.
 */
export function mostDifferentCases(methods: MethodCases[], k: number): string[] {
  if (methods.length === 0) return [];
  const maps = methods.map((mc) => new Map(mc.cases.map((c) => [c.id, c])));
  const spread = (id: string, cls: ClassName) => {
    const v = maps.map((mp) => mp.get(id)!.classes[cls].dice).filter((x) => !Number.isNaN(x));
    return v.length ? Math.max(...v) - Math.min(...v) : -1;
  };
  return methods[0].cases
    .map((c) => c.id)
    .filter((id) => maps.every((mp) => mp.has(id)))
    .map((id) => ({ id, s: Math.max(spread(id, 'wholeTumour'), spread(id, 'intrameatal')) }))
    .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map((e) => e.id);
}

/** One labelled tile of a Fig. 3 panel. */
export interface PanelTile {
  /** First title line (method name). */
  title: string;
  /** Second title line (e.g. the Dice). */
  subtitle?: string;
  /** Label map to overlay; none shows the bare image. */
  label?: Volume;
}

/** Input of {@link panelSvg}. */
export interface PanelInput {
  /** Heading (e.g. the case id). */
  heading: string;
  image: Volume;
  /** Decides the slice (its tumour centre) and the in-plane crop. */
  reference: Volume;
  tiles: PanelTile[];
  /** Pixels of a tile's longer side (default 220). */
  tile?: number;
}

/** The index along `axis` of the centre of the tumour (label > 0) of the first non-empty volume. */
function centreSlice(vols: Volume[], axis: number): number {
  const [, ny, nx] = vols[0].shape;
  for (const v of vols) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < v.data.length; i++) {
      if (v.data[i] > 0) {
        sum += axis === 0 ? Math.floor(i / (nx * ny)) : axis === 1 ? Math.floor(i / nx) % ny : i % nx;
        n++;
      }
    }
    if (n > 0) return Math.round(sum / n);
  }
  return Math.floor(vols[0].shape[axis] / 2);
}

/** The in-plane crop `[from, to)` per axis around the labels in `slice`, square in mm, ≥ 30 mm. */
function cropAround(vols: Volume[], axis: number, slice: number): [number, number][] {
  const shape = vols[0].shape;
  const lo = [...shape];
  const hi = [-1, -1, -1];
  const [, ny, nx] = shape;
  for (const v of vols) {
    for (let i = 0; i < v.data.length; i++) {
      if (v.data[i] <= 0) continue;
      const idx = [Math.floor(i / (nx * ny)), Math.floor(i / nx) % ny, i % nx];
      if (idx[axis] !== slice) continue;
      for (let a = 0; a < 3; a++) {
        lo[a] = Math.min(lo[a], idx[a]);
        hi[a] = Math.max(hi[a], idx[a]);
      }
    }
  }
  const sp = vols[0].spacing;
  const inPlane = [0, 1, 2].filter((a) => a !== axis);
  if (inPlane.some((a) => hi[a] < 0)) return [0, 1, 2].map((a) => (a === axis ? [slice, slice + 1] : [0, shape[a]]));
  const side = Math.max(30, ...inPlane.map((a) => (hi[a] - lo[a] + 1) * sp[a] * 2.2));
  return [0, 1, 2].map((a) => {
    if (a === axis) return [slice, slice + 1];
    const n = Math.min(shape[a], Math.round(side / sp[a]));
    const from = Math.max(0, Math.min(shape[a] - n, Math.round((lo[a] + hi[a] + 1) / 2 - n / 2)));
    return [from, from + n];
  });
}

/** The sub-volume `crop` of `v` (same spacing and orientation). */
function subVolume(v: Volume, crop: [number, number][]): Volume {
  const [, ny, nx] = v.shape;
  const shape = crop.map(([a, b]) => b - a) as Vec3;
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  let o = 0;
  for (let z = crop[0][0]; z < crop[0][1]; z++) {
    for (let y = crop[1][0]; y < crop[1][1]; y++) {
      const row = (z * ny + y) * nx;
      for (let x = crop[2][0]; x < crop[2][1]; x++) data[o++] = v.data[row + x];
    }
  }
  return { data, shape, spacing: v.spacing, affine: v.affine };
}

function toDataUri(r: Raster): string {
  return `data:image/png;base64,${Buffer.from(encodePng(r.width, r.height, r.rgb)).toString('base64')}`;
}

/**
 * A Fig. 3 panel as SVG: the axial slice through the reference tumour's centre (axis from the
 * affine, radiological display, cropped around the tumour), one tile per entry of `tiles` with its
 * title above, and a legend (EM red, IM green).
 * @throws Error if a label's shape differs from the image's.
 */
export function panelSvg(p: PanelInput): string {
  const vols = [p.reference, ...p.tiles.flatMap((t) => (t.label ? [t.label] : []))];
  for (const [i, v] of vols.entries()) {
    if (v.shape.some((s, a) => s !== p.image.shape[a])) {
      const what = i === 0 ? 'reference' : `label of '${p.tiles.filter((t) => t.label)[i - 1].title}'`;
      throw new Error(`${p.heading}: ${what}: shape ${v.shape.join('×')} differs from the image's ${p.image.shape.join('×')}`);
    }
  }
  const axis = axialAxis(p.image.affine);
  const slice = centreSlice(vols, axis);
  const crop = cropAround(vols, axis, slice);
  const image = subVolume(p.image, crop);
  const size = p.tile ?? 220;
  const rasters = p.tiles.map((t) => renderPreview([{ image, label: t.label && subVolume(t.label, crop) }], { slices: 1, tile: size, alpha: 0.45 }));
  const gap = 10;
  const cellW = Math.max(...rasters.map((r) => r.width));
  const cellH = Math.max(...rasters.map((r) => r.height));
  const top = 74;
  const W = gap + rasters.length * (cellW + gap);
  const H = top + cellH + 34;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${gap}" y="20" font-size="15" font-weight="bold">${esc(p.heading)}</text>`,
    `<text x="${W - gap}" y="20" font-size="11" fill="#555" text-anchor="end">axial slice ${slice + 1}/${p.image.shape[axis]}, radiological view</text>`,
  ];
  rasters.forEach((r, i) => {
    const x = gap + i * (cellW + gap);
    const t = p.tiles[i];
    parts.push(`<text x="${x + cellW / 2}" y="${top - 24}" text-anchor="middle" font-weight="bold">${esc(t.title)}</text>`);
    if (t.subtitle) parts.push(`<text x="${x + cellW / 2}" y="${top - 8}" text-anchor="middle" font-size="12">${esc(t.subtitle)}</text>`);
    parts.push(`<image x="${x + (cellW - r.width) / 2}" y="${top}" width="${r.width}" height="${r.height}" href="${toDataUri(r)}"/>`);
  });
  const ly = top + cellH + 22;
  parts.push(
    `<rect x="${gap}" y="${ly - 11}" width="14" height="12" fill="rgb(255,40,40)"/><text x="${gap + 20}" y="${ly}">extrameatal (EM)</text>`,
    `<rect x="${gap + 150}" y="${ly - 11}" width="14" height="12" fill="rgb(40,230,40)"/><text x="${gap + 170}" y="${ly}">intrameatal (IM)</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

/** {@link panelSvg} rasterised to PNG bytes. */
export function panelPng(p: PanelInput): Uint8Array {
  return svgToPng(panelSvg(p));
}
