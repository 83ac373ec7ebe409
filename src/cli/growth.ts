/**
 * `meatus growth`: the growth of each patient's tumour over its scans — from label maps (or T2
 * scans it segments first) and scan dates — as `growth.json`, `growth.csv` and one HTML report
 * per patient. The work is `runGrowth` (`src/measure/growth-run.ts`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { oneOf, parseCommand, positive, UsageError } from './args.js';
import { checkOutput } from '../util/output-path.js';
import { datesBeside, runGrowth } from '../measure/growth-run.js';
import { orderScans, resolveGrowthThresholds } from '../measure/growth.js';
import { casePattern, groupByPatient } from '../data/cases.js';
import { parseScanDates } from '../data/scan-dates.js';
import { viewerHtml } from '../measure/viewer.js';

/** One-line description for `meatus --help`. */
export const summary = 'growth of each patient\'s tumour over time: volumes, reported diameter, rates, doubling time, report';

const USAGE = `usage: meatus growth INPUT... --out DIR [options]

  INPUT            label maps (.nii/.nii.gz, 0 background, 1 extrameatal, 2 intrameatal) or folders
                   of them: meatus segment's output, or an nnU-Net dataset (its labelsTr/); with
                   --segment, T2 scans, folders of them or an nnU-Net dataset (its imagesTr/),
                   segmented first (into DIR/segmentation)
  --out DIR        writes growth.json, growth.csv and <patient>_growth.html

  --dates CSV      scan dates, a 'case,date' CSV with ISO dates (default: dates.csv in the input
                   folder, or in the dataset above its labelsTr/ or imagesTr/; without dates the
                   scans are ordered by their <patient>_t<k> names)
  --images DIR     T2 scans for the thumbnails and the viewer (<case>_0000.nii.gz or <case>.nii.gz;
                   default: imagesTr/ of a dataset, or the input recorded by meatus segment)
  --pattern RE     case-name pattern with a 'patient' group (default: <patient>_t<k>)
  --segment        the inputs are T2 scans: segment them first with the built-in model or --models
  --models DIR     with --segment: folder with stage1/stage2.safetensors
  --linear-mm X    significant change of the reported diameter, mm (default 2)
  --volume-pct X   significant whole-tumour volume change, % (default 20)
  --watch-pct X    borderline volume change, % (default 10)
  --edges          measure to voxel edges instead of voxel centres
  --palette P      overlay colours: default (EM red, IM green) or colour-blind (EM orange, IM blue)
  --no-viewer      leave the interactive viewer (NiiVue, inlined, ~3 MB, plus each scan) out of the reports
  --overwrite      replace existing growth.json, growth.csv and reports in DIR`;

const OPTIONS = {
  out: { type: 'string' },
  dates: { type: 'string' },
  images: { type: 'string' },
  pattern: { type: 'string' },
  segment: { type: 'boolean' },
  models: { type: 'string' },
  'linear-mm': { type: 'string' },
  'volume-pct': { type: 'string' },
  'watch-pct': { type: 'string' },
  edges: { type: 'boolean' },
  palette: { type: 'string' },
  'no-viewer': { type: 'boolean' },
  overwrite: { type: 'boolean' },
} as const;

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand({ name: 'growth', usage: USAGE, options: OPTIONS, required: ['out'], positionals: { min: 1, max: Infinity, name: 'INPUT' } }, argv);
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  if (v.models !== undefined && !v.segment) throw new UsageError('--models: goes with --segment');
  const palette = oneOf('palette', v.palette, ['default', 'colour-blind'] as const);
  const thresholds = { linearMm: positive('linear-mm', v['linear-mm'], false), volumePercent: positive('volume-pct', v['volume-pct'], false), volumeWatchPercent: positive('watch-pct', v['watch-pct'], false) };
  const out = resolve(v.out!);
  checkOutput('--out', out, { kind: 'dir', overwrite: v.overwrite, outputs: ['growth.json', 'growth.csv'] }); // before any segmentation
  try {
    resolveGrowthThresholds(Object.fromEntries(Object.entries(thresholds).filter(([, x]) => x !== undefined)));
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^growth thresholds: /, '').replace(/volumeWatchPercent/g, '--watch-pct').replace(/volumePercent/g, '--volume-pct'));
  }
  // Options that name files or a pattern: usage errors, before anything is read or segmented.
  if (v.dates !== undefined && !existsSync(v.dates)) throw new UsageError(`--dates ${v.dates}: no such file`);
  if (v.dates !== undefined && isDir(v.dates)) throw new UsageError(`--dates ${v.dates}: a folder; expected a CSV file (case,date)`);
  if (v.images !== undefined && !isDir(v.images)) throw new UsageError(`--images ${v.images}: not a folder`);
  if (v.pattern !== undefined) {
    try {
      casePattern(v.pattern);
    } catch (e) {
      throw new UsageError(`--pattern ${(e as Error).message.replace(/^case pattern: /, '')}`);
    }
  }
  let inputs = positionals;
  let notice: string | undefined;
  let dates = v.dates;
  if (v.segment) {
    const seg = join(out, 'segmentation');
    const { run: segment } = await import('./segment.js');
    // An nnU-Net dataset folder: its imagesTr/; its dates.csv, unless --dates, goes with it.
    const scans = positionals.map((p) => (isDir(join(p, 'imagesTr')) ? join(p, 'imagesTr') : p));
    if (dates === undefined && positionals.length === 1 && isDir(positionals[0])) dates = datesBeside(scans[0]) ?? undefined;
    // Every patient's dates checked before minutes of segmenting.
    if (dates !== undefined) {
      const parsed = parseScanDates(readFileSync(dates, 'utf8'), dates);
      const { collectInputs, caseIdOf } = await import('./segment.js');
      for (const [patient, ids] of groupByPatient(collectInputs(scans).map(caseIdOf), v.pattern)) {
        orderScans(patient, ids.map((id) => ({ case: id.name, date: parsed.get(id.name) ?? null })));
      }
    }
    const code = await segment([...scans, '--out', seg, '--no-report', ...(v.models ? ['--models', v.models] : []), ...(v.edges ? ['--edges'] : []), ...(v.overwrite ? ['--overwrite'] : [])]);
    if (code !== 0) return code;
    inputs = [seg];
    if (v.models === undefined) notice = 'Not for clinical use: the label maps come from meatus\'s built-in model, trained on synthetic phantoms, not on patient scans.';
  }
  const result = await runGrowth({
    inputs,
    out,
    dates,
    images: v.images,
    pattern: v.pattern,
    thresholds: Object.fromEntries(Object.entries(thresholds).filter(([, x]) => x !== undefined)),
    toVoxelEdges: v.edges,
    palette,
    overwrite: v.overwrite,
    notice,
    extraHtml: v['no-viewer'] ? undefined : (scans) => viewerHtml(scans, { palette }),
    log: (line) => console.log(line),
  });
  console.log(`wrote ${result.files.join(', ')}`);
  return 0;
}
