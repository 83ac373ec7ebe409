/**
 * `meatus train`: from a dataset folder (nnU-Net raw, crossMoDA, or already preprocessed) to a
 * trained model. Plans and preprocesses when needed (cached in the run folder), splits the
 * training cases by patient into train/validation (or reads `--split`), then trains.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { device as deviceOption, fraction, integer, nonNegative, oneOf, parseCommand, positive, UsageError } from './args.js';
import { checkOutput } from '../util/output-path.js';
import { ProgressBar } from '../util/progress.js';
import { readSplit, splitPatients, writeSplit } from '../data/split.js';
import { readNnunetDataset } from '../data/nnunet.js';
import { computeFingerprint } from '../preprocess/fingerprint.js';
import { NONFINITE_POLICIES, type NonfinitePolicy } from '../preprocess/input-check.js';
import { makePlan, preprocessingDifference, readPlan, writePlan, formatPlan } from '../preprocess/plan.js';
import { listPreprocessedCases, preprocessDataset } from '../preprocess/preprocess.js';
import { firstCaseWithForeground } from '../preprocess/foreground.js';
import { DEFAULT_TRAIN, train, type TrainConfig } from '../train/trainer.js';
import { DEFAULT_HARD_NEGATIVE_SHARE, readHardNegativeFile } from '../train/hard-negatives.js';
import { checkPretrained } from '../train/pretrained.js';
import { loadModel } from '../infer/model.js';
import { validateModel } from '../infer/validate.js';
import type { Plan } from '../preprocess/types.js';
import { distributed as dist, type Device } from '../torch/index.js';
import { launchWorkers, readLaunchEnv, type LaunchEnv } from '../train/launch.js';

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
  --plan FILE          use this plan instead of planning; over preprocessed data (a preprocessed
                       --dataset, or an existing --preprocessed), a plan with the same spacing,
                       normalisation and orientation (its patch size, batch or network may differ)
  --preprocessed DIR   where to cache preprocessed data (default <out>/preprocessed)
  --split FILE         split JSON (train/validation lists; default: split by patient, 85/15)
  --device cpu|cuda    default cpu
  --no-amp             no mixed precision on CUDA
  --jobs N             data-loading threads (default 1; 0 makes batches on the main thread;
                       --workers is an alias)
  --seed N             default 0
  --contralateral P    probability (0–1, default 0) that a training patch not forced to hold
                       tumour is centred instead on the tumour's mirror image across the head's
                       left–right middle: the other ear's normal canal, the commonest false tumour
                       on whole heads (not nnU-Net's sampling; for scans cropped to the head)
  --hard-negatives FILE
                       JSON of places with no tumour where a model may see one (RAS or LPS mm by
                       case id; \`meatus phantom\` writes hard-negatives.json: every normal internal
                       auditory canal): a share of the training patches not forced to hold tumour
                       is centred on one of them instead (not nnU-Net's sampling)
  --hard-negative-share P
                       that share, 0–1 (default ${DEFAULT_HARD_NEGATIVE_SHARE}; needs --hard-negatives)
  --nonfinite refuse|replace-with-minimum
                       NaN/Inf voxels in a training image: refuse it (default) or replace them by
                       the image's smallest finite value
  --fresh              ignore an existing checkpoint in --out (default: resume)
  --pretrained FILE    start from this checkpoint's weights (fine-tuning, as nnU-Net's
                       -pretrained_weights): same task and network, so pass the plan it was trained
                       with (--plan); checked before preprocessing; ignored when the run resumes
  --nproc-per-node N   data-parallel training in N processes on this machine (c10d: Gloo on CPU,
                       NCCL on CUDA, one GPU per process); the plan's batch is split across them.
                       Under torchrun, srun or a Kubernetes job, set RANK, WORLD_SIZE, LOCAL_RANK,
                       MASTER_ADDR and MASTER_PORT instead (rank 0 writes checkpoints and logs)
  --dist-timeout S     seconds a rank waits for the others (rendezvous, each step) before it
                       stops with an error (default 1800)
  --no-final-validation
                       skip the final validation (by default, like nnU-Net, the best checkpoint
                       predicts every validation case whole; Dice per class → <out>/validation/summary.json)`;

/**
 * The plan to train with over the data preprocessed in `dir`: its own plan.json, or `given` when
 * one preprocessing serves both (the same spacing, normalisation and orientation; `given` may
 * change the patch size, batch or network, as nnU-Net's configurations share preprocessed data).
 * @throws UsageError naming the field when `given` needs other preprocessing.
 */
