/**
 * The files `meatus evaluate` and `meatus compare` write, each atomically:
 *
 * - evaluate: `cases.csv` (per case), `summary.json` (per class and metric: n, mean, SD, median,
 *   p25, p75, NaN and inf counts), `table1.md`, `table2.md`.
 * - compare: `table1.md/.csv`, `table2.md/.csv`, `wilcoxon.md/.csv`, `fig2_dice.svg/.png`,
 *   `fig2_assd.svg/.png`, and with images `fig3_<id>.png`.
 *
 * In JSON, non-finite numbers are written as the strings `"inf"`, `"-inf"` and `"nan"`.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { svgToPng } from '../util/svg.js';
import { readNifti } from '../volume/nifti-file.js';
import { boxPlot, mostDifferentCases, panelPng } from './figures.js';
import { listLabelMaps, type FolderEvaluation } from './folder.js';
import { CLASSES, type CaseMetrics, type ClassName, type MetricOptions } from './metrics.js';
import { DISTANCE_DEFINITIONS, describeDistances, type DistanceDefinition } from './surface.js';
import { summarize, type Summary } from './stats.js';
import {
  CLASS_LABELS,
  METRICS,
  casesToCsv,
  column,
  csvNumber,
  fmt,
  pairTests,
  parseCasesCsv,
  table1,
  table2,
  wilcoxonTable,
  type MethodCases,
} from './tables.js';

/** `summary.json`. */
export interface EvaluationSummary {
  pred: string;
  ref: string;
  options: Omit<MetricOptions, 'names'>;
  /** The ASSD/HD95 definition used (`options.distance` or the default), and what it computes. */
  distance: DistanceDefinition;
  distances: string;
  counts: { cases: number; missingPredictions: number; missingReferences: number };
  missingPredictions: string[];
  missingReferences: string[];
  classes: Record<ClassName, Record<'dice' | 'assd' | 'hd95', Summary>>;
  boundaryAssd: Summary;
}

/** JSON text with non-finite numbers as `"inf"`, `"-inf"`, `"nan"` (2-space indented). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? csvNumber(v) : v), 2) + '\n';
}

/** The summary of a folder evaluation. */
export function evaluationSummary(ev: FolderEvaluation, options: Omit<MetricOptions, 'names'> = {}): EvaluationSummary {
  const classes = {} as EvaluationSummary['classes'];
  for (const c of CLASSES) {
    classes[c] = Object.fromEntries(METRICS.map((m) => [m, summarize(column(ev.cases, c, m))])) as EvaluationSummary['classes'][ClassName];
  }
  const distance = options.distance ?? 'medpy';
  return {
    pred: ev.predDir,
    ref: ev.refDir,
    options,
    distance,
    distances: describeDistances(distance),
    counts: { cases: ev.cases.length, missingPredictions: ev.missingPredictions.length, missingReferences: ev.missingReferences.length },
    missingPredictions: ev.missingPredictions,
    missingReferences: ev.missingReferences,
    classes,
    boundaryAssd: summarize(ev.cases.map((c) => c.boundaryAssd)),
  };
}

/**
 * Writes `cases.csv`, `summary.json`, `table1.md` and `table2.md` of one evaluation to `out`.
 * @param name - The method's row name in the tables (default 'prediction').
 */
export async function writeEvaluation(out: string, ev: FolderEvaluation, options: Omit<MetricOptions, 'names'> = {}, name = 'prediction'): Promise<EvaluationSummary> {
  const summary = evaluationSummary(ev, options);
  const method = [{ name, cases: ev.cases }];
  await writeFileAtomic(join(out, 'cases.csv'), casesToCsv(ev.cases));
  await writeFileAtomic(join(out, 'summary.json'), toJson(summary));
  await writeFileAtomic(join(out, 'table1.md'), table1(method).markdown);
  await writeFileAtomic(join(out, 'table2.md'), table2(method).markdown + distanceNote(summary.distance));
  return summary;
}

