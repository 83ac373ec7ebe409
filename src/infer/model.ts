/**
 * A trained model ready for inference: the network rebuilt from a checkpoint's plan and task, with
 * its weights, in evaluation mode.
 */
import { existsSync } from 'node:fs';
import type { Device } from '../torch/index.js';
import type { UNet } from '../nn/index.js';
import { loadCheckpoint } from '../nn/checkpoint.js';
import { buildNetwork } from '../nn/from-plan.js';
import { validatePlan } from '../preprocess/plan.js';
import { taskShape, type Plan, type Task } from '../preprocess/types.js';

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
  dispose(): void;
}

/**
 * Loads a checkpoint written by the trainer (`checkpoint_best.safetensors` or `_last`).
 * @throws Error naming the file if it is missing, not a meatus checkpoint, or its weights don't fit its plan.
 */
export async function loadModel(path: string, device: Device = 'cpu'): Promise<Model> {
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
    return { net, plan, task: meta.task, path, device, meta, dispose: () => net.dispose() };
  } finally {
    for (const t of Object.values(ck.model)) t.dispose();
    for (const t of Object.values(ck.optimizer?.tensors ?? {})) t.dispose();
  }
}
