/**
 * `meatus experiment`: the paper's experiment (baseline vs two-stage with the γ sweep of the
 * Boundary Distance Loss) from one config file — `run` trains what is missing, predicts, evaluates
 * and writes the results folder; `status` tells what exists.
 */
import { resolve } from 'node:path';
import { readExperimentConfig } from '../experiment/config.js';
import { describeWork, runExperiment } from '../experiment/run.js';
import { parseCli } from './args.js';

/** One-line description for `meatus --help`. */
export const summary = "run the paper's experiment from a config (train, predict, evaluate, compare, results.md)";

const USAGE = `usage: meatus experiment run CONFIG [--output DIR] [--dry-run]
       meatus experiment status CONFIG [--output DIR]

  run       trains every method that is not finished (resuming interrupted runs), predicts the
            test split (stage 2 on stage-1 predictions, and on the reference WT: the upper bound),
            evaluates, and writes compare/ (Tables 1-2, Wilcoxon, Figs. 2-3) and results.md
  status    lists what exists in the results folder and what a run would do

options:
  --output DIR   results folder (default: the config's "output", relative to the config file)
  --dry-run      print the plan of work and exit

An example config: experiments/phantom-paper.json.`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'run' && sub !== 'status') {
    console.error(`meatus experiment: unknown subcommand '${sub}'; expected run or status\n\n${USAGE}`);
    return 2;
  }
  const configArg = rest.find((a, i) => !a.startsWith('-') && rest[i - 1] !== '--output');
  const values = parseCli(`experiment ${sub}`, USAGE, rest.filter((a) => a !== configArg), { output: { type: 'string' }, 'dry-run': { type: 'boolean' } }, []);
  if (typeof values === 'number') return values;
  if (!configArg) {
    console.error(`meatus experiment ${sub}: CONFIG required\n\n${USAGE}`);
    return 2;
  }
  const cfg = await readExperimentConfig(configArg);
  if (values.output !== undefined) cfg.output = resolve(String(values.output));
  if (sub === 'status' || values['dry-run']) {
    console.log((await describeWork(cfg)).join('\n'));
    if (values['dry-run']) console.log('(dry run: nothing was done)');
    return 0;
  }
  const r = await runExperiment(cfg);
  const done = r.steps.filter((s) => s.status === 'done').length;
  console.log(`experiment ${cfg.name}: ${done} steps done, ${r.steps.length - done} skipped, ${(r.seconds / 60).toFixed(1)} min; results in ${r.output}/results.md`);
  return 0;
}
