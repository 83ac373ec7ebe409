/**
 * `meatus growth` as a library call: finds each scan's label map, T2 and date, measures every
 * label map, groups the scans by patient, computes each patient's growth and writes
 * `growth.json`, `growth.csv` and one `<patient>_growth.html` per patient.
 *
 * Where things come from:
 * - **Label maps**: files (`.nii`/`.nii.gz`), or folders of them. A folder with a `labelsTr/`
 *   subfolder is an nnU-Net raw dataset: its `labelsTr/` is read. In a folder, files whose name ends
 *   in an nnU-Net channel suffix (`_0000`) or `_probabilities` are not label maps and are skipped.
 *   The case name is the file name without `.nii(.gz)`.
 * - **T2 scans** (thumbnails, viewer): `images` (`<case>_0000.nii(.gz)` or `<case>.nii(.gz)` in
 *   that folder), else the `imagesTr/` of a dataset input or beside a `labelsTr/` input, else the `input` recorded in
 *   `<case>_measurements.json` beside the label map (what `meatus segment` writes), else none.
 * - **Dates**: `dates` (a `case,date` CSV, `data/scan-dates.ts`), else a `dates.csv` in the (single)
 *   input folder, or above it when it is a `labelsTr/`/`imagesTr/`, else none: the scans are ordered
 *   by their `<patient>_t<k>` names (and a line says so).
 * - **Sides**: a patient whose scans hold tumour on both sides of the head gets one series per side
 *   (`computeGrowthBySide`): two entries in `growth.json` and `growth.csv` (its `side` column), and
 *   a section per side in the report.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { casePattern, groupByPatient } from '../data/cases.js';
import { parseScanDates, type ScanDates } from '../data/scan-dates.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { checkOutput, makeDirs } from '../util/output-path.js';
import { readNifti } from '../volume/nifti-file.js';
import type { Volume } from '../volume/volume.js';
import { computeGrowthBySide, resolveGrowthThresholds, type GrowthSeries, type GrowthThresholds } from './growth.js';
import { growthCsv, renderGrowthReport, type GrowthScan } from './growth-report.js';
import { measure, type Measurements } from './measure.js';
import type { OverlayPalette } from './report-figures.js';

/** Options of {@link runGrowth}. */
export interface GrowthRunOptions {
  /** Label-map files or folders (see the file comment). */
  inputs: string[];
  /** Output folder. */
  out: string;
  /** A `case,date` CSV. */
  dates?: string;
  /** Folder of T2 scans. */
  images?: string;
  /** Case-name pattern with a `patient` group (default `<patient>_t<k>`). */
  pattern?: string;
  thresholds?: Partial<GrowthThresholds>;
  /** Measure to voxel edges (default centres). */
  toVoxelEdges?: boolean;
  palette?: OverlayPalette;
  /** Replace existing output files. */
  overwrite?: boolean;
  /** A notice for every report (e.g. labels from a model trained on phantoms). */
  notice?: string;
  /** HTML to append to a patient's report (e.g. the viewer), given its scans. */
  extraHtml?: (scans: GrowthScan[]) => string | Promise<string>;
  /** Progress lines (default none). */
  log?: (line: string) => void;
}

/** What {@link runGrowth} wrote. */
export interface GrowthRunResult {
  /** One series per patient, or one per side for a patient with tumour on both sides. */
  series: GrowthSeries[];
  files: string[];
}

const NII = /\.nii(\.gz)?$/i;

interface Found {
  case: string;
  label: string;
  /** Folder of the input it came from (dates.csv, imagesTr). */
  root: string | null;
  imagesTr: string | null;
}

function findLabels(inputs: string[]): Found[] {
  const out: Found[] = [];
  for (const p of inputs) {
    if (!existsSync(p)) throw new Error(`input ${p}: no such file or folder`);
    if (statSync(p).isDirectory()) {
      const nnunet = existsSync(join(p, 'labelsTr')) && statSync(join(p, 'labelsTr')).isDirectory();
      const dir = nnunet ? join(p, 'labelsTr') : p;
      // A dataset's labelsTr/ given itself: its imagesTr/ beside it.
      const beside = join(dirname(resolve(p)), 'imagesTr');
      const imagesTr = nnunet ? join(p, 'imagesTr') : basename(resolve(p)) === 'labelsTr' && existsSync(beside) ? beside : null;
      const files = readdirSync(dir).filter((f) => NII.test(f) && !/_\d{4}\.nii(\.gz)?$/i.test(f) && !/_probabilities\.nii(\.gz)?$/i.test(f)).sort();
      if (files.length === 0) throw new Error(`input ${p}: no label map (.nii/.nii.gz) in ${dir}`);
      for (const f of files) out.push({ case: f.replace(NII, ''), label: join(dir, f), root: p, imagesTr });
    } else if (NII.test(p)) {
      out.push({ case: basename(p).replace(NII, ''), label: p, root: null, imagesTr: null });
    } else {
      throw new Error(`input ${p}: expected a .nii or .nii.gz label map or a folder of them`);
    }
  }
  const seen = new Map<string, string>();
  for (const f of out) {
    if (seen.has(f.case)) throw new Error(`case '${f.case}' is given twice: ${seen.get(f.case)} and ${f.label}`);
    seen.set(f.case, f.label);
  }
  return out;
}

