/**
 * The growth report of one patient: a self-contained HTML page (inline CSS and SVG; with the
 * viewer, the inlined NiiVue bundle and volumes — nothing fetched) holding the summary sentence,
 * the two plots (`growth-plots.ts`), the per-timepoint table (volumes, reported diameter,
 * changes since the previous and the first scan, rates, doubling time, flags), and one thumbnail
 * per timepoint: the axial slice of the reported diameter with the diameter drawn. A patient with
 * tumour on both sides of the head gets the summary, plots and table once per side, and a thumbnail
 * per scan and side. Also the CSV of a set of series (`growth.csv`).
 */
import { csvLines } from '../util/csv.js';
import { esc } from '../util/svg.js';
import type { Volume } from '../volume/volume.js';
import type { GrowthChange, GrowthFlag, GrowthSeries } from './growth.js';
import { diameterPlotSvg, volumePlotSvg } from './growth-plots.js';
import type { Measurements, TumourSide } from './measure.js';
import { figureSvg, intensityWindow, OVERLAY_PALETTES, renderSlice, sliceView, tumourBox, type OverlayPalette } from './report-figures.js';

/** The images of one timepoint, for its thumbnail. */
export interface GrowthScan {
  case: string;
  /** The T2 (or `null`: the thumbnail shows the labels on black). */
  t2: Volume | null;
  label: Volume<Uint8Array>;
  measurements: Measurements;
}

/** What {@link renderGrowthReport} needs. */
export interface GrowthReportInput {
  /**
   * The patient's series: one, or one per side of the head (`computeGrowthBySide`), each then
   * shown in a section of its own.
   */
  series: GrowthSeries | readonly GrowthSeries[];
  /** The scans of the series' timepoints (matched by case name). */
  scans: GrowthScan[];
  /** Overlay palette (default `default`: EM red, IM green; `colour-blind`: EM orange, IM blue). */
  palette?: OverlayPalette;
  /** HTML inserted after the thumbnails (e.g. the interactive viewer of `viewer.ts`). */
  extraHtml?: string;
  /** A notice shown at the top (e.g. that the labels come from a model trained on phantoms). */
  notice?: string;
  /** Date of analysis (default now). */
  date?: Date;
}