/**
 * Reads a method's per-case metrics from the `cases.csv` in a folder written by `meatus evaluate`.
 * @throws Error naming the file when it is missing or malformed.
 */
export async function readMethod(name: string, dir: string): Promise<MethodCases> {
  const file = join(dir, 'cases.csv');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`method '${name}': cannot read ${file} (${(e as Error).message}); expected a folder written by meatus evaluate`);
  }
  const cases = parseCasesCsv(text, file);
  const summaryFile = join(dir, 'summary.json');
  // summary.json names the definition since meatus 0.1's fix of HD95; older folders leave it unknown.
  const summary = await readFile(summaryFile, 'utf8').then(
    (t) => JSON.parse(t) as { distance?: unknown },
    () => null,
  );
  const distance = summary?.distance;
  if (distance !== undefined && !DISTANCE_DEFINITIONS.includes(distance as DistanceDefinition)) {
    throw new Error(`method '${name}': ${summaryFile}: distance ${JSON.stringify(distance)} is not one of ${DISTANCE_DEFINITIONS.join(', ')}`);
  }
  return { name, cases, distance: distance as DistanceDefinition | undefined };
}

/**
 * @throws Error naming the methods when two of them share no case id (their tests would have n = 0).
 */
export function checkSharedCases(methods: MethodCases[]): void {
  for (let i = 0; i < methods.length; i++) {
    const ids = new Set(methods[i].cases.map((c) => c.id));
    for (let j = i + 1; j < methods.length; j++) {
      if (!methods[j].cases.some((c) => ids.has(c.id))) {
        throw new Error(
          `methods '${methods[i].name}' (${methods[i].cases.length} cases) and '${methods[j].name}' (${methods[j].cases.length} cases) share no case id; ` +
            'expected evaluations of the same cases',
        );
      }
    }
  }
}

/** The line naming the ASSD/HD95 definition under a table. */
function distanceNote(distance: DistanceDefinition | undefined): string {
  return distance ? `\nASSD and HD95 by ${describeDistances(distance)}.\n` : '';
}

/**
 * The one definition all `methods` were scored with (undefined when none says).
 * @throws Error naming the methods when they were scored with different definitions.
 */
export function commonDistance(methods: MethodCases[]): DistanceDefinition | undefined {
  const known = methods.filter((m) => m.distance !== undefined);
  const kinds = [...new Set(known.map((m) => m.distance))];
  if (kinds.length > 1) {
    throw new Error(
      `the methods were scored with different ASSD/HD95 definitions (${known.map((m) => `${m.name}: ${m.distance}`).join(', ')}); evaluate them again with one --distance`,
    );
  }
  return kinds[0];
}

/** Where to find the volumes of Fig. 3. */
export interface PanelSources {
  /** Images: `<id>_0000.nii.gz` or `<id>.nii.gz`, directly or in `imagesTr/` / `imagesTs/`. */
  image: string;
  /** References (see `listLabelMaps`). */
  ref: string;
  /** Prediction folder per method name. */
  pred: Record<string, string>;
  /** How many cases (default 2). */
  cases?: number;
}

/** The image of a case in `dir`. @throws Error naming the paths tried. */
export async function findImage(dir: string, id: string): Promise<string> {
  const tried: string[] = [];
  for (const sub of ['', 'imagesTr', 'imagesTs']) {
    for (const name of [`${id}_0000.nii.gz`, `${id}_0000.nii`, `${id}.nii.gz`, `${id}.nii`]) {
      const p = join(dir, sub, name);
      if ((await stat(p).catch(() => null))?.isFile()) return p;
      tried.push(p);
    }
  }
  throw new Error(`image of case '${id}': not found in ${dir}; tried ${tried.slice(0, 4).join(', ')} (also under imagesTr/, imagesTs/)`);
}