async function planOver(dir: string, given: Plan | undefined): Promise<Plan> {
  const own = await readPlan(join(dir, 'plan.json'));
  if (given === undefined) return own;
  const diff = preprocessingDifference(own, given);
  if (diff !== null) throw new UsageError(`--plan: ${dir} was preprocessed with another plan (${diff}); preprocess again with this plan, or train with the plan.json there`);
  return given;
}

/**
 * The plan of the preprocessed data in `dir`, preprocessing `dataset` there first if needed (with
 * `given` or a new plan); `checkPlan` sees a new plan before anything is written.
 */
async function ensurePreprocessed(
  dataset: string,
  dir: string,
  given: Plan | undefined,
  budget: number | undefined,
  nonfinite: NonfinitePolicy,
  checkPlan: (plan: Plan) => Promise<void>,
): Promise<Plan> {
  if (existsSync(join(dir, 'cases.json')) && existsSync(join(dir, 'plan.json'))) {
    console.error(`using preprocessed data in ${dir}`);
    return planOver(dir, given);
  }
  let plan: Plan;
  if (given) {
    plan = given;
  } else {
    console.error(`planning from ${dataset} …`);
    plan = makePlan(await computeFingerprint(dataset, { nonfinite }), budget === undefined ? {} : { memoryBudgetMB: budget });
    await checkPlan(plan);
    await writePlan(join(dir, 'plan.json'), plan);
  }
  console.error(formatPlan(plan));
  console.error(`preprocessing into ${dir} …`);
  let bar: ProgressBar | undefined;
  const r = await preprocessDataset(dataset, plan, dir, {
    nonfinite,
    onProgress: (_done, total, id) => {
      bar ??= new ProgressBar(total, 'preprocess');
      bar.tick(1, id);
    },
  });
  console.error(`preprocessed ${r.cases.length} cases in ${r.seconds.toFixed(1)} s`);
  return plan;
}

