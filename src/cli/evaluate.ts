/**
 * `meatus evaluate`: Dice, ASSD, HD95 and boundary ASSD of a folder of predictions against a folder
 * of references, with the paper's Tables 1–2 for this one method.
 */
import { nonNegative, oneOf, parseCli, positive } from './args.js';
import { checkOutput } from '../util/output-path.js';
import { evaluateFolder } from '../evaluate/folder.js';
import type { MetricOptions } from '../evaluate/metrics.js';
import { DISTANCE_DEFINITIONS } from '../evaluate/surface.js';
import { toJson, writeEvaluation } from '../evaluate/report.js';
import { ProgressBar } from '../util/progress.js';

/** One-line description for `meatus --help`. */
export const summary = 'evaluate predictions against references (Dice, ASSD, HD95; Tables 1–2)';

const USAGE = `usage: meatus evaluate --pred DIR --ref DIR --out DIR [options]

Pairs <id>.nii.gz (or .nii) label maps of --pred and --ref by id (--ref may be an nnU-Net raw
dataset: its labelsTr/ is used) and writes to --out: cases.csv (one row per case), summary.json
(per class and metric: n, mean, SD, median, p25, p75, NaN/inf counts), table1.md (Dice mean ± SD)
and table2.md (ASSD median, p75, p25).

options:
  --pred DIR             predicted label maps
  --ref DIR              reference label maps (or an nnU-Net raw dataset)
  --out DIR              output folder
  --name NAME            the method's row name in the tables (default: prediction)
  --empty-dice nan|one   Dice when a class is absent from both (default: the metrics' default)
  --distance D           whose ASSD/HD95 definitions: medpy (default; medpy 0.5.2: ASSD and HD95
                         over both directed surface-distance sets pooled), medpy-0.4 (ASSD the
                         mean of the two directed means, as medpy 0.4.0 and crossMoDA 2021-22),
                         monai (HD95 the larger of the two directed 95th percentiles)
  --penalty MM           ASSD/HD95 when a class is absent from exactly one (default: inf)
  --jobs N               worker threads (default 2; --threads is an alias)
  --chill                evaluate the predictions present when some references have none (listed
                         as a warning and in summary.json); without it that is an error, as in
                         nnU-Net's nnUNetv2_evaluate_folder
  --overwrite            write over an earlier evaluation in --out
  --json                 print summary.json to stdout`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const s = { type: 'string' } as const;
  const values = parseCli(
    'evaluate',
    USAGE,
    argv,
    { pred: s, ref: s, out: s, name: s, 'empty-dice': s, distance: s, penalty: s, jobs: s, overwrite: { type: 'boolean' }, chill: { type: 'boolean' }, json: { type: 'boolean' } },
    ['pred', 'ref', 'out'],
    { aliases: { threads: 'jobs' } },
  );
  if (typeof values === 'number') return values;
  const options: Omit<MetricOptions, 'names'> = {};
  const emptyDice = oneOf('empty-dice', values['empty-dice'], ['nan', 'one'] as const);
  const distance = oneOf('distance', values.distance, DISTANCE_DEFINITIONS);
  const penalty = nonNegative('penalty', values.penalty);
  if (emptyDice) options.emptyDice = emptyDice;
  if (distance) options.distance = distance;
  if (penalty !== undefined) options.emptyPenalty = penalty;
  const threads = positive('jobs', values.jobs);
  checkOutput('--out', String(values.out), { kind: 'dir', overwrite: Boolean(values.overwrite), outputs: ['cases.csv', 'summary.json', 'table1.md', 'table2.md'] });
  let bar: ProgressBar | undefined;
  const ev = await evaluateFolder(String(values.pred), String(values.ref), {
    ...options,
    threads,
    chill: Boolean(values.chill),
    onCase: (done, total, id) => {
      bar ??= new ProgressBar(total, 'evaluate');
      bar.tick(1, id);
    },
  });
  const out = String(values.out);
  const result = await writeEvaluation(out, ev, options, values.name === undefined ? undefined : String(values.name));
  const warn = (what: string, ids: string[]) => {
    if (ids.length) console.error(`warning: ${ids.length} ${what}: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`);
  };
  warn(`references without a prediction in ${ev.predDir}`, ev.missingPredictions);
  warn(`predictions without a reference in ${ev.refDir}`, ev.missingReferences);
  if (values.json) console.log(toJson(result).trimEnd());
  else {
    console.log(`evaluated ${ev.cases.length} cases in ${ev.seconds.toFixed(1)} s; wrote cases.csv, summary.json, table1.md, table2.md to ${out}`);
    console.log(`ASSD and HD95 by ${result.distances}`);
  }
  return 0;
}
