/**
 * `meatus compare`: the paper's comparison of several evaluated methods — Tables 1–2 with one row
 * per method, pairwise Wilcoxon tests, Fig. 2 box plots and (given images) Fig. 3 panels.
 */
import { readMethod, writeComparison, type PanelSources } from '../evaluate/report.js';
import { parseCli, positive, UsageError } from './args.js';
import { checkOutput } from '../util/output-path.js';

/** One-line description for `meatus --help`. */
export const summary = 'compare evaluated methods (tables, Wilcoxon tests, box plots, qualitative panels)';

const USAGE = `usage: meatus compare --method NAME=EVALDIR [--method NAME=EVALDIR ...] --out DIR [options]

Reads each EVALDIR/cases.csv (written by meatus evaluate) and writes to --out: table1.md/.csv
(Dice mean ± SD), table2.md/.csv (ASSD median, p75, p25), wilcoxon.md/.csv (two-sided Wilcoxon
signed-rank p-values per pair of methods, class and metric, paired by case id) and Fig. 2 box
plots fig2_dice.svg/.png and fig2_assd.svg/.png. With --image, --ref and one --pred per method it
also writes fig3_<id>.png: an axial slice per method beside the reference, for the cases where
the methods differ most.

options:
  --method NAME=DIR   an evaluated method (repeat; rows in this order)
  --out DIR           output folder
  --image DIR         images (<id>_0000.nii.gz; an nnU-Net raw dataset works)
  --ref DIR           reference label maps (or an nnU-Net raw dataset)
  --pred NAME=DIR     predictions of method NAME (repeat)
  --panels K          number of Fig. 3 cases (default 2)
  --overwrite         write over the tables and figures of an earlier comparison in --out`;

/** Splits `NAME=DIR` values. @throws Error naming the flag for a malformed or repeated name. */
export function namedDirs(flag: string, list: unknown): [string, string][] {
  const out: [string, string][] = [];
  for (const v of (list as string[] | undefined) ?? []) {
    const i = v.indexOf('=');
    if (i <= 0 || i === v.length - 1) throw new UsageError(`--${flag}: expected NAME=DIR, got '${v}'`);
    const name = v.slice(0, i);
    if (out.some(([n]) => n === name)) throw new UsageError(`--${flag}: method '${name}' given twice; expected distinct names`);
    out.push([name, v.slice(i + 1)]);
  }
  return out;
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const s = { type: 'string' } as const;
  const many = { type: 'string', multiple: true } as const;
  const values = parseCli('compare', USAGE, argv, { method: many, out: s, image: s, ref: s, pred: many, panels: s, overwrite: { type: 'boolean' } }, ['method', 'out']);
  if (typeof values === 'number') return values;
  const named = namedDirs('method', values.method);
  const preds = namedDirs('pred', values.pred);
  const k = positive('panels', values.panels) ?? 2;
  const given = [values.image, values.ref, preds.length ? preds : undefined].filter((v) => v !== undefined).length;
  if (given > 0 && given < 3) throw new UsageError('--image, --ref and --pred: expected all three (for Fig. 3 panels) or none');
  checkOutput('--out', String(values.out), { kind: 'dir', overwrite: Boolean(values.overwrite), outputs: ['table1.md', 'table2.md', 'wilcoxon.md', 'fig2_dice.svg'] });
  const methods = await Promise.all(named.map(([name, dir]) => readMethod(name, dir)));
  const panels: PanelSources | undefined =
    given === 3 ? { image: String(values.image), ref: String(values.ref), pred: Object.fromEntries(preds), cases: k } : undefined;
  const written = await writeComparison(String(values.out), methods, { panels });
  console.log(`compared ${methods.length} methods (${methods.map((m) => `${m.name}: ${m.cases.length} cases`).join(', ')})`);
  console.log(`wrote ${written.length} files to ${String(values.out)}`);
  return 0;
}