/** Predicts the validation cases whole with the best checkpoint and prints their Dice. */
async function finalValidation(c: TrainConfig): Promise<void> {
  const model = await loadModel(join(c.out, 'checkpoint_best.safetensors'), c.device);
  try {
    console.error(`final validation: ${c.validationCases.length} cases, whole-case sliding window, best checkpoint`);
    let tiles: ProgressBar | undefined;
    let tileCase = '';
    let tilesSeen = 0;
    const s = await validateModel(model, c.data, c.validationCases, {
      stage2Input: c.stage2Input,
      outDir: join(c.out, 'validation'),
      onTiles: (id, done, total) => {
        if (id !== tileCase) [tiles, tileCase, tilesSeen] = [new ProgressBar(total, `  ${id} tiles`), id, 0];
        tiles!.tick(done - tilesSeen);
        tilesSeen = done;
      },
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
  const o = { type: 'string' } as const;
  const flag = { type: 'boolean' } as const;
  const parsed = parseCommand(
    {
      name: 'train',
      usage: USAGE,
      options: {
        dataset: o, task: o, out: o, gamma: o, tau: o, epochs: o, iterations: o, 'val-iterations': o, lr: o,
        'budget-mb': o, plan: o, preprocessed: o, split: o, device: o, 'no-amp': flag, jobs: o, seed: o,
        fresh: flag, pretrained: o, contralateral: o, 'hard-negatives': o, 'hard-negative-share': o, 'no-final-validation': flag, 'nproc-per-node': o, 'dist-timeout': o, nonfinite: o,
      },
      required: ['dataset', 'task'],
      aliases: { workers: 'jobs' },
    },
    argv,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  // Every option is checked here, before planning, preprocessing or writing anything.
  const task = oneOf('task', values.task, ['wholeTumour', 'split', 'baseline'] as const)!;
  const gamma = nonNegative('gamma', values.gamma) ?? 0;
  if (gamma > 0 && task !== 'split') throw new UsageError(`--gamma ${gamma}: the Boundary Distance Loss needs the IM/EM split; only --task split has it`);
  const tau = positive('tau', values.tau, false) ?? DEFAULT_TRAIN.tau;
  const epochs = positive('epochs', values.epochs) ?? DEFAULT_TRAIN.epochs;
  const iterationsPerEpoch = positive('iterations', values.iterations) ?? DEFAULT_TRAIN.iterationsPerEpoch;
  const validationIterations = positive('val-iterations', values['val-iterations']) ?? DEFAULT_TRAIN.validationIterations;
  const lr = positive('lr', values.lr, false) ?? DEFAULT_TRAIN.lr;
  const budget = positive('budget-mb', values['budget-mb'], false);
  const seed = integer('seed', values.seed) ?? DEFAULT_TRAIN.seed;
  const contralateral = fraction('contralateral', values.contralateral) ?? DEFAULT_TRAIN.contralateral;
  const hardNegativeShare = fraction('hard-negative-share', values['hard-negative-share']);
  const hardNegativesFile = values['hard-negatives'] === undefined ? undefined : resolve(values['hard-negatives']);
  if (hardNegativeShare !== undefined && hardNegativesFile === undefined) throw new UsageError('--hard-negative-share: goes with --hard-negatives FILE');
  if (hardNegativesFile !== undefined && !existsSync(hardNegativesFile)) throw new UsageError(`--hard-negatives ${values['hard-negatives']}: no such file`);
  if (hardNegativesFile !== undefined && statSync(hardNegativesFile).isDirectory()) {
    throw new UsageError(`--hard-negatives ${values['hard-negatives']}: a folder; expected a JSON file (e.g. hard-negatives.json of a \`meatus phantom\` dataset)`);
  }
  if (hardNegativesFile !== undefined) {
    try {
      await readHardNegativeFile(hardNegativesFile);
    } catch (e) {
      throw new UsageError(`--hard-negatives: ${(e as Error).message}`);
    }
  }
  const workers = nonNegative('jobs', values.jobs, true) ?? DEFAULT_TRAIN.workers;
  const deviceKind = (await deviceOption('device', values.device)) ?? 'cpu';
  const nonfinite = oneOf('nonfinite', values.nonfinite, NONFINITE_POLICIES) ?? 'refuse';
  const nproc = positive('nproc-per-node', values['nproc-per-node']);
  const distTimeout = positive('dist-timeout', values['dist-timeout'], false) ?? 1800;
  const launch = readLaunchEnv();
  if (nproc !== undefined && launch) {
    throw new UsageError('--nproc-per-node: WORLD_SIZE is set, so this process is already one rank of a launched run; drop one of the two');
  }
  // One GPU per local rank, as torchrun's users set it.
  const device: Device = launch && deviceKind === 'cuda' ? `cuda:${launch.localRank}` : deviceKind;
  const pretrained = values.pretrained === undefined ? undefined : resolve(values.pretrained);
  if (pretrained !== undefined && !existsSync(pretrained)) throw new UsageError(`--pretrained ${values.pretrained}: no such file`);
  if (pretrained !== undefined && statSync(pretrained).isDirectory()) {
    throw new UsageError(`--pretrained ${values.pretrained}: a folder; expected a checkpoint file (e.g. checkpoint_best.safetensors of a run)`);
  }
  const dataset = resolve(values.dataset!);
  if (!existsSync(dataset)) throw new UsageError(`--dataset ${values.dataset}: no such folder`);
  if (task !== 'wholeTumour' && existsSync(join(dataset, 'dataset.json'))) {
    const { labels } = (await readNnunetDataset(dataset)).json;
    if (labels.extrameatal === undefined || labels.intrameatal === undefined) {
      throw new Error(`${join(dataset, 'dataset.json')}: labels ${JSON.stringify(labels)} have no extrameatal and intrameatal classes; --task ${task} needs them (a whole-tumour dataset, e.g. from dataset import-dicom, trains --task wholeTumour)`);
    }
  }
  const isPreprocessed = existsSync(join(dataset, 'cases.json')) && existsSync(join(dataset, 'plan.json'));
  if (isPreprocessed && values.preprocessed) throw new UsageError(`--preprocessed: ${values.dataset} is preprocessed already`);
  const givenPlan = values.plan ? await readPlan(values.plan).catch((e: Error) => Promise.reject(new UsageError(`--plan: ${e.message}`))) : undefined;
  const givenSplit = values.split ? await readSplit(values.split).catch((e: Error) => Promise.reject(new UsageError(`--split: ${e.message}`))) : undefined;
  // A checkpoint of another task or network is refused now, not after preprocessing.
  const checkPlan = async (plan: Plan | undefined) => {
    if (pretrained !== undefined) await checkPretrained(pretrained, task, plan?.network);
  };
  const preprocessedPlan = isPreprocessed ? await planOver(dataset, givenPlan) : undefined;
  await checkPlan(preprocessedPlan ?? givenPlan);
  const out = resolve(values.out ?? join('runs', task + (gamma > 0 ? `-g${gamma}` : '')));
  checkOutput('--out', out, { kind: 'dir', overwrite: true });
  const data = isPreprocessed ? dataset : resolve(values.preprocessed ?? join(out, 'preprocessed'));
  if (!isPreprocessed) checkOutput('--preprocessed', data, { kind: 'dir', overwrite: true });
  if (nproc !== undefined && nproc > 1) {
    const bin = fileURLToPath(new URL('../../bin/meatus.js', import.meta.url));
    return launchWorkers({ nproc, command: process.execPath, args: [bin, 'train', ...withoutOption(argv, '--nproc-per-node')] });
  }
  const lead = !launch || launch.rank === 0;
  try {
    // Rank 0 plans and preprocesses before it opens the rendezvous; the others wait there for it.
    if (launch && !lead) joinProcessGroup(launch, device, distTimeout);
    const plan = preprocessedPlan ?? await ensurePreprocessed(dataset, data, givenPlan, budget, nonfinite, checkPlan);
    const ids = await listPreprocessedCases(data);
    let trainCases: string[];
    let validationCases: string[];
    if (givenSplit) {
      trainCases = givenSplit.train.filter((c) => ids.includes(c));
      validationCases = givenSplit.validation.filter((c) => ids.includes(c));
      if (!trainCases.length || !validationCases.length) {
        throw new Error(`--split ${values.split}: ${trainCases.length} training and ${validationCases.length} validation cases are in ${data}; expected both sets non-empty`);
      }
    } else {
      const s = splitPatients(ids, { seed, proportions: [85, 15, 0] });
      if (lead) await writeSplit(join(out, 'split.json'), s);
      trainCases = s.train;
      validationCases = s.validation;
    }
    if ((await firstCaseWithForeground(data, trainCases)) === null) {
      throw new Error(`${data}: none of the ${trainCases.length} training cases has a tumour voxel (label > 0); training needs at least one (cases without a tumour are fine alongside)`);
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
      tau,
      epochs,
      iterationsPerEpoch,
      validationIterations,
      lr,
      seed,
      contralateral,
      ...(hardNegativesFile !== undefined ? { hardNegatives: { file: hardNegativesFile, share: hardNegativeShare ?? DEFAULT_HARD_NEGATIVE_SHARE } } : {}),
      device,
      amp: device !== 'cpu' && !values['no-amp'],
      workers,
      resume: !values.fresh,
      ...(pretrained !== undefined ? { pretrained } : {}),
    };
    if (launch && lead) joinProcessGroup(launch, device, distTimeout);
    if (lead) console.error(`training ${task} on ${trainCases.length} cases (validation ${validationCases.length}) → ${out}`);
    const state = await train(config);
    if (!lead) return 0;
    console.log(
      `done: ${state.epoch + 1} epochs; best EMA pseudo-Dice ${state.bestEma.toFixed(3)} at epoch ${state.bestEpoch + 1}; ` +
        `model ${join(out, 'checkpoint_best.safetensors')}`,
    );
    if (!values['no-final-validation']) await finalValidation(config);
    return 0;
  } finally {
    dist.destroyProcessGroup();
  }
}

/** `argv` without `--name V` / `--name=V`. */
function withoutOption(argv: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) i++;
    else if (!argv[i].startsWith(`${name}=`)) out.push(argv[i]);
  }
  return out;
}

/** Joins the run's process group: Gloo on CPU, NCCL with one GPU per local rank on CUDA. */
function joinProcessGroup(launch: LaunchEnv, device: Device, timeoutSeconds: number): void {
  dist.initProcessGroup({ ...launch, backend: device === 'cpu' ? 'gloo' : 'nccl', timeoutSeconds });
  if (launch.rank === 0) console.error(`data-parallel training: ${launch.worldSize} ranks, ${device === 'cpu' ? 'Gloo' : 'NCCL'}`);
}
