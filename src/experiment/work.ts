/**
 * The work of an experiment, derived from its config: the training runs (`runs/<run>-s<seed>/`),
 * the prediction sets on the test split (`predictions/<set>-s<seed>/`), and where each lives in the
 * results folder; plus the state of each on disk (finished, interrupted, missing), for skipping
 * finished work, `--dry-run` and `meatus experiment status`.
 *
 * Names: runs `baseline`, `stage1`, `stage2-g<γ>` (stage 2 trained with the reference WT, the
 * paper), `stage2pred-g<γ>` (stage 2 trained on stage-1 predictions); prediction sets `baseline`,
 * `stage1` (the WT mask), `stage2-g<γ>` (stage 2 on the stage-1 prediction of the same seed, as in
 * the paper), `stage2-g<γ>-refWT` (stage 2 on the reference WT: the upper bound),
 * `stage2pred-g<γ>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '../preprocess/types.js';
import type { ExperimentConfig } from './config.js';

/** One training run. */
export interface RunSpec {
  /** `baseline`, `stage1`, `stage2-g0.5`, `stage2pred-g0.5`. */
  id: string;
  task: Task;
  seed: number;
  gamma: number;
  stage2Input: 'reference' | 'prediction';
  /** The run folder. */
  dir: string;
}

/** What a prediction set's label maps come from. */
export type PredictionSource =
  | { kind: 'baseline'; run: RunSpec }
  | { kind: 'stage1'; run: RunSpec }
  | { kind: 'stage2'; run: RunSpec; wholeTumour: 'stage1' | 'reference'; stage1: RunSpec };

/** One prediction set (a method evaluated on the test split). */
export interface PredictionSpec {
  /** `baseline`, `stage1`, `stage2-g0.5`, `stage2-g0.5-refWT`, `stage2pred-g0.5`. */
  id: string;
  /** Row name in the tables. */
  label: string;
  seed: number;
  gamma: number | null;
  source: PredictionSource;
  /** `predictions/<id>-s<seed>/`. */
  dir: string;
  /** `eval/<id>-s<seed>/`. */
  evalDir: string;
}

/** The state of a run folder. */
export interface RunState {
  /** Epochs completed (from `log.jsonl`). */
  epochsDone: number;
  finished: boolean;
  hasBest: boolean;
}

/** Fixed folders of the results folder. */
export function layout(out: string) {
  return {
    dataset: join(out, 'dataset'),
    split: join(out, 'split.json'),
    plan: join(out, 'plan.json'),
    preprocessed: join(out, 'preprocessed'),
    reference: join(out, 'reference'),
    images: join(out, 'reference', 'images'),
    runs: join(out, 'runs'),
    predictions: join(out, 'predictions'),
    eval: join(out, 'eval'),
    compare: join(out, 'compare'),
    results: join(out, 'results.md'),
    log: join(out, 'experiment-log.jsonl'),
  };
}

/** γ as written in names (`0.05`). */
export function gammaName(g: number): string {
  return String(g);
}

/** Every training run of the config, in training order (stage 1 before the stage 2 runs of its seed). */
export function runSpecs(cfg: ExperimentConfig): RunSpec[] {
  const runs: RunSpec[] = [];
  const dir = (id: string, seed: number) => join(layout(cfg.output).runs, `${id}-s${seed}`);
  for (const seed of cfg.seeds) {
    const base = { seed, gamma: 0, stage2Input: 'reference' as const };
    if (cfg.methods.baseline) runs.push({ ...base, id: 'baseline', task: 'baseline', dir: dir('baseline', seed) });
    const gammas = cfg.methods.twoStage.gammas;
    if (gammas.length === 0) continue;
    runs.push({ ...base, id: 'stage1', task: 'wholeTumour', dir: dir('stage1', seed) });
    for (const g of gammas) runs.push({ ...base, id: `stage2-g${gammaName(g)}`, task: 'split', gamma: g, dir: dir(`stage2-g${gammaName(g)}`, seed) });
    if (cfg.methods.stage2OnPredictions) {
      for (const g of gammas) {
        const id = `stage2pred-g${gammaName(g)}`;
        runs.push({ ...base, id, task: 'split', gamma: g, stage2Input: 'prediction', dir: dir(id, seed) });
      }
    }
  }
  return runs;
}

/** Every prediction set of the config, in table order per seed (paper order, then the extras). */
export function predictionSpecs(cfg: ExperimentConfig): PredictionSpec[] {
  const runs = runSpecs(cfg);
  const L = layout(cfg.output);
  const out: PredictionSpec[] = [];
  const add = (id: string, label: string, seed: number, gamma: number | null, source: PredictionSource) =>
    out.push({ id, label, seed, gamma, source, dir: join(L.predictions, `${id}-s${seed}`), evalDir: join(L.eval, `${id}-s${seed}`) });
  for (const seed of cfg.seeds) {
    const run = (id: string) => runs.find((r) => r.id === id && r.seed === seed)!;
    if (cfg.methods.baseline) add('baseline', 'nnU-Net (baseline)', seed, null, { kind: 'baseline', run: run('baseline') });
    const gammas = cfg.methods.twoStage.gammas;
    if (gammas.length === 0) continue;
    const stage1 = run('stage1');
    add('stage1', 'stage 1: WT', seed, null, { kind: 'stage1', run: stage1 });
    for (const g of gammas) {
      const r = run(`stage2-g${gammaName(g)}`);
      add(r.id, `two-stage γ=${gammaName(g)}`, seed, g, { kind: 'stage2', run: r, wholeTumour: 'stage1', stage1 });
    }
    if (cfg.methods.upperBound) {
      for (const g of gammas) {
        const r = run(`stage2-g${gammaName(g)}`);
        add(`${r.id}-refWT`, `two-stage γ=${gammaName(g)}, reference WT (upper bound)`, seed, g, { kind: 'stage2', run: r, wholeTumour: 'reference', stage1 });
      }
    }
    if (cfg.methods.stage2OnPredictions) {
      for (const g of gammas) {
        const r = run(`stage2pred-g${gammaName(g)}`);
        add(r.id, `two-stage γ=${gammaName(g)}, trained on stage-1 WT`, seed, g, { kind: 'stage2', run: r, wholeTumour: 'stage1', stage1 });
      }
    }
  }
  return out;
}

/**
 * The state of a run folder from its `log.jsonl` (written by the trainer after each epoch's
 * checkpoint): finished when the last logged epoch is the config's last and the best checkpoint exists.
 */
export function runState(dir: string, epochs: number): RunState {
  const hasBest = existsSync(join(dir, 'checkpoint_best.safetensors'));
  const log = join(dir, 'log.jsonl');
  if (!existsSync(log)) return { epochsDone: 0, finished: false, hasBest };
  const lines = readFileSync(log, 'utf8').split('\n').filter((l) => l.trim() !== '');
  let last = -1;
  for (const l of lines) {
    try {
      last = Math.max(last, (JSON.parse(l) as { epoch: number }).epoch);
    } catch {
      throw new Error(`${log}: a line is not JSON; expected the trainer's epoch records`);
    }
  }
  return { epochsDone: last + 1, finished: last + 1 >= epochs && hasBest, hasBest };
}

/** How many of `ids` have a prediction `<id>.nii.gz` in `dir`. */
export function predictionsDone(dir: string, ids: readonly string[]): number {
  return ids.filter((id) => existsSync(join(dir, `${id}.nii.gz`))).length;
}