function findT2(f: Found, images: string | undefined): string | null {
  for (const dir of [images, f.imagesTr]) {
    if (!dir) continue;
    for (const name of [`${f.case}_0000.nii.gz`, `${f.case}_0000.nii`, `${f.case}.nii.gz`, `${f.case}.nii`]) {
      if (existsSync(join(dir, name))) return join(dir, name);
    }
  }
  const record = join(dirname(f.label), `${f.case}_measurements.json`);
  if (existsSync(record)) {
    try {
      const input = (JSON.parse(readFileSync(record, 'utf8')) as { input?: unknown }).input;
      if (typeof input === 'string' && existsSync(input)) return input;
    } catch {
      // not a meatus record: no T2 from it
    }
  }
  return null;
}

/**
 * The `dates.csv` of an input folder: in it, or in the dataset folder above it when it is an nnU-Net
 * `labelsTr/` or `imagesTr/` (where `meatus phantom` and DICOM import write it); null when none.
 */
export function datesBeside(folder: string): string | null {
  const here = join(folder, 'dates.csv');
  if (existsSync(here)) return here;
  const above = join(dirname(resolve(folder)), 'dates.csv');
  return /^(labels|images)Tr$/.test(basename(resolve(folder))) && existsSync(above) ? above : null;
}

function loadDates(o: GrowthRunOptions, found: Found[]): { dates: ScanDates | null; file: string | null } {
  let file = o.dates ?? null;
  if (file === null) {
    const roots = [...new Set(found.map((f) => f.root).filter((r): r is string => r !== null))];
    if (roots.length === 1) file = datesBeside(roots[0]);
  }
  if (file === null) return { dates: null, file: null };
  if (!existsSync(file)) throw new Error(`--dates ${file}: no such file`);
  return { dates: parseScanDates(readFileSync(file, 'utf8'), file), file };
}

