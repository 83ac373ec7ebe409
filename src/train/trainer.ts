/**
 * The trainer: one code path for the three tasks (stage 1 `wholeTumour`, stage 2 `split` with
 * CE + Dice + γ·BDL, and the `baseline`), with nnU-Net's recipe — SGD with Nesterov momentum 0.99,
 * lr 1e-2 with poly decay (exponent 0.9), weight decay 3e-5, gradient norm clipped at 12, deep
 * supervision, epochs × iterations, pseudo-Dice on validation patches each epoch with an EMA
 * (0.9) that selects the best checkpoint — and AMP on CUDA.
 *
 * A run is one plain config object (`TrainConfig`). Its folder holds `checkpoint_last.safetensors`
 * (with the optimizer, written atomically every epoch), `checkpoint_best.safetensors` (weights for
 * inference), `log.jsonl`, `progress.svg`/`.png` and `config.json`. A run resumes exactly where it
 * stopped: the data stream depends only on (seed, epoch, iteration), so on CPU the losses after a
 * resume equal those of an uninterrupted run.
 *
 * Data-parallel when the process has joined a process group (`torch.distributed`; see
 * `data-parallel.ts` and `launch.ts`): the plan's batch is split across ranks, each rank draws its
 * own seeded stream (`rankSeed`), rank 0's initial (or resumed) weights are broadcast, gradients are
 * all-reduced after backward and every rank's optimizer takes the same step; rank 0 alone
 * validates and writes checkpoints, logs and curves. Resuming needs `checkpoint_last` readable by
 * every rank (a shared run folder); ranks that disagree on the epoch to resume stop with an error.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { F, GradScaler, distributed as dist, optim, torch, type Device, type Tensor } from '../torch/index.js';
import type { UNet } from '../nn/index.js';
import { boundaryDistanceLoss, deepSupervisionLoss, deepSupervisionWeights, diceCeLoss } from '../loss/index.js';
import { removeStaleTemporaries, writeFileAtomic } from '../util/atomic-write.js';
import { ProgressBar } from '../util/progress.js';
import { loadCheckpoint, saveCheckpoint } from '../nn/checkpoint.js';
import { CLASS_NAMES, writeCurves } from './curves.js';
import { BatchLoader } from './loader.js';
import { taskShape, type Plan, type Task } from '../preprocess/types.js';
import { buildNetwork } from '../nn/from-plan.js';
import { loadPretrained, networkDifference } from './pretrained.js';
import type { Batch } from './types.js';
import { readHardNegatives } from './hard-negatives.js';
import { rankBatchSize, rankSeed, reduceGradients, sumOverRanks, syncParameters } from './data-parallel.js';

/** Everything a training run needs. */
export interface TrainConfig {
  task: Task;
  /** The preprocessed dataset folder (from `meatus preprocess`). */
  data: string;
  /** The plan the data was preprocessed with. */
  plan: Plan;
  /** The run folder (created). */
  out: string;
  trainCases: string[];
  validationCases: string[];
  epochs: number;
  iterationsPerEpoch: number;
  validationIterations: number;
  /** Initial learning rate (poly decay to 0 over `epochs`). */
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Gradient norm clip. */
  gradClip: number;
  /** Weight of the Boundary Distance Loss (split task only). */
  gamma: number;
  /** τ of the Boundary Distance Loss, mm. */
  tau: number;
  seed: number;
  device: Device;
  /** Mixed precision (CUDA only; ignored on CPU). */
  amp: boolean;
  deepSupervision: boolean;
  /** Stage-2 input channel: the reference mask (the paper) or stage-1 predictions. */
  stage2Input: 'reference' | 'prediction';
  /**
   * Probability (0–1) that a training sample not forced to hold foreground is centred instead on the
   * mirror image of the tumour across the head's left–right middle (`BatchStreamOptions.contralateral`):
   * the other ear's normal canal, a hard negative. 0 (the default) is nnU-Net's sampling.
   */
  contralateral: number;
  /**
   * Hard negatives (src/train/hard-negatives.ts): the file of world points (RAS or LPS mm) where
   * there is no tumour but a model may see one, and the probability (0–1) that a training sample
   * not forced to hold foreground is centred on one of its case's points. Absent: nnU-Net's sampling.
   */
  hardNegatives?: { file: string; share: number };
  /** Data-loading worker threads (0 = on the main thread). */
  workers: number;
  /** Resume from `checkpoint_last.safetensors` when present. */
  resume: boolean;
  /**
   * Start from these weights (a meatus checkpoint of the same task and network; nnU-Net's
   * `-pretrained_weights`): fine-tuning. Only the weights are taken — optimizer, epoch and EMA start
   * fresh. Ignored when the run resumes.
   */
  pretrained?: string;
}

