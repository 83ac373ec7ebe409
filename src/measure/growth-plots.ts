/**
 * The two plots of the growth report, as SVG (inline in the HTML; PNG with `svgToPng`):
 * - **Volume over time**: stacked bars of the intrameatal (bottom) and extrameatal (top) volumes
 *   at each scan, with the whole-tumour volume as a line through the bar tops.
 * - **Reported diameter over time**: the reported size at each scan, with the band of ± the
 *   significant linear change (default 2 mm) around the first scan's value shaded: a point outside
 *   the band has changed significantly since the first scan.
 *
 * The x axis is months since the first scan when the scans are dated, else the scan number.
 * Colours are the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies),
 * and every series also differs by form (bars, line with circles, line with squares).
 */
import { esc, ticks } from '../util/svg.js';
import type { GrowthSeries } from './growth.js';

/** Colours of the plots (Okabe–Ito). */
export const GROWTH_COLOURS = { intrameatal: '#0072B2', extrameatal: '#E69F00', wholeTumour: '#000000', diameter: '#D55E00', band: '#56B4E9' };

interface Frame {
  W: number;
  H: number;
  m: { l: number; r: number; t: number; b: number };
  sx: (v: number) => number;
  sy: (v: number) => number;
  parts: string[];
}

/** The x position of each timepoint: months since the first scan, else the scan number (1-based). */
export function timeAxis(s: GrowthSeries): { x: number[]; label: string } {
  if (s.timeFrom === 'dates') return { x: s.timepoints.map((t) => (t.years ?? 0) * 12), label: 'months since the first scan' };
  return { x: s.timepoints.map((_, i) => i + 1), label: 'scan number (no dates: order of the names)' };
}

