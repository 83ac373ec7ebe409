/**
 * `runExperiment`: the paper's experiment end to end from an {@link ExperimentConfig} — dataset,
 * patient-level split, one plan and preprocessing, every training run (finished runs skipped,
 * interrupted ones resumed), predictions of the test split (stage 2 on the stage-1 prediction of
 * the same seed; the reference-WT upper bound), evaluation, comparison (Tables 1–2, Wilcoxon,
 * Figs. 2–3) and `results.md`. Each step prints a header and its time and appends a line to
 * `output/experiment-log.jsonl`. Running it again redoes nothing that is done.
 *
 * The results folder:
 * ```
 * dataset/  split.json  plan.json  preprocessed/  reference/ (test labels, images/)
 * runs/<run>-s<seed>/                 trainer run folders (checkpoints, log.jsonl, progress.png)
 * predictions/<set>-s<seed>/<id>.nii.gz
 * eval/<set>-s<seed>/                 cases.csv, summary.json, table1.md, table2.md
 * compare/ (compare/s<seed>/ with several seeds)   tables, wilcoxon, fig2_*, fig3_*
 * results.md  experiment-log.jsonl
 * ```
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readSplit, type Split } from '../data/split.js';
import type { MethodCases } from '../evaluate/tables.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ExperimentConfig } from './config.js';
import { resultsMarkdown } from './results.js';
import { configSplit, keptPhantoms, prepareDataset, preparePlan, prepareReferences, prepareSplit, type Say } from './steps-data.js';
import { listTrainingCases } from '../preprocess/fingerprint.js';
import { compareStep, evaluateStep } from './steps-evaluate.js';
import { predictStep } from './steps-predict.js';
import { prepareStage1PredictionData, trainStep, type TrainFn } from './steps-train.js';
import { layout, predictionSpecs, predictionsDone, runSpecs, runState } from './work.js';

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  /** Progress lines (default: stderr). */
  say?: Say;
  /** The trainer (default `train`); tests inject a spy. */
  trainFn?: TrainFn;
}

/** One step of a run, as logged in `experiment-log.jsonl`. */
export interface StepRecord {
  step: string;
  /** `done` (work was done) or `skipped` (it existed). */
  status: 'done' | 'skipped';
  seconds: number;
  detail?: string;
  /** ISO time the step ended. */
  at: string;
}

/** What {@link runExperiment} returns. */
export interface ExperimentResult {
  output: string;
  steps: StepRecord[];
  seconds: number;
}

class StepLog {
  readonly steps: StepRecord[] = [];
  private readonly t0 = performance.now();
  constructor(
    private readonly path: string,
    private readonly say: Say,
  ) {}

  /** Runs `fn` as a step: header, time, a log line. `fn` returns whether it skipped, and a detail. */
  async step<T>(name: string, fn: () => Promise<{ value: T; skipped: boolean; detail?: string }>): Promise<T> {
    this.say(`\n== ${name} ==`);
    const s0 = performance.now();
    const r = await fn();
    const rec: StepRecord = { step: name, status: r.skipped ? 'skipped' : 'done', seconds: (performance.now() - s0) / 1000, at: new Date().toISOString() };
    if (r.detail) rec.detail = r.detail;
    this.steps.push(rec);
    const old = existsSync(this.path) ? await readFile(this.path, 'utf8') : '';
    await writeFileAtomic(this.path, old + JSON.stringify(rec) + '\n');
    this.say(`-- ${name}: ${rec.status} in ${rec.seconds.toFixed(1)} s`);
    return r.value;
  }

  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** Seconds of the steps that did work, summed over every run logged in the file. */
  async workSeconds(): Promise<number> {
    const text = existsSync(this.path) ? await readFile(this.path, 'utf8') : '';
    const recs = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as StepRecord);
    return recs.filter((r) => r.status === 'done').reduce((a, r) => a + r.seconds, 0);
  }
}

/**
 * Runs (or continues) the experiment; see the module comment.
 * @throws Error naming the file or field: a bad dataset or split, results of other settings in
 *   the output folder, a failed training or prediction.
 * @example await runExperiment(await readExperimentConfig('experiments/phantom-paper.json'));
 */