/** `measure` of a label map read from `file`, its errors naming the file. */
function measureLabel(label: Volume, file: string, toVoxelEdges: boolean | undefined): Measurements {
  try {
    return measure(label, { toVoxelEdges });
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/**
 * Runs the growth analysis (see the file comment); checks the options and output before reading
 * any image, and every label map and every patient's dates before writing anything; a failure
 * while writing the reports removes the files this run wrote.
 * @throws Error naming the file or option: a missing input, no label map, a case given twice, a
 *   bad dates file or a dated/undated mix within a patient, a label map with values other than
 *   0/1/2, a T2 on another grid, existing output without `overwrite`.
 */
export async function runGrowth(o: GrowthRunOptions): Promise<GrowthRunResult> {
  const thresholds = resolveGrowthThresholds(o.thresholds);
  const names = ['growth.json', 'growth.csv'];
  checkOutput('--out', o.out, { kind: 'dir', overwrite: o.overwrite, outputs: names });
  if (o.images !== undefined && !(existsSync(o.images) && statSync(o.images).isDirectory())) throw new Error(`--images ${o.images}: not a folder`);
  const found = findLabels(o.inputs);
  const { dates, file: datesFile } = loadDates(o, found);
  const groups = groupByPatient(found.map((f) => f.case), o.pattern);
  const pattern = casePattern(o.pattern);
  const unmatched = found.filter((f) => !pattern.exec(f.case)?.groups?.patient).map((f) => f.case);
  if (unmatched.length) {
    const list = unmatched.length > 3 ? `${unmatched.slice(0, 3).join(', ')}, …` : unmatched.join(', ');
    o.log?.(`${unmatched.length} of ${found.length} case names do not match the case pattern (${list}): each is a patient of its own, with one scan`);
  }
  if (!o.overwrite) {
    for (const p of groups.keys()) checkOutput('--out', join(o.out, `${p}_growth.html`), { kind: 'file' });
  }
  const byCase = new Map(found.map((f) => [f.case, f]));
  // Pass 1: every label map read and measured and every patient's dates checked before anything is
  // written (only the measurements are kept: a whole-head label map is 10 MB).
  const patients: { patient: string; cases: string[]; bySide: GrowthSeries[] }[] = [];
  const measured = new Map<string, Measurements>();
  for (const [patient, ids] of groups) {
    for (const id of ids) {
      const f = byCase.get(id.name)!;
      const m = measureLabel(await readNifti(f.label), f.label, o.toVoxelEdges);
      measured.set(id.name, m);
      const size = (x: Measurements) => `reported size ${x.guideline.reportedSize.mm.toFixed(1)} mm, whole tumour ${x.volumes.wholeTumour.mm3.toFixed(0)} mm³`;
      o.log?.(`${id.name}: ${m.sides ? `both sides: left ${size(m.sides.left)}; right ${size(m.sides.right)}` : size(m)}`);
    }
    const inputs = ids.map((id) => ({ case: id.name, date: dates?.get(id.name) ?? null, measurements: measured.get(id.name)! }));
    if (dates !== null && inputs.every((i) => i.date === null)) {
      throw new Error(`${datesFile}: no date for any scan of patient '${patient}' (${inputs.map((i) => i.case).join(', ')})`);
    }
    const bySide = computeGrowthBySide(patient, inputs, thresholds);
    const byDate = bySide[0].timepoints.map((t) => t.case);
    if (byDate.some((c, k) => c !== ids[k].name)) o.log?.(`${patient}: the dates order the scans ${byDate.join(', ')}, not as their names do; the dates are followed`);
    patients.push({ patient, cases: ids.map((id) => id.name), bySide });
  }
  if (dates === null) o.log?.('no dates (no --dates, no dates.csv beside the inputs): scans ordered by their names, no rates per year');
  // Pass 2: the reports, one patient at a time (label maps and T2s read again); a failure removes
  // what this run wrote, so no half-written output is left.
  const series = patients.flatMap((p) => p.bySide);
  const files: string[] = [];
  makeDirs(o.out);
  try {
    for (const { patient, cases, bySide } of patients) {
      const scans: GrowthScan[] = [];
      for (const name of cases) {
        const f = byCase.get(name)!;
        const label = await readNifti(f.label);
        const labelU8: Volume<Uint8Array> = { ...label, data: Uint8Array.from(label.data as ArrayLike<number>) }; // 0/1/2: measure checked
        const t2Path = findT2(f, o.images);
        if (o.images !== undefined && (t2Path === null || resolve(dirname(t2Path)) !== resolve(o.images))) {
          o.log?.(`${name}: no ${name}_0000.nii.gz or ${name}.nii.gz (or .nii) in --images ${o.images}${t2Path === null ? '' : `: its T2 is ${t2Path}`}`);
        }
        let t2: Volume | null = null;
        if (t2Path !== null) {
          t2 = await readNifti(t2Path);
          if (t2.shape.some((x, k) => x !== label.shape[k])) throw new Error(`${t2Path}: shape ${t2.shape.join('×')} differs from its label map ${f.label} (${label.shape.join('×')})`);
        } else o.log?.(`${name}: no T2 found: its thumbnail shows the labels alone`);
        scans.push({ case: name, t2, label: labelU8, measurements: measured.get(name)! });
      }
      const html = renderGrowthReport({ series: bySide, scans, palette: o.palette, notice: o.notice, extraHtml: o.extraHtml ? await o.extraHtml(scans) : undefined });
      const path = join(o.out, `${patient}_growth.html`);
      await writeFileAtomic(path, html);
      files.push(path);
      for (const s of bySide) o.log?.(`${patient}: ${s.summary}`);
    }
    const json = { meatus: 'growth', thresholds, datesFile: datesFile === null ? null : resolve(datesFile), patients: series };
    await writeFileAtomic(join(o.out, 'growth.json'), JSON.stringify(json, null, 2) + '\n');
    files.push(join(o.out, 'growth.json'));
    await writeFileAtomic(join(o.out, 'growth.csv'), growthCsv(series));
    files.push(join(o.out, 'growth.csv'));
  } catch (e) {
    for (const f of files) rmSync(f, { force: true });
    throw e;
  }
  return { series, files };
}