function frame(title: string, xs: number[], yLo: number, yHi: number, xLabel: string, yLabel: string): Frame {
  const W = 560;
  const H = 300;
  const m = { l: 64, r: 20, t: 36, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const span = Math.max(...xs) - Math.min(...xs);
  const pad = span > 0 ? span * 0.08 : 1;
  const x0 = Math.min(...xs) - pad;
  const x1 = Math.max(...xs) + pad;
  const [y0, y1] = yHi > yLo ? [yLo, yHi] : [yLo - 1, yHi + 1];
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => m.t + ph - ((v - y0) / (y1 - y0)) * ph;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${m.l}" y1="${sy(t).toFixed(1)}" x2="${m.l + pw}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  for (const t of ticks(x0, x1).filter((v) => v >= Math.min(...xs) - 1e-9 || span === 0)) {
    parts.push(`<line x1="${sx(t).toFixed(1)}" y1="${m.t + ph}" x2="${sx(t).toFixed(1)}" y2="${m.t + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${m.t + ph + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return { W, H, m, sx, sy, parts };
}

function legend(f: Frame, items: { colour: string; text: string; shape: 'rect' | 'line' }[]): void {
  items.forEach((it, i) => {
    const x = f.m.l + 10 + i * 150;
    const y = f.m.t + 14;
    f.parts.push(
      it.shape === 'rect'
        ? `<rect x="${x}" y="${y - 9}" width="14" height="10" fill="${it.colour}" stroke="#333" stroke-width="0.5"/>`
        : `<line x1="${x}" y1="${y - 4}" x2="${x + 14}" y2="${y - 4}" stroke="${it.colour}" stroke-width="2"/>`,
      `<text x="${x + 18}" y="${y}">${esc(it.text)}</text>`,
    );
  });
}

/**
 * Stacked IM/EM volume bars with the whole-tumour line (see the file comment).
 * @example volumePlotSvg(computeGrowth('p', scans))
 */
export function volumePlotSvg(s: GrowthSeries): string {
  const { x, label } = timeAxis(s);
  const wt = s.timepoints.map((t) => t.volumes.wholeTumour);
  const f = frame('Tumour volume over time', x, 0, Math.max(...wt) * 1.15, label, 'volume (mm³)');
  const gaps = x.slice(1).map((v, i) => v - x[i]);
  const minGap = gaps.length ? Math.min(...gaps) : 1;
  const bw = Math.max(6, Math.min(40, (f.sx(x[0] + minGap) - f.sx(x[0])) * 0.5));
  s.timepoints.forEach((t, i) => {
    const cx = f.sx(x[i]);
    const im = t.volumes.intrameatal;
    const em = t.volumes.extrameatal;
    f.parts.push(
      `<rect class="bar-im" x="${(cx - bw / 2).toFixed(1)}" y="${f.sy(im).toFixed(1)}" width="${bw.toFixed(1)}" height="${(f.sy(0) - f.sy(im)).toFixed(1)}" fill="${GROWTH_COLOURS.intrameatal}" stroke="#333" stroke-width="0.5"/>`,
      `<rect class="bar-em" x="${(cx - bw / 2).toFixed(1)}" y="${f.sy(im + em).toFixed(1)}" width="${bw.toFixed(1)}" height="${(f.sy(im) - f.sy(im + em)).toFixed(1)}" fill="${GROWTH_COLOURS.extrameatal}" stroke="#333" stroke-width="0.5"/>`,
    );
  });
  const pts = x.map((v, i) => `${f.sx(v).toFixed(1)},${f.sy(wt[i]).toFixed(1)}`);
  if (pts.length > 1) f.parts.push(`<polyline class="line-wt" fill="none" stroke="${GROWTH_COLOURS.wholeTumour}" stroke-width="2" points="${pts.join(' ')}"/>`);
  x.forEach((v, i) => f.parts.push(`<circle cx="${f.sx(v).toFixed(1)}" cy="${f.sy(wt[i]).toFixed(1)}" r="3.5" fill="${GROWTH_COLOURS.wholeTumour}"/>`));
  legend(f, [
    { colour: GROWTH_COLOURS.intrameatal, text: 'intrameatal', shape: 'rect' },
    { colour: GROWTH_COLOURS.extrameatal, text: 'extrameatal', shape: 'rect' },
    { colour: GROWTH_COLOURS.wholeTumour, text: 'whole tumour', shape: 'line' },
  ]);
  f.parts.push('</svg>');
  return f.parts.join('\n');
}

/**
 * The reported diameter over time with the ± significant-change band around the first scan's
 * value (see the file comment).
 */
export function diameterPlotSvg(s: GrowthSeries): string {
  const { x, label } = timeAxis(s);
  const d = s.timepoints.map((t) => t.reportedMm);
  const band = s.thresholds.linearMm;
  const lo = Math.min(...d, d[0] - band) - 1;
  const hi = Math.max(...d, d[0] + band) + 1;
  const f = frame('Reported diameter over time', x, Math.max(0, lo), hi, label, 'reported diameter (mm)');
  const bx0 = f.m.l;
  const bx1 = f.W - f.m.r;
  f.parts.push(
    `<rect class="band" x="${bx0}" y="${f.sy(d[0] + band).toFixed(1)}" width="${bx1 - bx0}" height="${(f.sy(d[0] - band) - f.sy(d[0] + band)).toFixed(1)}" fill="${GROWTH_COLOURS.band}" fill-opacity="0.25"/>`,
    `<line x1="${bx0}" y1="${f.sy(d[0]).toFixed(1)}" x2="${bx1}" y2="${f.sy(d[0]).toFixed(1)}" stroke="${GROWTH_COLOURS.band}" stroke-dasharray="4 3"/>`,
  );
  const pts = x.map((v, i) => `${f.sx(v).toFixed(1)},${f.sy(d[i]).toFixed(1)}`);
  if (pts.length > 1) f.parts.push(`<polyline class="line-diameter" fill="none" stroke="${GROWTH_COLOURS.diameter}" stroke-width="2" points="${pts.join(' ')}"/>`);
  x.forEach((v, i) => {
    const out = Math.abs(d[i] - d[0]) >= band;
    f.parts.push(`<rect x="${(f.sx(v) - 4).toFixed(1)}" y="${(f.sy(d[i]) - 4).toFixed(1)}" width="8" height="8" fill="${out ? GROWTH_COLOURS.diameter : 'white'}" stroke="${GROWTH_COLOURS.diameter}" stroke-width="2"/>`);
    f.parts.push(`<text x="${f.sx(v).toFixed(1)}" y="${(f.sy(d[i]) - 9).toFixed(1)}" text-anchor="middle" font-size="11">${d[i].toFixed(1)}</text>`);
  });
  legend(f, [
    { colour: GROWTH_COLOURS.diameter, text: 'reported diameter', shape: 'line' },
    { colour: GROWTH_COLOURS.band, text: `±${band} mm of the first scan`, shape: 'rect' },
  ]);
  f.parts.push('</svg>');
  return f.parts.join('\n');
}