export async function runExperiment(cfg: ExperimentConfig, opts: RunExperimentOptions = {}): Promise<ExperimentResult> {
  const say = opts.say ?? ((l: string) => console.error(l));
  const L = layout(cfg.output);
  const log = new StepLog(L.log, say);

  const ds = await log.step('dataset', async () => {
    const r = await prepareDataset(cfg, say);
    return { value: r, skipped: !r.generated, detail: `${r.cases.length} cases in ${r.dir}` };
  });
  const split = await log.step('split', async () => {
    const s = await prepareSplit(cfg, ds.cases, say);
    await prepareReferences(cfg, ds.cases, s.test);
    return { value: s, skipped: false, detail: `${s.train.length}/${s.validation.length}/${s.test.length}` };
  });
  const { plan } = await log.step('plan and preprocess', async () => {
    const r = await preparePlan(cfg, ds.dir, say);
    return { value: r, skipped: !r.computed };
  });

  for (const run of runSpecs(cfg)) {
    let data = L.preprocessed;
    if (run.stage2Input === 'prediction') {
      const stage1 = runSpecs(cfg).find((r) => r.id === 'stage1' && r.seed === run.seed)!;
      data = await log.step(`stage-1 predictions for ${run.id}-s${run.seed}`, async () => ({
        value: await prepareStage1PredictionData(cfg, stage1, split, say),
        skipped: false,
      }));
    }
    await log.step(`train ${run.id}-s${run.seed}`, async () => {
      const outcome = await trainStep(cfg, run, plan, data, split, say, opts.trainFn);
      return { value: outcome, skipped: outcome === 'skipped', detail: outcome };
    });
  }

  const tests = ds.cases.filter((c) => split.test.includes(c.id));
  const specs = predictionSpecs(cfg);
  const methods = new Map<string, MethodCases>();
  const changed = new Set<string>();
  for (const spec of specs) {
    await log.step(`predict ${spec.id}-s${spec.seed}`, async () => {
      const r = await predictStep(cfg, spec, tests, say);
      if (r.written > 0) changed.add(`${spec.id}-s${spec.seed}`);
      return { value: r, skipped: r.written === 0, detail: `${r.written} written, ${r.skipped} existed` };
    });
  }
  for (const spec of specs) {
    const k = `${spec.id}-s${spec.seed}`;
    const m = await log.step(`evaluate ${k}`, async () => {
      const r = await evaluateStep(cfg, spec, split.test, changed.has(k), say);
      return { value: r.method, skipped: r.skipped };
    });
    methods.set(k, m);
  }
  for (const seed of cfg.seeds) {
    const mine = specs.filter((s) => s.seed === seed);
    await log.step(`compare s${seed}`, async () => ({
      value: await compareStep(cfg, seed, mine, mine.map((s) => methods.get(`${s.id}-s${s.seed}`)!), say),
      skipped: false,
    }));
  }
  await log.step('results.md', async () => {
    await writeFileAtomic(L.results, resultsMarkdown({ cfg, split, specs, methods, seconds: await log.workSeconds() }));
    return { value: undefined, skipped: false, detail: L.results };
  });
  say(`\nexperiment ${cfg.name}: done in ${(log.elapsed() / 60).toFixed(1)} min → ${L.results}`);
  return { output: cfg.output, steps: log.steps, seconds: log.elapsed() };
}

/**
 * What exists and what a run would do, one line per item (for `--dry-run` and `status`); reads
 * only what is on disk.
 */
export async function describeWork(cfg: ExperimentConfig): Promise<string[]> {
  const L = layout(cfg.output);
  const lines: string[] = [`experiment ${cfg.name} → ${cfg.output}`];
  const d = cfg.dataset;
  // The checks `run` makes before working, so that this tells what `run` would do.
  const refusals: string[] = [];
  let datasetDir: string | null = null;
  if ('phantom' in d) {
    const kept = await keptPhantoms(cfg);
    if (kept?.mismatch) refusals.push(kept.mismatch);
    if (kept && !kept.mismatch) datasetDir = L.dataset;
    lines.push(`dataset      ${kept ? (kept.mismatch ? 'holds other phantoms than the config asks: run will refuse' : 'exists') : `to generate: ${d.phantom.cases} phantoms of ${d.phantom.patients} patients`}`);
  } else {
    if (existsSync(d.path)) datasetDir = d.path;
    lines.push(`dataset      ${d.path}${existsSync(d.path) ? '' : ' (MISSING)'}`);
  }
  let split: Split | null = null;
  if (existsSync(L.split)) split = await readSplit(L.split);
  if (split && datasetDir) {
    const { mismatch } = await configSplit(cfg, await listTrainingCases(datasetDir));
    if (mismatch) refusals.push(mismatch);
  }
  const splitSays = split ? `${split.train.length} / ${split.validation.length} / ${split.test.length} cases` : 'to compute';
  lines.push(`split        ${refusals.some((r) => r.startsWith(L.split)) ? `${splitSays} in split.json, not the config's split: run will refuse` : splitSays}`);
  lines.push(`preprocessed ${existsSync(`${L.preprocessed}/cases.json`) ? 'exists' : 'to do'}`);
  for (const run of runSpecs(cfg)) {
    const s = runState(run.dir, cfg.training.epochs);
    const what = s.finished ? `finished (${s.epochsDone} epochs)` : s.epochsDone > 0 ? `interrupted after epoch ${s.epochsDone}/${cfg.training.epochs}: to resume` : `to train (${cfg.training.epochs} epochs)`;
    lines.push(`train        ${`${run.id}-s${run.seed}`.padEnd(26)} ${what}`);
  }
  for (const spec of predictionSpecs(cfg)) {
    const n = split ? predictionsDone(spec.dir, split.test) : 0;
    const total = split ? String(split.test.length) : '?';
    const evaluated = existsSync(`${spec.evalDir}/cases.csv`) ? ', evaluated' : '';
    lines.push(`predict      ${`${spec.id}-s${spec.seed}`.padEnd(26)} ${n}/${total} test cases${evaluated}`);
  }
  lines.push(`results      ${existsSync(L.results) ? L.results : 'to write'}`);
  if (refusals.length) lines.push('', 'run would stop before any work:', ...refusals.map((r) => `  ${r}`));
  return lines;
}