/** nnU-Net's values; the caller supplies task, data, plan, out and the case lists. */
export const DEFAULT_TRAIN: Omit<TrainConfig, 'task' | 'data' | 'plan' | 'out' | 'trainCases' | 'validationCases'> = {
  epochs: 1000,
  iterationsPerEpoch: 250,
  validationIterations: 50,
  lr: 1e-2,
  momentum: 0.99,
  weightDecay: 3e-5,
  gradClip: 12,
  gamma: 0,
  tau: 1,
  seed: 0,
  device: 'cpu',
  amp: true,
  deepSupervision: true,
  stage2Input: 'reference',
  contralateral: 0,
  workers: 1,
  resume: true,
};

/** One line of `log.jsonl`. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  /** Mean BDL term (split task with γ > 0). */
  trainBdl: number | null;
  valLoss: number;
  /** Pseudo-Dice per foreground class on the validation patches. */
  pseudoDice: number[];
  emaPseudoDice: number;
  lr: number;
  secondsPerStep: number;
  seconds: number;
}

/** The trainer's progress, saved in every checkpoint. */
export interface TrainerState {
  /** Last completed epoch (−1 before the first). */
  epoch: number;
  ema: number | null;
  bestEma: number;
  bestEpoch: number;
  log: EpochRecord[];
  scaler: { scale: number; goodSteps: number };
}

/** What a checkpoint's metadata holds. */
export interface CheckpointMeta {
  task: Task;
  plan: Plan;
  config: Omit<TrainConfig, 'plan' | 'trainCases' | 'validationCases'>;
  state: TrainerState;
}

/** nnU-Net's poly learning-rate schedule: lr · (1 − epoch/epochs)^0.9. */
export function polyLr(lr: number, epoch: number, epochs: number, exponent = 0.9): number {
  return lr * (1 - epoch / epochs) ** exponent;
}

/** Downsampling factor of each deep-supervision output (full resolution first). */
export function outputScales(plan: Plan): [number, number, number][] {
  const scales: [number, number, number][] = [[1, 1, 1]];
  for (let i = 1; i < plan.network.strides.length - 1; i++) {
    const prev = scales[i - 1];
    scales.push(prev.map((v, a) => v * plan.network.strides[i][a]) as [number, number, number]);
  }
  return scales;
}

