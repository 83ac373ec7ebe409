/**
 * The HTML report of one scan: a single self-contained file (inline CSS, figures as inline SVG
 * with embedded PNG slices; no external resource) that a clinical team opens in a browser.
 *
 * It shows, in order: the scan name and the date of analysis; a prominent notice when the model
 * was trained on synthetic phantoms; the quality checks, when given (`report-quality.ts`: a notice
 * listing the warnings, then every check); the measurements of {@link measure} in a table (volumes of
 * the extrameatal, intrameatal and whole tumour in mm³ and mL, the largest extrameatal and
 * whole-tumour axial diameters with their slices, the intrameatal extent along the canal);
 * axial, coronal and sagittal slices through the tumour with the label overlay and the
 * extrameatal diameter drawn (see `report-figures.ts` for the display convention); the notes;
 * and the provenance (model, meatus version, input file, processing time). Every string that
 * comes from the input is escaped.
 *
 * Slices: the axial figure shows the slice of the largest extrameatal diameter when there is an
 * extrameatal part, else the slice through the whole-tumour centroid; the coronal and sagittal
 * figures go through the centroid. Grey values are windowed between the 1st and 99th percentile
 * of the T2 volume.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { esc } from '../util/svg.js';
import type { Volume } from '../volume/volume.js';
import { formatEigenRatio } from './canal.js';
import type { Diameter3d } from './diameter-3d.js';
import type { SliceLine } from './interface-line.js';
import { largerSide, SIDE_TEXT, splitSides, type Measurements } from './measure.js';
import {
  figureSvg,
  intensityWindow,
  planeAxes,
  renderSlice,
  sliceView,
  tumourBox,
  type FigureLine,
  type PlaneName,
  type TumourBox,
  type ViewOptions,
  OVERLAY_PALETTES,
  type OverlayPalette,
} from './report-figures.js';
import { viewerHtml } from './viewer.js';
import type { QualitySection } from './quality.js';
import { QUALITY_CSS, qualityHtml } from './report-quality.js';

/** The model that produced the segmentation, as the report names it. */
export interface ReportModel {
  /** Model name (e.g. "two-stage BDL"). */
  name: string;
  /** Model version or checkpoint id. */
  version: string;
  /** What it was trained on; a value mentioning "phantom" or "synthetic" raises the phantom notice. */
  trainedOn: string;
  /** Whether this is meatus's built-in model; any other model raises the "not checked by meatus" notice. */
  builtIn?: boolean;
  /** The tasks it performs (e.g. "WT + IM/EM segmentation"). */
  tasks: string;
}

/** What {@link renderReport} needs. */
export interface ReportInput {
  /** The T2 image. */
  t2: Volume;
  /** The label map (0 background, 1 extrameatal, 2 intrameatal), on the T2's grid. */
  label: Volume<Uint8Array>;
  /** `measure(label)`. */
  measurements: Measurements;
  /** The model that segmented the scan. */
  model: ReportModel;
  /** The input file (shown in the provenance). */
  source: string;
  /** The case name of the title (default: the input's base name without `.nii(.gz)` and an nnU-Net `_0000` channel suffix). */
  caseId?: string;
  /** Processing time per step, seconds (e.g. `{ segmentation: 12.3, measurement: 0.1 }`). */
  seconds?: Record<string, number>;
  /** Extra notes, shown after the measurements' own notes. */
  notes?: string[];
  /** Date of analysis (default: now). */
  date?: Date;
  /** meatus version (default: read from meatus's package.json). */
  meatusVersion?: string;
  /** Figure crop and size (defaults: 40 mm, 3 × the tumour extent, 360 px). */
  figures?: ViewOptions;
  /** Add the interactive NiiVue viewer (`viewer.ts`; inlines ~2.5 MB of script; default false). */
  viewer?: boolean;
  /** Overlay palette of the figures and the viewer (default `default`: EM red, IM green). */
  palette?: OverlayPalette;
  /** The plausibility checks (`assessQuality`), shown before the measurements with warnings highlighted. */
  quality?: QualitySection;
}

/** Whether a `trainedOn` text says the model was trained on synthetic phantoms. */
export function trainedOnPhantoms(trainedOn: string): boolean {
  return /phantom|synthetic/i.test(trainedOn);
}

/** meatus's version from its package.json, or "unknown". */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The case name of a scan file: its base name without `.nii.gz` / `.nii` and without an nnU-Net
 * channel suffix (`case01_0000.nii.gz` → `case01`).
 */
