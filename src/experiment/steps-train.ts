/**
 * The training steps of an experiment: one `train()` per run (see `work.ts`), skipping finished
 * runs (the run's `log.jsonl` reached the last epoch and `checkpoint_best.safetensors` exists) and
 * resuming interrupted ones (the trainer continues from `checkpoint_last.safetensors`).
 *
 * Stage 2 trained on stage-1 predictions (`stage2pred-g<γ>`) reads its cases from
 * `preprocessed-stage1-s<seed>/`: links to the shared preprocessed files plus `<id>.wtpred.u8`,
 * the stage-1 model's whole-tumour prediction on the preprocessed grid (uint8 0/1, `[z, y, x]`,
 * largest 6-connected component), for the train and validation cases.
 */
import { makeDirs } from '../util/output-path.js';
import { existsSync } from 'node:fs';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Split } from '../data/split.js';
import { loadModel } from '../infer/model.js';
import { predictPreprocessed } from '../infer/predict.js';
import { formatJson } from '../preprocess/plan.js';
import { readPreprocessedCase } from '../preprocess/preprocess.js';
import { DEFAULT_TRAIN, train, type TrainConfig, type TrainerState } from '../train/trainer.js';
import type { Plan } from '../preprocess/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { largestComponent } from '../volume/components.js';
import type { ExperimentConfig } from './config.js';
import type { Say } from './steps-data.js';
import { tumourMask } from './steps-predict.js';
import { layout, runState, type RunSpec } from './work.js';

/** The trainer, replaceable in tests. */
export type TrainFn = (config: TrainConfig) => Promise<TrainerState>;

/** What a training step did. */
export type TrainOutcome = 'skipped' | 'trained' | 'resumed';

/** The config fields that must match between a run folder's `config.json` and the experiment. */
const FIXED = ['task', 'gamma', 'tau', 'seed', 'stage2Input', 'iterationsPerEpoch'] as const;

/** The trainer config of a run. */
export function trainConfig(cfg: ExperimentConfig, run: RunSpec, plan: Plan, data: string, split: Split): TrainConfig {
  const t = cfg.training;
  return {
    ...DEFAULT_TRAIN,
    task: run.task,
    data,
    plan,
    out: run.dir,
    trainCases: split.train,
    validationCases: split.validation,
    epochs: t.epochs,
    iterationsPerEpoch: t.iterationsPerEpoch,
    validationIterations: t.validationIterations,
    gamma: run.gamma,
    tau: cfg.methods.twoStage.tau,
    seed: run.seed,
    device: t.device,
    workers: t.workers,
    stage2Input: run.stage2Input,
    resume: true,
  };
}

/** Refuses a run folder trained with other settings (resuming it would mix two experiments). */
async function checkRunFolder(c: TrainConfig): Promise<void> {
  const path = join(c.out, 'config.json');
  if (!existsSync(path)) return;
  const old = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  for (const k of FIXED) {
    if (old[k] !== c[k]) {
      throw new Error(`${path}: field ${k} is ${JSON.stringify(old[k])}, the experiment asks for ${JSON.stringify(c[k])}; remove ${c.out} to retrain`);
    }
  }
}

/**
 * Trains one run unless it is finished.
 * @param data the preprocessed folder the run reads.
 */
export async function trainStep(cfg: ExperimentConfig, run: RunSpec, plan: Plan, data: string, split: Split, say: Say, trainFn: TrainFn = train): Promise<TrainOutcome> {
  const c = trainConfig(cfg, run, plan, data, split);
  await checkRunFolder(c);
  const before = runState(run.dir, c.epochs);
  if (before.finished) {
    say(`train ${run.id} (seed ${run.seed}): finished (${before.epochsDone} epochs), skipped`);
    return 'skipped';
  }
  say(`train ${run.id} (seed ${run.seed}): ${before.epochsDone > 0 ? `resuming after epoch ${before.epochsDone}` : 'from scratch'} → ${run.dir}`);
  const state = await trainFn(c);
  say(`train ${run.id} (seed ${run.seed}): best EMA pseudo-Dice ${state.bestEma.toFixed(3)} at epoch ${state.bestEpoch + 1}`);
  return before.epochsDone > 0 ? 'resumed' : 'trained';
}

/** `preprocessed-stage1-s<seed>/`. */
export function stage1PredictionData(cfg: ExperimentConfig, seed: number): string {
  return join(cfg.output, `preprocessed-stage1-s${seed}`);
}

/**
 * Writes the stage-1 predictions of the train and validation cases next to links to the shared
 * preprocessed files (module comment), skipping cases already done.
 * @returns the folder, for the `stage2pred` runs of this seed.
 * @throws Error if `readPreprocessedCase` does not load `<id>.wtpred.u8` (see the report of issue #7:
 *   `src/preprocess/preprocess.ts` must read it into `wholeTumourPrediction`).
 */
export async function prepareStage1PredictionData(cfg: ExperimentConfig, stage1: RunSpec, split: Split, say: Say): Promise<string> {
  const shared = layout(cfg.output).preprocessed;
  const dir = stage1PredictionData(cfg, stage1.seed);
  makeDirs(dir);
  const ids = [...split.train, ...split.validation];
  const link = async (name: string) => {
    if (!existsSync(join(dir, name))) await symlink(join(shared, name), join(dir, name));
  };
  await link('plan.json');
  const missing = ids.filter((id) => !existsSync(join(dir, `${id}.wtpred.u8`)));
  if (missing.length > 0) {
    say(`stage-1 predictions of ${missing.length} train/validation cases (seed ${stage1.seed}) → ${dir}`);
    const model = await loadModel(join(stage1.dir, 'checkpoint_best.safetensors'), cfg.training.device);
    try {
      for (const id of missing) {
        const c = await readPreprocessedCase(shared, id);
        const probs = predictPreprocessed(model, c.image, c.channels, c.shape);
        const wt = largestComponent(tumourMask(probs, c.label.length), c.shape, 6);
        await writeFileAtomic(join(dir, `${id}.wtpred.u8`), wt);
      }
    } finally {
      model.dispose();
    }
  }
  for (const id of ids) for (const ext of ['image.f32', 'label.u8', 'json']) await link(`${id}.${ext}`);
  const cases = JSON.parse(await readFile(join(shared, 'cases.json'), 'utf8')) as { version: number; cases: { id: string }[] };
  const wanted = new Set(ids);
  await writeFileAtomic(join(dir, 'cases.json'), formatJson({ ...cases, cases: cases.cases.filter((c) => wanted.has(c.id)) }));
  const probe = await readPreprocessedCase(dir, ids[0]);
  if (!probe.wholeTumourPrediction) {
    throw new Error(
      `methods.stage2OnPredictions: ${dir} holds the stage-1 predictions (<id>.wtpred.u8), but readPreprocessedCase ` +
        `(src/preprocess/preprocess.ts) does not load them into wholeTumourPrediction yet; set stage2OnPredictions to false`,
    );
  }
  return dir;
}