const FLAG_CLASS: Record<GrowthFlag, string> = { significant: 'sig', borderline: 'watch', none: '', decrease: 'dec' };
const f1 = (v: number | null, unit = '') => (v === null ? '—' : `${v.toFixed(1)}${unit}`);
const signed = (v: number | null, unit: string, digits = 1) => (v === null ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}${unit}`);

function changeCells(c: GrowthChange | null): string {
  if (c === null) return '<td colspan="4">baseline</td>';
  const dt = c.doublingTimeYears === null ? '—' : c.doublingTimeYears > 0 ? `${c.doublingTimeYears.toFixed(1)} y` : `halving ${(-c.doublingTimeYears).toFixed(1)} y`;
  return [
    `<td class="${FLAG_CLASS[c.linearFlag]}">${signed(c.diameterMm, ' mm')}${c.diameterMmPerYear === null ? '' : ` (${signed(c.diameterMmPerYear, ' mm/y')})`}${c.kindChanged ? ' *' : ''}</td>`,
    `<td class="${FLAG_CLASS[c.volumeFlag]}">${signed(c.volumePercent.wholeTumour, ' %', 0)} (${signed(c.volumeMm3.wholeTumour, ' mm³', 0)})</td>`,
    `<td>${c.volumePercentPerYear === null ? '—' : signed(c.volumePercentPerYear, ' %/y', 0)}</td>`,
    `<td>${dt}</td>`,
  ].join('');
}

function table(s: GrowthSeries): string {
  const head =
    '<tr><th rowspan="2">Scan</th><th rowspan="2">Date</th><th colspan="3">Volume (mm³)</th><th rowspan="2">Reported diameter</th>' +
    '<th colspan="4">Since the previous scan</th><th colspan="4">Since the first scan</th></tr>' +
    '<tr><th>IM</th><th>EM</th><th>WT</th>' +
    '<th>diameter</th><th>WT volume</th><th>WT rate</th><th>doubling</th><th>diameter</th><th>WT volume</th><th>WT rate</th><th>doubling</th></tr>';
  const rows = s.timepoints.map((t) => {
    const v = t.volumes;
    const kind = t.reportedKind === 'none' ? 'no tumour' : `${t.reportedKind}${t.koosI ? ', Koos I' : ''}`;
    return `<tr data-case="${esc(t.case)}"><th scope="row">${esc(t.case)}</th><td>${esc(t.date ?? '—')}</td><td>${v.intrameatal.toFixed(0)}</td><td>${v.extrameatal.toFixed(0)}</td><td>${v.wholeTumour.toFixed(0)}</td><td><strong>${f1(t.reportedMm, ' mm')}</strong><br><small>${esc(kind)}</small></td>${changeCells(t.sincePrevious)}${changeCells(t.sinceFirst)}</tr>`;
  });
  return `<table class="growth">${head}${rows.join('')}</table>`;
}

/** The thumbnail of a scan with the reported diameter of the tumour on `side` (`undefined`: of the scan). */
function thumbnail(scan: GrowthScan, palette: OverlayPalette, side: TumourSide | undefined): string {
  const { label } = scan;
  const m = side && scan.measurements.sides ? scan.measurements.sides[side] : scan.measurements;
  const onSide = side === undefined || scan.measurements.sides !== undefined || scan.measurements.side === side;
  const t2: Volume = scan.t2 ?? { ...label, data: new Float32Array(label.data.length) };
  const d = onSide ? m.guideline.reportedSize.diameter : null;
  const box = tumourBox(label);
  const slice = d !== null ? d.sliceIndex : box === null ? Math.floor((label.shape[0] - 1) / 2) : Math.round(box.centroid[0]);
  const view = sliceView(t2, 'axial', slice, box, { sizePx: 240 });
  const raster = renderSlice(t2, label, view, intensityWindow(t2.data), 0.35, OVERLAY_PALETTES[palette]);
  const line = d === null ? undefined : { voxel: d.endpoints.voxel, text: `${d.mm.toFixed(1)} mm` };
  const kind = onSide ? m.guideline.reportedSize.kind : `no tumour on the ${side} side`;
  return `<figure class="thumb" data-case="${esc(scan.case)}"${side ? ` data-side="${side}"` : ''} data-slice="${slice}">${figureSvg(view, raster, line)}<figcaption>${esc(scan.case)}: axial slice ${slice} (0-based) — ${esc(kind)}</figcaption></figure>`;
}

/** The summary, plots and table of one series; `h` the heading level of its parts. */
function seriesSection(s: GrowthSeries, h: 2 | 3): string {
  return [
    `<p class="summary"${s.side ? ` data-side="${s.side}"` : ''} id="summary${s.side && h === 3 ? `-${s.side}` : ''}">${esc(s.summary)}</p>`,
    `<h${h}>Over time</h${h}>`,
    `<div class="plots">${volumePlotSvg(s)}${diameterPlotSvg(s)}</div>`,
    `<h${h}>Per scan</h${h}>`,
    table(s),
  ].join('\n');
}

const sideName = (side: TumourSide) => `${side[0].toUpperCase()}${side.slice(1)} side`;

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:0 auto;max-width:1240px;padding:16px 24px;color:#1b1b1b;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.4em}
.summary{font-size:1.1em;background:#f4f7fb;border-left:5px solid #0072B2;padding:10px 14px}
.warning{border:3px solid #b00020;background:#fdecee;color:#5c0010;padding:10px 14px;border-radius:6px;margin:14px 0}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.sig{background:#fbd5cf;font-weight:bold}td.watch{background:#fde9c4}td.dec{background:#d6ebf7}
.plots{display:flex;flex-wrap:wrap;gap:14px}.plots svg{max-width:100%;height:auto;border:1px solid #ddd}
.thumbs{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;max-width:240px}figure svg{display:block;max-width:100%;height:auto;background:#000}
figcaption{font-size:.82em;color:#333;margin-top:3px}.sub{color:#555}
`.trim();

/**
 * Renders the growth report of one patient (see the file comment).
 * @throws Error if a timepoint of the series has no scan in `scans`.
 * @example await writeFileAtomic('p1_growth.html', renderGrowthReport({ series, scans }));
 */
