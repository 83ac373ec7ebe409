/**
 * Figures as SVG (text, lines, boxes — readable in any browser) and their PNG rendering with resvg
 * (a Rust renderer shipped inside its npm package; no browser, no canvas). Text uses DejaVu Sans,
 * which `npm run setup` installs where missing.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

/** Escapes text for SVG. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A categorical palette (colour-blind friendly, Okabe–Ito). */
export const PALETTE = [
  '#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000',
  // then Paul Tol's muted colours, for comparisons of up to 12 methods
  '#882255', '#44AA99', '#999933', '#AA4499',
];

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
let warned = false;

/** Renders SVG text to PNG bytes (warns once on stderr when no font is installed: text would be missing). */
export function svgToPng(svg: string, scale = 1): Uint8Array {
  if (!warned && !existsSync(FONT)) {
    warned = true;
    process.stderr.write(`meatus: ${FONT} is missing, so text in PNG figures will be blank; install fonts-dejavu-core (npm run setup does)\n`);
  }
  const r = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: 'white',
  });
  return r.render().asPng();
}

/** "Nice" axis ticks covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A series of a line chart. */
export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
  /** Which y axis: left (default) or right. */
  axis?: 'left' | 'right';
}

/**
 * A line chart with up to two y axes (e.g. losses on the left, Dice on the right), as SVG.
 * Non-finite points are skipped.
 */
export function lineChart(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  series: LineSeries[];
  width?: number;
  height?: number;
}): string {
  const W = o.width ?? 720;
  const H = o.height ?? 360;
  const m = { l: 64, r: o.y2Label ? 64 : 20, t: 36, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const finite = (a: number[]) => a.filter(Number.isFinite);
  const xs = finite(o.series.flatMap((s) => s.x));
  const range = (axis: 'left' | 'right') => {
    const ys = finite(o.series.filter((s) => (s.axis ?? 'left') === axis).flatMap((s) => s.y));
    if (ys.length === 0) return [0, 1] as const;
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    return hi > lo ? ([lo, hi] as const) : ([lo - 0.5, hi + 0.5] as const);
  };
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs) > Math.min(...xs) ? Math.max(...xs) : Math.min(...xs) + 1] : [0, 1];
  const yr = { left: range('left'), right: range('right') };
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number, axis: 'left' | 'right') => m.t + ph - ((v - yr[axis][0]) / (yr[axis][1] - yr[axis][0])) * ph;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
  ];
  for (const t of ticks(x0, x1)) {
    parts.push(`<line x1="${sx(t)}" y1="${m.t + ph}" x2="${sx(t)}" y2="${m.t + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${sx(t)}" y="${m.t + ph + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const axis of ['left', 'right'] as const) {
    if (axis === 'right' && !o.y2Label) continue;
    for (const t of ticks(yr[axis][0], yr[axis][1])) {
      const x = axis === 'left' ? m.l : m.l + pw;
      const dx = axis === 'left' ? -6 : 6;
      parts.push(`<text x="${x + dx}" y="${sy(t, axis) + 4}" text-anchor="${axis === 'left' ? 'end' : 'start'}">${t}</text>`);
      if (axis === 'left') parts.push(`<line x1="${m.l}" y1="${sy(t, axis)}" x2="${m.l + pw}" y2="${sy(t, axis)}" stroke="#eee"/>`);
    }
  }
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  if (o.y2Label) parts.push(`<text transform="translate(${W - 14} ${m.t + ph / 2}) rotate(90)" text-anchor="middle">${esc(o.y2Label)}</text>`);
  o.series.forEach((s, i) => {
    const axis = s.axis ?? 'left';
    const pts = s.x.map((x, j) => [x, s.y[j]]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const color = PALETTE[i % PALETTE.length];
    if (pts.length > 1) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y, axis).toFixed(1)}`).join(' ')}"/>`);
    } else if (pts.length === 1) {
      parts.push(`<circle cx="${sx(pts[0][0])}" cy="${sy(pts[0][1], axis)}" r="3" fill="${color}"/>`);
    }
    const ly = m.t + 14 + i * 16;
    parts.push(`<line x1="${m.l + 10}" y1="${ly - 4}" x2="${m.l + 30}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${m.l + 36}" y="${ly}">${esc(s.name)}${axis === 'right' ? ' (right)' : ''}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