function checkConfig(c: TrainConfig): void {
  const fail = (field: string, expected: string, got: unknown) => {
    throw new Error(`train config: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  taskShape(c.task);
  for (const f of ['epochs', 'iterationsPerEpoch', 'validationIterations'] as const) {
    if (!Number.isInteger(c[f]) || c[f] < 1) fail(f, 'a positive integer', c[f]);
  }
  if (!(c.lr > 0)) fail('lr', '> 0', c.lr);
  if (!(c.gamma >= 0)) fail('gamma', '≥ 0', c.gamma);
  if (!(c.tau > 0)) fail('tau', '> 0 (mm)', c.tau);
  if (!(c.contralateral >= 0 && c.contralateral <= 1)) fail('contralateral', 'a probability from 0 to 1', c.contralateral);
  if (c.hardNegatives && !(c.hardNegatives.share >= 0 && c.hardNegatives.share <= 1)) fail('hardNegatives.share', 'a probability from 0 to 1', c.hardNegatives.share);
  if (c.gamma > 0 && c.task !== 'split') fail('gamma', '0 unless task is split (the BDL needs IM and EM)', c.gamma);
  if (c.trainCases.length === 0) fail('trainCases', 'a non-empty list', c.trainCases);
  if (c.validationCases.length === 0) fail('validationCases', 'a non-empty list', c.validationCases);
  if (c.device !== 'cpu' && !torch.cuda.isAvailable()) fail('device', "'cpu' (CUDA is not available; see meatus doctor)", c.device);
}

/** Tensors of a batch on the device: input, per-scale targets, φ. */
function batchTensors(b: Batch, plan: Plan, device: Device, needPhi: boolean) {
  const [n, , z, y, x] = b.shape;
  const input = torch.tensor(b.image, { shape: b.shape, device });
  const full = torch.scope(() => torch.tensor(b.target, { shape: [n, z, y, x], device }).long());
  const targets = outputScales(plan).map(([sz, sy, sx]) =>
    sz === 1 && sy === 1 && sx === 1 ? full : full.slice(1, 0, undefined, sz).slice(2, 0, undefined, sy).slice(3, 0, undefined, sx),
  );
  const phi = needPhi && b.phi ? torch.tensor(b.phi, { shape: [n, z, y, x], device }) : null;
  return { input, targets, phi };
}

/**
 * Trains (or resumes) a model. Returns the final trainer state.
 * @throws Error for an invalid config, unreadable data, or a checkpoint of another task or plan.
 */
export async function train(config: TrainConfig, hooks: { onEpoch?: (r: EpochRecord) => void } = {}): Promise<TrainerState> {
  checkConfig(config);
  const c = config;
  const { plan, task } = c;
  const rank = dist.getRank();
  const world = dist.getWorldSize();
  const lead = rank === 0;
  const negatives = c.hardNegatives ? await readHardNegatives(c.hardNegatives.file, c.data, c.trainCases) : null;
  if (lead && negatives) {
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
    const skipped = negatives.skipped > 0 ? `; ${n(negatives.skipped, 'point')} of other cases (validation, or not in the dataset) not used` : '';
    console.error(`hard negatives: ${n(negatives.total, 'point')} in ${negatives.cases} of ${n(c.trainCases.length, 'training case')} (${c.hardNegatives!.file}), share ${c.hardNegatives!.share}${skipped}`);
  }
  const localBatch = rankBatchSize(plan.batchSize, world, rank);
  torch.manualSeed(c.seed);
  const net = buildNetwork(plan, task, c.device, c.deepSupervision);
  const params = net.parameters();
  const opt = new optim.SGD(params, { lr: c.lr, momentum: c.momentum, nesterov: true, weightDecay: c.weightDecay });
  const amp = c.amp && c.device !== 'cpu';
  const scaler = new GradScaler({ enabled: amp });
  const lastPath = join(c.out, 'checkpoint_last.safetensors');
  const bestPath = join(c.out, 'checkpoint_best.safetensors');
  // What is recorded is what runs: mixed precision only on CUDA.
  const { plan: _p, trainCases: _t, validationCases: _v, ...given } = c;
  const savedConfig = { ...given, amp };
  let state: TrainerState = { epoch: -1, ema: null, bestEma: -Infinity, bestEpoch: -1, log: [], scaler: scaler.stateDict() };

  // Temporary files of a run killed mid-write are of no use to anyone.
  if (lead) await removeStaleTemporaries(c.out);
  /** The log and curves of `state` (rewritten on resume: a kill may have come between checkpoint and log). */
  const writeLog = async (): Promise<void> => {
    await writeFileAtomic(join(c.out, 'log.jsonl'), state.log.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeCurves(c.out, state.log, task);
  };
  if (c.resume && existsSync(lastPath)) {
    const ck = await loadCheckpoint<CheckpointMeta>(lastPath, c.device);
    try {
      if (ck.meta.task !== task) throw new Error(`${lastPath}: a checkpoint of task '${ck.meta.task}', this run is '${task}'`);
      if (JSON.stringify(ck.meta.plan.network) !== JSON.stringify(plan.network)) {
        throw new Error(`${lastPath}: the checkpoint's network differs from the plan's (${networkDifference(ck.meta.plan.network, plan.network)}); use another --out folder or --fresh`);
      }
      net.loadStateDict(ck.model);
      if (ck.optimizer) opt.loadStateDict(ck.optimizer as never);
      state = ck.meta.state;
      scaler.loadStateDict(state.scaler);
    } finally {
      Object.values(ck.model).forEach((t) => t.dispose());
      Object.values(ck.optimizer?.tensors ?? {}).forEach((t) => t.dispose());
    }
    const done = state.epoch + 1;
    if (lead) console.error(done >= c.epochs ? `${c.out}: all ${c.epochs} epochs are done (${done} trained)` : `resuming ${c.out}: ${done} of ${c.epochs} epochs done`);
    if (lead && state.log.length > 0) await writeLog();
  }
  else if (c.pretrained) {
    const model = await loadPretrained(c.pretrained, task, plan.network, c.device);
    try {
      net.loadStateDict(model);
    } catch (e) {
      throw new Error(`--pretrained ${c.pretrained}: ${(e as Error).message}`);
    } finally {
      Object.values(model).forEach((t) => t.dispose());
    }
    if (lead) console.error(`starting from the weights of ${c.pretrained}`);
  }
  if (world > 1) {
    // Equal on every rank iff world · Σe² = (Σe)² (the variance of the ranks' epochs is 0).
    const e = state.epoch + 1;
    const [sum, sumSq] = sumOverRanks([e, e * e]);
    if (world * sumSq !== sum * sum) {
      throw new Error(`${lastPath}: the ranks would resume from different epochs (this rank: ${state.epoch + 1}); every rank must see the same run folder (shared storage), or use --fresh`);
    }
    syncParameters(params);
  }
  if (lead) await writeFileAtomic(join(c.out, 'config.json'), JSON.stringify({ ...savedConfig, trainCases: c.trainCases, validationCases: c.validationCases }, null, 2));

  const weights = c.deepSupervision ? deepSupervisionWeights(outputScales(plan).length) : [1];
  const loaderOpts = { dir: c.data, task, patchSize: plan.patchSize, batchSize: plan.batchSize, seed: c.seed, workers: c.workers, stage2Input: c.stage2Input };
  const trainLoader = new BatchLoader({
    ...loaderOpts,
    contralateral: c.contralateral,
    ...(negatives ? { hardNegatives: { share: c.hardNegatives!.share, points: negatives.points } } : {}),
    batchSize: localBatch,
    seed: rankSeed(c.seed, rank),
    caseIds: c.trainCases,
    augment: true,
    iterationsPerEpoch: c.iterationsPerEpoch,
  });
  const valLoader = new BatchLoader({
    ...loaderOpts,
    caseIds: c.validationCases,
    augment: false,
    seed: c.seed + 1,
    iterationsPerEpoch: c.validationIterations,
  });
  const needPhi = task === 'split' && c.gamma > 0;

  const lossOf = (outs: Tensor[], t: ReturnType<typeof batchTensors>) => {
    const base = deepSupervisionLoss(outs.map((o) => o.float()), t.targets.slice(0, outs.length), (o, y) => diceCeLoss(o, y), weights);
    if (!needPhi || !t.phi) return { loss: base, bdl: null as Tensor | null };
    const bdl = boundaryDistanceLoss(outs[0].float(), t.phi, { tau: c.tau });
    return { loss: base.add(bdl.mul(c.gamma)), bdl };
  };

  try {
    for (let epoch = state.epoch + 1; epoch < c.epochs; epoch++) {
      const t0 = performance.now();
      const lr = polyLr(c.lr, epoch, c.epochs);
      for (const g of opt.paramGroups) g.options.lr = lr;
      net.train();
      const bar = lead ? new ProgressBar(c.iterationsPerEpoch, `epoch ${epoch + 1}/${c.epochs}`) : null;
      let lossSum = 0;
      let bdlSum = 0;
      let stepTime = 0;
      for (let it = 0; it < c.iterationsPerEpoch; it++) {
        const batch = await trainLoader.next(epoch, it);
        const s0 = performance.now();
        const { loss, bdl } = torch.scope(() => {
          const t = batchTensors(batch, plan, c.device, needPhi);
          const outs = torch.autocast(() => net.forward(t.input), { enabled: amp });
          const r = lossOf(outs, t);
          scaler.scale(r.loss).backward();
          return { loss: r.loss.item(), bdl: r.bdl ? r.bdl.item() : 0 };
        });
        reduceGradients(params, localBatch / plan.batchSize);
        scaler.unscale_(opt);
        optim.clipGradNorm_(params, c.gradClip);
        scaler.step(opt);
        scaler.update();
        opt.zeroGrad();
        stepTime += performance.now() - s0;
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch}, iteration ${it}`);
        lossSum += loss;
        bdlSum += bdl;
        bar?.tick(1, `loss ${loss.toFixed(4)} lr ${lr.toExponential(2)} ${(stepTime / 1000 / (it + 1)).toFixed(2)} s/step`);
      }
      [lossSum, bdlSum] = sumOverRanks([lossSum, bdlSum]).map((v) => v / world);
      if (!lead) {
        state.epoch = epoch;
        continue;
      }
      const val = await validate(net, valLoader, c, plan, epoch, (outs, t) => lossOf(outs, t).loss);
      const fg = val.pseudoDice.filter(Number.isFinite);
      const mean = fg.length ? fg.reduce((a, b) => a + b, 0) / fg.length : 0;
      state.ema = state.ema === null ? mean : 0.9 * state.ema + 0.1 * mean;
      const rec: EpochRecord = {
        epoch,
        trainLoss: lossSum / c.iterationsPerEpoch,
        trainBdl: needPhi ? bdlSum / c.iterationsPerEpoch : null,
        valLoss: val.loss,
        pseudoDice: val.pseudoDice,
        emaPseudoDice: state.ema,
        lr,
        secondsPerStep: stepTime / 1000 / c.iterationsPerEpoch,
        seconds: (performance.now() - t0) / 1000,
      };
      state.log.push(rec);
      state.epoch = epoch;
      state.scaler = scaler.stateDict();
      const meta = (s: TrainerState): CheckpointMeta => ({ task, plan, config: savedConfig, state: s });
      if (state.ema > state.bestEma) {
        state.bestEma = state.ema;
        state.bestEpoch = epoch;
        await saveCheckpoint(bestPath, net.stateDict(), meta(state));
      }
      await saveCheckpoint(lastPath, net.stateDict(), meta(state), opt.stateDict());
      await writeLog();
      hooks.onEpoch?.(rec);
      console.error(
        `epoch ${epoch + 1}: train ${rec.trainLoss.toFixed(4)} val ${rec.valLoss.toFixed(4)} pseudo-Dice ${rec.pseudoDice.map((d, k) => `${CLASS_NAMES[task][k] ?? `class ${k + 1}`} ${d.toFixed(3)}`).join(', ')}, EMA ${state.ema.toFixed(3)} (${rec.seconds.toFixed(1)} s)`,
      );
    }
    if (world > 1) dist.barrier();
  } finally {
    await trainLoader.close();
    await valLoader.close();
    net.dispose();
    opt.dispose();
  }
  return state;
}