export function caseNameOf(source: string): string {
  return basename(source).replace(/\.nii(\.gz)?$/i, '').replace(/_\d{4}$/, '') || source;
}

const AXIS_NAMES = ['z', 'y', 'x'];

function dateText(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function row(cells: string[], header = false): string {
  const tag = header ? 'th' : 'td';
  return `<tr>${cells.map((c, i) => (i === 0 && !header ? `<th scope="row">${c}</th>` : `<${tag}>${c}</${tag}>`)).join('')}</tr>`;
}

const rasText = (p: readonly number[]) => `(${p.map((c) => c.toFixed(1)).join(', ')})`;

function diameterRow(what: string, d: SliceLine | null, absent: string): string {
  if (d === null) return row([what, '0.0 mm', esc(absent)]);
  return row([
    what,
    `<strong>${d.mm.toFixed(1)} mm</strong>`,
    `axial slice ${d.sliceIndex} (0-based, array axis ${AXIS_NAMES[d.axis]}); RAS ${rasText(d.endpoints.ras[0])} → ${rasText(d.endpoints.ras[1])} mm`,
  ]);
}

function diameter3dRow(what: string, d: Diameter3d | null): string {
  if (d === null) return row([what, '—', 'absent']);
  return row([what, `<strong>${d.mm.toFixed(1)} mm</strong>`, `RAS ${rasText(d.endpoints.ras[0])} (axial slice ${d.sliceIndices[0]}) → ${rasText(d.endpoints.ras[1])} (slice ${d.sliceIndices[1]}) mm`]);
}

function reportedRow(m: Measurements): string {
  const r = m.guideline.reportedSize;
  const what = r.kind === 'none' ? 'no tumour' : `${r.kind}${r.koosI ? ' — <strong>Koos grade I</strong> (intracanalicular)' : ''}`;
  return row(['<strong>Reported size</strong>', `<strong>${r.mm.toFixed(1)} mm</strong>`, `${what}: ${esc(r.reason)}`]);
}

function measurementTable(m: Measurements): string {
  const v = m.volumes;
  const vol = (what: string, x: { mm3: number; ml: number }) =>
    row([what, `<strong>${x.mm3.toFixed(1)} mm³</strong>`, `${x.ml.toFixed(2)} mL`]);
  const e = m.intrameatalExtent;
  const extent =
    e === null
      ? row(['Intrameatal extent along the canal', '—', 'no intrameatal part'])
      : row([
          'Intrameatal extent along the canal',
          `<strong>${e.mm.toFixed(1)} mm</strong>`,
          (e.interfaceToLateralMm === null ? '' : `${e.interfaceToLateralMm.toFixed(1)} mm from the IM/EM interface to the lateral end; `) +
            `axis eigenvalue ratio ${formatEigenRatio(e.eigenRatio)}`,
        ]);
  return [
    '<table class="numbers">',
    row(['Measurement', 'Value', 'Detail'], true),
    ...(m.side ? [row(['<strong>Side</strong>', `<strong>${m.side}</strong>`, esc(SIDE_TEXT[m.side])])] : []),
    reportedRow(m),
    m.extrameatal ? vol('Extrameatal volume', v.extrameatal) : row(['Extrameatal volume', '0.0 mm³', 'no extrameatal part']),
    vol('Intrameatal volume', v.intrameatal),
    vol('Whole tumour volume', v.wholeTumour),
    diameterRow('Largest extrameatal axial diameter', m.extrameatalAxialDiameter, 'no extrameatal part'),
    diameterRow('Largest whole-tumour axial diameter', m.wholeTumourAxialDiameter, 'no tumour'),
    diameter3dRow('Largest extrameatal 3-D diameter', m.diameters3d.extrameatal),
    diameter3dRow('Largest whole-tumour 3-D diameter', m.diameters3d.wholeTumour),
    diameterRow('IM/EM interface line (porus)', m.guideline.interfaceLine, 'no IM/EM interface'),
    diameterRow('Intrameatal diameter parallel to the interface', m.guideline.intrameatalParallel, 'no IM/EM interface'),
    diameterRow('Extrameatal diameter parallel to the interface', m.guideline.extrameatalParallel, 'no IM/EM interface'),
    diameterRow('Extrameatal diameter perpendicular to the interface', m.guideline.extrameatalPerpendicular, 'no IM/EM interface'),
    extent,
    row(['Distances measured to', esc(m.measuredTo), 'in the plane of each acquired axial slice']),
    '</table>',
  ].join('\n');
}

/** One figure: its plane, slice and SVG. */
interface Figure {
  plane: PlaneName;
  axis: number;
  slice: number;
  svg: string;
  caption: string;
}

function figures(input: ReportInput, box: TumourBox | null): Figure[] {
  const { t2, label, measurements: m } = input;
  const win = intensityWindow(t2.data);
  // Tumour on both sides: the slices through a centroid go through the larger tumour's (the
  // centroid of both lies between the ears, in no tumour).
  const larger = m.sides ? largerSide(m.sides) : null;
  const split = m.sides ? splitSides(label.data, label.shape, label.affine) : null;
  const centreBox = larger !== null && split !== null && 'left' in split ? tumourBox({ ...label, data: split[larger] }) : box;
  const centre = (axis: number) =>
    Math.round(centreBox === null ? (t2.shape[axis] - 1) / 2 : centreBox.centroid[axis]);
  // Tumour on both sides: the combined diameter would span the head, so the figure shows the larger
  // of the two sides' own extrameatal diameters.
  const bySide = m.sides
    ? (['left', 'right'] as const)
        .map((side) => ({ side, d: m.sides![side].extrameatalAxialDiameter }))
        .filter((x) => x.d !== null)
        .sort((a, b) => b.d!.mm - a.d!.mm)[0]
    : undefined;
  const em = m.sides ? (bySide?.d ?? null) : m.extrameatalAxialDiameter;
  const planes: PlaneName[] = ['axial', 'coronal', 'sagittal'];
  return planes.map((plane) => {
    const axis = planeAxes(t2.affine, plane).normal;
    const useEm = plane === 'axial' && em !== null && em.axis === axis;
    const slice = useEm ? em.sliceIndex : centre(axis);
    const view = sliceView(t2, plane, slice, box, input.figures);
    const line: FigureLine | undefined = useEm ? { voxel: em.endpoints.voxel, text: `${em.mm.toFixed(1)} mm` } : undefined;
    const why = useEm
      ? `slice of the largest extrameatal diameter${bySide ? ` of the ${bySide.side} side` : ''} (yellow)`
      : box === null
        ? 'middle slice (no tumour)'
        : larger !== null
          ? `through the centroid of the ${larger}-side tumour (the larger)`
          : 'through the tumour centroid';
    return {
      plane, axis, slice,
      svg: figureSvg(view, renderSlice(t2, label, view, win, 0.35, OVERLAY_PALETTES[input.palette ?? 'default']), line),
      caption: `${plane[0].toUpperCase()}${plane.slice(1)}, slice ${slice} (0-based) along array axis ${AXIS_NAMES[axis]}: ${why}`,
    };
  });
}

function timeRows(seconds: Record<string, number> | undefined): string[] {
  if (seconds === undefined) return [];
  const entries = Object.entries(seconds);
  const rows = entries.map(([k, s]) => row([`Time: ${esc(k)}`, `${s.toFixed(1)} s`]));
  if (entries.length > 1) rows.push(row(['Time: total', `${entries.reduce((a, [, s]) => a + s, 0).toFixed(1)} s`]));
  return rows;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:0 auto;max-width:1180px;padding:16px 24px;color:#1b1b1b;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.4em}
.sub{color:#555;margin:.2em 0}
.warning{border:3px solid #b00020;background:#fdecee;color:#5c0010;padding:10px 14px;border-radius:6px;margin:14px 0;font-size:1.05em}
.warning strong{font-size:1.1em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:5px 10px;text-align:left;vertical-align:top}
tr:first-child th{background:#f2f2f2}th[scope=row]{font-weight:normal;background:#fafafa}
.figs{display:flex;flex-wrap:wrap;gap:14px}figure{margin:0;max-width:360px}figure svg{display:block;max-width:100%;height:auto;background:#000}
figcaption{font-size:.85em;color:#333;margin-top:4px}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px;border:1px solid #333}
footer{color:#777;font-size:.8em;margin-top:2em}
${QUALITY_CSS}
`.trim();

/**
 * Renders the HTML report of one scan (see the file comment for what it shows).
 * @returns The whole HTML document: self-contained, UTF-8, well under 1 MB for a 384×384 slice.
 * @throws Error if the T2 and the label differ in shape or the T2 has more than one channel.
 * @example
 * const html = renderReport({ t2, label, measurements: measure(label), model, source: 'case01_T2.nii.gz' });
 */
export function renderReport(input: ReportInput): string {
  const { t2, label, measurements: m, model } = input;
  if ((t2.channels ?? 1) !== 1) throw new Error(`renderReport: t2: expected one channel, got ${t2.channels}`);
  if (t2.shape.some((s, i) => s !== label.shape[i])) {
    throw new Error(`renderReport: label: shape ${label.shape.join('×')} differs from the T2 shape ${t2.shape.join('×')}`);
  }
  const scan = esc(input.caseId ?? caseNameOf(input.source));
  const rgb = (k: number) => `rgb(${OVERLAY_PALETTES[input.palette ?? 'default'][k].join(',')})`;
  const date = dateText(input.date ?? new Date());
  const version = input.meatusVersion ?? packageVersion();
  const box = tumourBox(label);
  const figs = figures(input, box);
  const notes = [...new Set([...m.notes, ...(input.notes ?? [])])];
  const warning = trainedOnPhantoms(model.trainedOn)
    ? `<div class="warning" role="alert" id="phantom-notice"><strong>Not for clinical use.</strong> The model that produced this segmentation was trained on <strong>synthetic phantoms</strong> (trained on: ${esc(model.trainedOn)}), not on patient scans. Its output on a real MRI is untested; the segmentation and every number below must not inform a clinical decision.</div>`
    : '';
  const unchecked =
    model.builtIn === true
      ? ''
      : `<div class="warning" role="alert" id="model-notice"><strong>Model not checked by meatus.</strong> This segmentation comes from ${esc(model.name)} (${esc(model.version)}), not from meatus's built-in model. Its accuracy is only what its own validation showed: review the segmentation below before relying on any number.</div>`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Vestibular schwannoma report — ${scan}</title><style>${CSS}</style></head><body>`,
    `<header><h1>Vestibular schwannoma report — <span class="scan">${scan}</span></h1>`,
    `<p class="sub">Date of analysis: ${date} · model ${esc(model.name)} ${esc(model.version)} · meatus ${esc(version)}</p></header>`,
    warning,
    unchecked,
    input.quality ? qualityHtml(input.quality) : '',
    '<h2>Measurements</h2>',
    '<p class="sub">Slice numbers are 0-based array indices along the named array axis (add 1 for viewers that count from 1). End points are in RAS+ mm (right, anterior, superior).</p>',
    ...(m.sides
      ? [
          '<p class="warning" role="alert" id="both-sides">Tumour on both sides of the head (NF2, or a false detection on one side): each side is measured on its own below (the figures show the whole label map).</p>',
          '<h3>Left side</h3>',
          measurementTable(m.sides.left),
          '<h3>Right side</h3>',
          measurementTable(m.sides.right),
        ]
      : [measurementTable(m)]),
    '<h2>Figures</h2>',
    `<p class="legend">Overlay:<span style="background:${rgb(1)}"></span>extrameatal (EM)<span style="background:${rgb(2)}"></span>intrameatal (IM)<span style="background:#ffd400"></span>largest extrameatal axial diameter. Radiological convention: patient right on the image left.</p>`,
    '<div class="figs">',
    ...figs.map(
      (f) => `<figure class="figure" data-plane="${f.plane}" data-axis="${f.axis}" data-slice="${f.slice}">${f.svg}<figcaption>${esc(f.caption)}</figcaption></figure>`,
    ),
    '</div>',
    input.viewer ? viewerHtml([{ case: input.caseId ?? caseNameOf(input.source), t2, label, measurements: m }], { palette: input.palette }) : '',
    '<h2>Notes</h2>',
    notes.length === 0 ? '<p>None.</p>' : `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`,
    '<h2>Provenance</h2>',
    '<table class="provenance">',
    row(['Input file', esc(input.source)]),
    row(['Model', `${esc(model.name)} (version ${esc(model.version)})`]),
    row(['Trained on', esc(model.trainedOn)]),
    row(['Tasks', esc(model.tasks)]),
    row(['meatus version', esc(version)]),
    row(['Grid', `${t2.shape.join(' × ')} voxels (z × y × x), ${t2.spacing.map((s) => s.toFixed(3)).join(' × ')} mm`]),
    ...timeRows(input.seconds),
    '</table>',
    '<footer>Generated by meatus. Research software: not a medical device.</footer>',
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * Renders the report and writes it to `path` atomically (temporary file, then rename).
 * @throws Error as {@link renderReport} does, or naming `path` when it cannot be written.
 */
export async function writeReport(path: string, input: ReportInput): Promise<void> {
  await writeFileAtomic(path, renderReport(input));
}
