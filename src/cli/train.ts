/**
 * `meatus train`: from a dataset folder (nnU-Net raw, crossMoDA, or already preprocessed) to a
 * trained model. Plans and preprocesses when needed (cached in the run folder), splits the
 * training cases by patient into train/validation (or reads `--split`), then trains.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readSplit, splitPatients, writeSplit } from '../data/split.js';
import { computeFingerprint } from '../preprocess/fingerprint.js';
import { makePlan, readPlan, writePlan, formatPlan } from '../preprocess/plan.js';
import { listPreprocessedCases, preprocessDataset } from '../preprocess/preprocess.js';
import { DEFAULT_TRAIN, train, type TrainConfig } from '../train/trainer.js';
import { loadModel } from '../infer/model.js';
import { validateModel } from '../infer/validate.js';
import { taskShape, type Plan, type Task } from '../preprocess/types.js';

export const summary = 'train a model (wholeTumour = stage 1, split = stage 2 with the BDL, baseline) on a dataset';

const USAGE = `usage: meatus train --dataset DIR --task wholeTumour|split|baseline [options]

  --dataset DIR        nnU-Net raw dataset (imagesTr/, labelsTr/, dataset.json), crossMoDA folder,
                       or a folder written by \`meatus preprocess\`
  --task T             wholeTumour (stage 1), split (stage 2: [T2, WT] → EM/IM), baseline (T2 → EM/IM)
  --out DIR            run folder (default runs/<task>[-g<gamma>])
  --gamma G            weight of the Boundary Distance Loss (split only; default 0)
  --tau MM             τ of the Boundary Distance Loss in mm (default 1)
  --epochs N           default 1000 (nnU-Net); phantoms need far fewer
  --iterations N       training iterations per epoch (default 250)
  --val-iterations N   validation batches per epoch (default 50)
  --lr X               initial learning rate (default 0.01)
  --budget-mb N        memory budget for planning (patch size and topology)
  --plan FILE          use this plan instead of planning
  --preprocessed DIR   where to cache preprocessed data (default <out>/preprocessed)
  --split FILE         split JSON (train/validation lists; default: split by patient, 85/15)
  --device cpu|cuda    default cpu
  --no-amp             no mixed precision on CUDA
  --workers N          data-loading threads (default cores − 1, at least 1)
  --seed N             default 0
  --stage2-input reference|prediction
                       the whole-tumour channel while training stage 2 (default reference, the paper)
  --fresh              ignore an existing checkpoint in --out (default: resume)
  --no-final-validation
                       skip the final validation (by default, like nnU-Net, the best checkpoint
                       predicts every validation case whole; Dice per class → <out>/validation/summary.json)`;

function int(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got '${v}'`);
  return n;
}
function num(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got '${v}'`);
  return n;
}

/** Plans and preprocesses a raw dataset into `dir` unless that was done already. */
async function ensurePreprocessed(dataset: string, dir: string, planFile: string | undefined, budget: number | undefined): Promise<Plan> {
  if (existsSync(join(dir, 'cases.json')) && existsSync(join(dir, 'plan.json'))) {
    console.error(`using preprocessed data in ${dir}`);
    return readPlan(join(dir, 'plan.json'));
  }
  let plan: Plan;
  if (planFile) {
    plan = await readPlan(planFile);
  } else {
    console.error(`planning from ${dataset} …`);
    plan = makePlan(await computeFingerprint(dataset), budget === undefined ? {} : { memoryBudgetMB: budget });
    await writePlan(join(dir, 'plan.json'), plan);
  }
  console.error(formatPlan(plan));
  console.error(`preprocessing into ${dir} …`);
  const r = await preprocessDataset(dataset, plan, dir, {
    onProgress: (done, total, id) => process.stderr.write(`\r  ${done}/${total} ${id}\x1b[K${done === total ? '\n' : ''}`),
  });
  console.error(`preprocessed ${r.cases.length} cases in ${r.seconds.toFixed(1)} s`);
  return plan;
}