/** Validation loss and nnU-Net's pseudo-Dice (tp/fp/fn summed over the validation patches). */
async function validate(
  net: UNet,
  loader: BatchLoader,
  c: TrainConfig,
  plan: Plan,
  epoch: number,
  lossFn: (outs: Tensor[], t: ReturnType<typeof batchTensors>) => Tensor,
): Promise<{ loss: number; pseudoDice: number[] }> {
  const classes = taskShape(c.task).numClasses;
  const tp = new Float64Array(classes);
  const fp = new Float64Array(classes);
  const fn = new Float64Array(classes);
  let loss = 0;
  net.eval();
  for (let it = 0; it < c.validationIterations; it++) {
    const batch = await loader.next(epoch, it);
    torch.noGrad(() =>
      torch.scope(() => {
        const t = batchTensors(batch, plan, c.device, c.task === 'split' && c.gamma > 0);
        const outs = torch.autocast(() => net.forward(t.input), { enabled: c.amp && c.device !== 'cpu' });
        loss += lossFn(outs, t).item();
        const pred = F.softmax(outs[0].float(), 1).argmax(1);
        for (let k = 1; k < classes; k++) {
          const p = pred.eq(k);
          const g = t.targets[0].eq(k);
          const inter = p.logicalAnd(g).sum().item();
          tp[k] += inter;
          fp[k] += p.sum().item() - inter;
          fn[k] += g.sum().item() - inter;
        }
      }),
    );
  }
  net.train();
  const pseudoDice: number[] = [];
  for (let k = 1; k < classes; k++) {
    const d = 2 * tp[k] + fp[k] + fn[k];
    pseudoDice.push(d > 0 ? (2 * tp[k]) / d : NaN);
  }
  return { loss: loss / c.validationIterations, pseudoDice };
}
