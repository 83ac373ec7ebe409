/**
 * `meatus experiment`: the paper's experiment (baseline vs two-stage with the γ sweep of the
 * Boundary Distance Loss) from one config file — `run` trains what is missing, predicts, evaluates
 * and writes the results folder; `status` tells what exists.
 */
import { resolve } from 'node:path';
import { readExperimentConfig } from '../experiment/config.js';
import { describeWork, runExperiment } from '../experiment/run.js';
import { existsSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { parseCommand, runSubcommand, UsageError } from './args.js';
import { checkOutput } from '../util/output-path.js';
import { layout } from '../experiment/work.js';

/** One-line description for `meatus --help`. */
export const summary = "run the paper's experiment from a config (train, predict, evaluate, compare, results.md)";

const USAGE = `usage: meatus experiment run CONFIG [--out DIR] [--dry-run] [--overwrite]
       meatus experiment status CONFIG [--out DIR]

  run       trains every method that is not finished (resuming interrupted runs), predicts the
            test split (stage 2 on stage-1 predictions, and on the reference WT: the upper bound),
            evaluates, and writes compare/ (Tables 1-2, Wilcoxon, Figs. 2-3) and results.md
  status    lists what exists in the results folder and what a run would do

options:
  --out DIR      results folder (default: the config's "output", relative to the config file;
                 --output is an alias)
  --dry-run      print the plan of work and exit
  --overwrite    run again over a finished experiment (one with results.md), rewriting its
                 evaluations, comparison and results.md; without it such a folder is refused.
                 An interrupted run resumes without it.

An example config: experiments/phantom-paper.json.`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  return runSubcommand('experiment', USAGE, argv, { run: (rest) => experiment('run', rest), status: (rest) => experiment('status', rest) });
}

async function experiment(sub: 'run' | 'status', argv: string[]): Promise<number> {
  const out = { out: { type: 'string' } } as const;
  const options: ParseArgsConfig['options'] = sub === 'run' ? { ...out, 'dry-run': { type: 'boolean' }, overwrite: { type: 'boolean' } } : out;
  const a = parseCommand({ name: `experiment ${sub}`, usage: USAGE, options: options!, positionals: { min: 1, max: 1, name: 'CONFIG' }, aliases: { output: 'out' } }, argv);
  if (typeof a === 'number') return a;
  const values = a.values as { out?: string; 'dry-run'?: boolean; overwrite?: boolean };
  const cfg = await readExperimentConfig(a.positionals[0]);
  if (values.out !== undefined) cfg.output = resolve(values.out);
  checkOutput('--out', cfg.output, { kind: 'dir', overwrite: true });
  const results = layout(cfg.output).results;
  const finished = existsSync(results) && !values.overwrite
    ? `${cfg.output} holds a finished experiment (${results}); give --overwrite to run it again over its results, or --out for another folder`
    : null;
  if (sub === 'status' || values['dry-run']) {
    console.log((await describeWork(cfg)).join('\n'));
    if (finished) console.log(`\nrun${values.overwrite ? '' : ' (without --overwrite)'} would refuse: ${finished}`);
    if (values['dry-run']) console.log('(dry run: nothing was done)');
    return 0;
  }
  if (finished) throw new UsageError(finished);
  const r = await runExperiment(cfg);
  const done = r.steps.filter((s) => s.status === 'done').length;
  console.log(`experiment ${cfg.name}: ${done} steps done, ${r.steps.length - done} skipped, ${(r.seconds / 60).toFixed(1)} min; results in ${r.output}/results.md`);
  return 0;
}
