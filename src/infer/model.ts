/**
 * A trained model ready for inference: the network rebuilt from a checkpoint's plan and task, with
 * its weights, in evaluation mode.
 */
import { existsSync } from 'node:fs';
import { torch, type Device } from '../torch/index.js';
import type { UNet } from '../nn/index.js';
import { loadCheckpoint } from '../nn/checkpoint.js';
import { buildNetwork } from '../nn/from-plan.js';
import { validatePlan } from '../preprocess/plan.js';
import { taskShape, type Plan, type Task } from '../preprocess/types.js';
import type { OnnxNetwork } from './onnx-session.js';

/** What runs the network at inference: libtorch (the default) or ONNX Runtime (CPU). */
export type Engine = 'libtorch' | 'onnxruntime';

/**
 * What inference reads of a checkpoint's metadata (the trainer writes more: see `CheckpointMeta` in
 * `src/train/trainer.ts`; inference never imports the trainer).
 */
export interface ModelMeta {
  task: Task;
  plan: Plan;
  /** The training configuration; `data` names the preprocessed data it was trained on. */
  config?: { data?: string; [key: string]: unknown };
  /** The trainer's progress; `epoch` is the last finished epoch (0-based). */
  state?: { epoch?: number; [key: string]: unknown };
}

/** A loaded model. Call `dispose()` when done. */
export interface Model {
  net: UNet;
  plan: Plan;
  task: Task;
  /** Where it was loaded from. */
  path: string;
  device: Device;
  /** Training metadata (epochs, best pseudo-Dice, config). */
  meta: ModelMeta;
  /** With the onnxruntime engine: the network exported to ONNX and loaded in ONNX Runtime. */
  onnx?: OnnxNetwork;
  /**
   * The other networks of an ensemble (`loadEnsemble`): same task, target spacing, patch size,
   * normalisation and orientation. Predictions average the logits of this network and these, tile by
   * tile, before the softmax. Absent for a single network. `dispose()` disposes them too.
   */
  ensemble?: readonly Model[];
  dispose(): void;
}

/**
 * Loads a checkpoint written by the trainer (`checkpoint_best.safetensors` or `_last`). With
 * `engine: 'onnxruntime'` the network is also exported to ONNX in memory (`exportOnnx`) and
 * predictions run in ONNX Runtime on CPU, with as many threads as libtorch uses.
 * @throws Error naming the file if it is missing, not a meatus checkpoint, or its weights don't fit
 *   its plan; Error for the onnxruntime engine on a device other than the CPU.
 */
export async function loadModel(path: string, device: Device = 'cpu', o: { engine?: Engine } = {}): Promise<Model> {
  if (o.engine === 'onnxruntime' && device !== 'cpu') throw new Error(`model ${path}: the onnxruntime engine runs on the CPU only, got device '${device}'`);
  if (!existsSync(path)) throw new Error(`model ${path}: no such file`);
  const ck = await loadCheckpoint<ModelMeta>(path, device);
  try {
    const meta = ck.meta;
    if (!meta || typeof meta !== 'object' || !meta.task || !meta.plan) throw new Error(`${path}: the checkpoint has no task or plan in its metadata`);
    taskShape(meta.task);
    const plan = validatePlan(meta.plan, `${path}: plan`);
    const net = buildNetwork(plan, meta.task, device, false);
    try {
      net.loadStateDict(ck.model);
    } catch (e) {
      net.dispose();
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    net.eval();
    const model: Model = { net, plan, task: meta.task, path, device, meta, dispose: () => net.dispose() };
    if (o.engine === 'onnxruntime') {
      const [{ exportOnnx }, { OnnxNetwork }] = await Promise.all([import('./onnx-export.js'), import('./onnx-session.js')]);
      const onnx = new OnnxNetwork(exportOnnx(model), { threads: torch.getNumThreads() });
      Object.assign(model, {
        onnx,
        dispose: () => {
          net.dispose();
          onnx.dispose();
        },
      });
    }
    return model;
  } finally {
    for (const t of Object.values(ck.model)) t.dispose();
    for (const t of Object.values(ck.optimizer?.tensors ?? {})) t.dispose();
  }
}

/** The plan fields every member of an ensemble must share: what decides the tiles and their inputs. */
const ENSEMBLE_PLAN_FIELDS = ['spacing', 'patchSize', 'normalization', 'orientation'] as const;

/**
 * Loads several checkpoints of one task as an ensemble: the first is returned with the others as its
 * `ensemble`, and every prediction averages their logits before the softmax. This is nnU-Net v2's
 * ensemble of folds (`nnUNetPredictor.predict_logits_from_preprocessed_data` sums the sliding-window
 * logits of each parameter set and divides by their number; MIC-DKFZ/nnUNet,
 * nnunetv2/inference/predict_from_raw_data.py, commit 0e49508); here the mean is taken per tile, which
 * is the same because the Gaussian-weighted tile sum is linear in the logits. One path: `loadModel`.
 * @throws Error if `paths` is empty; `loadModel`'s error for a bad file; Error naming both files if a
 *   member's task, spacing, patch size, normalisation or orientation differs from the first's.
 */
export async function loadEnsemble(paths: readonly string[], device: Device = 'cpu', o: { engine?: Engine } = {}): Promise<Model> {
  if (paths.length === 0) throw new Error('loadEnsemble: no checkpoint given');
  const models: Model[] = [];
  try {
    for (const p of paths) models.push(await loadModel(p, device, o));
    const [first, ...rest] = models;
    for (const m of rest) {
      if (m.task !== first.task) throw new Error(`${m.path}: an ensemble member for '${m.task}', but ${first.path} is for '${first.task}'`);
      for (const f of ENSEMBLE_PLAN_FIELDS) {
        const [a, b] = [JSON.stringify(first.plan[f] ?? null), JSON.stringify(m.plan[f] ?? null)];
        if (a !== b) throw new Error(`${m.path}: plan.${f} is ${b}, but ${first.path} has ${a}; the members of an ensemble must share it`);
      }
    }
    if (rest.length === 0) return first;
    return { ...first, ensemble: rest, dispose: () => models.forEach((m) => m.dispose()) };
  } catch (e) {
    models.forEach((m) => m.dispose());
    throw e;
  }
}