export function renderGrowthReport(input: GrowthReportInput): string {
  const all: readonly GrowthSeries[] = Array.isArray(input.series) ? input.series : [input.series as GrowthSeries];
  if (all.length === 0) throw new Error('renderGrowthReport: no series');
  const s = all[0];
  const bySide = all.length > 1;
  const palette = input.palette ?? 'default';
  const byCase = new Map(input.scans.map((sc) => [sc.case, sc]));
  const thumbs = s.timepoints.flatMap((t) => {
    const scan = byCase.get(t.case);
    if (!scan) throw new Error(`renderGrowthReport: no scan for timepoint '${t.case}'`);
    return bySide ? all.map((x) => thumbnail(scan, palette, x.side)) : [thumbnail(scan, palette, undefined)];
  });
  const th = s.thresholds;
  const where = bySide ? ' · tumour on both sides: each side followed on its own' : s.side ? ` · ${s.side} side` : '';
  const [em, im] = [OVERLAY_PALETTES[palette][1], OVERLAY_PALETTES[palette][2]].map((c) => `rgb(${c.join(',')})`);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Vestibular schwannoma growth — ${esc(s.patient)}</title><style>${CSS}</style></head><body>`,
    `<h1>Vestibular schwannoma growth — <span class="patient">${esc(s.patient)}</span></h1>`,
    `<p class="sub">${s.timepoints.length} scans · ${s.timeFrom === 'dates' ? 'dated' : 'no dates: ordered by name, no rates'}${where} · analysed ${esc((input.date ?? new Date()).toISOString().slice(0, 16).replace('T', ' '))} UTC</p>`,
    input.notice ? `<div class="warning" role="alert" id="growth-notice">${esc(input.notice)}</div>` : '',
    ...(bySide
      ? [
          '<p class="warning" role="alert" id="both-sides">Tumour on both sides of the head (NF2, or a false detection on one side): each side is followed on its own below; a diameter or volume of both together would compare different tumours.</p>',
          ...all.map((x) => `<h2 id="side-${x.side}">${sideName(x.side!)}</h2>\n${seriesSection(x, 3)}`),
        ]
      : [seriesSection(s, 2)]),
    `<p class="sub">Reported diameter: the guideline rule (the largest extrameatal axial diameter when the tumour has a real extrameatal part, else the largest whole-tumour axial diameter; Koos I: intracanalicular). ` +
      `Flags: diameter change ≥ ${th.linearMm} mm and whole-tumour volume change ≥ ${th.volumePercent} % are significant (red); ${th.volumeWatchPercent}–${th.volumePercent} % borderline (amber); decreases as large in blue. ` +
      'Rates are per year (volume compounded); doubling time = Δt · ln 2 / ln(V₂/V₁). * the reported measurement differs between the two scans.</p>',
    '<h2>Scans</h2>',
    `<p class="sub">Overlay: <span style="color:${em}">■</span> extrameatal, <span style="color:${im}">■</span> intrameatal; yellow: the reported diameter. Radiological convention (patient right on the image left).</p>`,
    bySide ? `<p class="sub">Each scan is shown once per side, with that side's reported diameter.</p>` : '',
    `<div class="thumbs">${thumbs.join('')}</div>`,
    input.extraHtml ?? '',
    '<footer class="sub">Generated by meatus. Research software: not a medical device.</footer>',
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * The CSV of one or more series: one row per timepoint (`growth.csv`); `side` is the series' side
 * (empty when no scan holds tumour). Numbers in mm, mm³, % (to 0.001) and years; a doubling time
 * is negative for a shrinking tumour (its halving time, as in `growth.ts`).
 */
export function growthCsv(series: readonly GrowthSeries[]): string {
  const cols = [
    'patient', 'side', 'case', 'date', 'years', 'volume_im_mm3', 'volume_em_mm3', 'volume_wt_mm3', 'reported_mm', 'reported_kind', 'koos_i',
    'prev_diameter_mm', 'prev_volume_wt_mm3', 'prev_volume_wt_pct', 'prev_diameter_mm_per_year', 'prev_volume_pct_per_year', 'prev_doubling_years', 'prev_linear_flag', 'prev_volume_flag',
    'first_diameter_mm', 'first_volume_wt_mm3', 'first_volume_wt_pct', 'first_diameter_mm_per_year', 'first_volume_pct_per_year', 'first_doubling_years', 'first_linear_flag', 'first_volume_flag',
  ];
  // mm, mm³ and % to 0.001 (past the voxel's float noise), years to 1e-6 (a day is 0.0027).
  const num = (v: number | null, digits = 3) => (v === null ? '' : String(Number(v.toFixed(digits))));
  const ch = (c: GrowthChange | null) =>
    c === null
      ? ['', '', '', '', '', '', '', '']
      : [num(c.diameterMm), num(c.volumeMm3.wholeTumour), num(c.volumePercent.wholeTumour), num(c.diameterMmPerYear), num(c.volumePercentPerYear), num(c.doublingTimeYears, 6), c.linearFlag, c.volumeFlag];
  const rows = series.flatMap((s) =>
    s.timepoints.map((t) => [
      s.patient, s.side ?? '', t.case, t.date ?? '', num(t.years, 6), num(t.volumes.intrameatal), num(t.volumes.extrameatal), num(t.volumes.wholeTumour),
      num(t.reportedMm), t.reportedKind, String(t.koosI), ...ch(t.sincePrevious), ...ch(t.sinceFirst),
    ]),
  );
  return csvLines(cols, rows);
}