function diceLine(c: CaseMetrics | undefined): string {
  if (!c) return '';
  const d = (k: ClassName) => (Number.isNaN(c.classes[k].dice) ? 'n/a' : fmt(c.classes[k].dice, 3));
  return `Dice ${(['extrameatal', 'intrameatal'] as const).map((k) => `${CLASS_LABELS[k]} ${d(k)}`).join(' · ')}`;
}

/**
 * Writes Fig. 3-style panels for the `src.cases` cases where the methods differ most.
 * @returns the files written.
 * @throws Error if a method has no prediction folder, or a file is missing or unreadable.
 */
export async function writePanels(out: string, methods: MethodCases[], src: PanelSources): Promise<string[]> {
  const missing = methods.filter((m) => !(m.name in src.pred)).map((m) => m.name);
  if (missing.length) throw new Error(`--pred: no prediction folder for method(s) ${missing.join(', ')}; expected --pred NAME=DIR for every --method`);
  const refs = await listLabelMaps(src.ref, 'references');
  const preds = await Promise.all(methods.map((m) => listLabelMaps(src.pred[m.name], `predictions of '${m.name}'`)));
  const written: string[] = [];
  for (const id of mostDifferentCases(methods, src.cases ?? 2)) {
    const refPath = refs.files.get(id);
    if (!refPath) throw new Error(`references folder ${refs.dir}: no label map of case '${id}'`);
    const [image, reference] = await Promise.all([readNifti(await findImage(src.image, id)), readNifti(refPath)]);
    const labels = await Promise.all(
      preds.map((p, i) => {
        const f = p.files.get(id);
        if (!f) throw new Error(`predictions of '${methods[i].name}' in ${p.dir}: no label map of case '${id}'`);
        return readNifti(f);
      }),
    );
    const png = panelPng({
      heading: id,
      image,
      reference,
      tiles: [
        { title: 'T2', subtitle: 'image' },
        ...methods.map((m, i) => ({ title: m.name, subtitle: diceLine(m.cases.find((c) => c.id === id)), label: labels[i] })),
        { title: 'reference', subtitle: 'manual', label: reference },
      ],
    });
    const file = join(out, `fig3_${id.replace(/[^\w.-]/g, '_')}.png`);
    await writeFileAtomic(file, png);
    written.push(file);
  }
  return written;
}

/** Options of {@link writeComparison}. */
export interface ComparisonOptions {
  /** Also write Fig. 3 panels. */
  panels?: PanelSources;
  classes?: readonly ClassName[];
}

/**
 * Writes the combined tables, the Wilcoxon tests and Fig. 2 (and Fig. 3 with `opts.panels`).
 * @returns the files written.
 */
export async function writeComparison(out: string, methods: MethodCases[], opts: ComparisonOptions = {}): Promise<string[]> {
  const distance = commonDistance(methods);
  checkSharedCases(methods);
  const written: string[] = [];
  const put = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomic(join(out, name), data);
    written.push(join(out, name));
  };
  for (const [name, t] of [
    ['table1', table1(methods, opts.classes)],
    ['table2', table2(methods, opts.classes)],
    ['wilcoxon', wilcoxonTable(pairTests(methods, opts.classes), opts.classes)],
  ] as const) {
    await put(`${name}.md`, name === 'table1' ? t.markdown : t.markdown + distanceNote(distance));
    await put(`${name}.csv`, t.csv);
  }
  for (const metric of ['dice', 'assd'] as const) {
    const svg = boxPlot({
      title: metric === 'dice' ? 'Dice score per class' : 'ASSD per class',
      yLabel: metric === 'dice' ? 'Dice' : 'ASSD (mm)',
      methods,
      metric,
      classes: opts.classes,
    });
    await put(`fig2_${metric}.svg`, svg);
    await put(`fig2_${metric}.png`, svgToPng(svg, 1.5));
  }
  if (opts.panels) written.push(...(await writePanels(out, methods, opts.panels)));
  return written;
}