/** Predicts the validation cases whole with the best checkpoint and prints their Dice. */
async function finalValidation(c: TrainConfig): Promise<void> {
  const model = await loadModel(join(c.out, 'checkpoint_best.safetensors'), c.device);
  try {
    console.error(`final validation: ${c.validationCases.length} cases, whole-case sliding window, best checkpoint`);
    const s = await validateModel(model, c.data, c.validationCases, {
      stage2Input: c.stage2Input,
      outDir: join(c.out, 'validation'),
      onCase: (done, total, r) =>
        console.error(`  ${done}/${total} ${r.id}  Dice ${Object.entries(r.dice).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`),
    });
    const mean = Object.entries(s.meanDice).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
    console.log(`validation Dice (mean of ${s.cases.length} cases): ${mean}; ${join(c.out, 'validation', 'summary.json')} (${s.seconds.toFixed(1)} s)`);
  } finally {
    model.dispose();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      task: { type: 'string' },
      out: { type: 'string' },
      gamma: { type: 'string' },
      tau: { type: 'string' },
      epochs: { type: 'string' },
      iterations: { type: 'string' },
      'val-iterations': { type: 'string' },
      lr: { type: 'string' },
      'budget-mb': { type: 'string' },
      plan: { type: 'string' },
      preprocessed: { type: 'string' },
      split: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      'no-amp': { type: 'boolean' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      'stage2-input': { type: 'string', default: 'reference' },
      fresh: { type: 'boolean' },
      'no-final-validation': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.dataset || !values.task) {
    console.error(`meatus train: --dataset and --task are required\n\n${USAGE}`);
    return 2;
  }
  const task = values.task as Task;
  taskShape(task); // validates the name
  const gamma = num('gamma', values.gamma, 0);
  const dataset = resolve(values.dataset);
  if (!existsSync(dataset)) throw new Error(`--dataset: ${dataset} does not exist`);
  const out = resolve(values.out ?? join('runs', task + (gamma > 0 ? `-g${gamma}` : '')));
  const isPreprocessed = existsSync(join(dataset, 'cases.json')) && existsSync(join(dataset, 'plan.json'));
  const data = isPreprocessed ? dataset : resolve(values.preprocessed ?? join(out, 'preprocessed'));
  const budget = values['budget-mb'] === undefined ? undefined : num('budget-mb', values['budget-mb'], 0);
  const plan = isPreprocessed ? await readPlan(join(dataset, 'plan.json')) : await ensurePreprocessed(dataset, data, values.plan, budget);

  const ids = await listPreprocessedCases(data);
  let trainCases: string[];
  let validationCases: string[];
  if (values.split) {
    const s = await readSplit(values.split);
    trainCases = s.train.filter((c) => ids.includes(c));
    validationCases = s.validation.filter((c) => ids.includes(c));
  } else {
    const s = splitPatients(ids, { seed: int('seed', values.seed, 0), proportions: [85, 15, 0] });
    await writeSplit(join(out, 'split.json'), s);
    trainCases = s.train;
    validationCases = s.validation;
  }
  const stage2Input = values['stage2-input'];
  if (stage2Input !== 'reference' && stage2Input !== 'prediction') {
    throw new Error(`--stage2-input: expected 'reference' or 'prediction', got '${stage2Input}'`);
  }
  const config: TrainConfig = {
    ...DEFAULT_TRAIN,
    task,
    data,
    plan,
    out,
    trainCases,
    validationCases,
    gamma,
    tau: num('tau', values.tau, DEFAULT_TRAIN.tau),
    epochs: int('epochs', values.epochs, DEFAULT_TRAIN.epochs),
    iterationsPerEpoch: int('iterations', values.iterations, DEFAULT_TRAIN.iterationsPerEpoch),
    validationIterations: int('val-iterations', values['val-iterations'], DEFAULT_TRAIN.validationIterations),
    lr: num('lr', values.lr, DEFAULT_TRAIN.lr),
    seed: int('seed', values.seed, DEFAULT_TRAIN.seed),
    device: values.device as TrainConfig['device'],
    amp: !values['no-amp'],
    workers: values.workers === undefined ? DEFAULT_TRAIN.workers : int('workers', values.workers, 1),
    stage2Input,
    resume: !values.fresh,
  };
  console.error(`training ${task} on ${trainCases.length} cases (validation ${validationCases.length}) → ${out}`);
  const state = await train(config);
  console.log(
    `done: ${state.epoch + 1} epochs; best EMA pseudo-Dice ${state.bestEma.toFixed(3)} at epoch ${state.bestEpoch + 1}; ` +
      `model ${join(out, 'checkpoint_best.safetensors')}`,
  );
  if (!values['no-final-validation']) await finalValidation(config);
  return 0;
}
