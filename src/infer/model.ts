/**
 * A trained model ready for inference: the network rebuilt from a checkpoint's plan and task, with
 * its weights, in evaluation mode.
 */
import { existsSync } from 'node:fs';
import type { Device } from '../torch/index.js';
import type { UNet } from '../nn/index.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { buildNetwork, type CheckpointMeta } from '../train/trainer.js';
import { validatePlan } from '../train/plan.js';
import { taskShape, type Plan, type Task } from '../train/types.js';

/** A loaded model. Call `dispose()` when done. */
export interface Model {
  net: UNet;
  plan: Plan;
  task: Task;
  /** Where it was loaded from. */
  path: string;
  device: Device;
  /** Training metadata (epochs, best pseudo-Dice, config). */
  meta: CheckpointMeta;
  dispose(): void;
}

/**
 * Loads a checkpoint written by the trainer (`checkpoint_best.safetensors` or `_last`).
 * @throws Error naming the file if it is missing, not a meatus checkpoint, or its weights don't fit its plan.
 */
export async function loadModel(path: string, device: Device = 'cpu'): Promise<Model> {
  if (!existsSync(path)) throw new Error(`model ${path}: no such file`);
  const ck = await loadCheckpoint<CheckpointMeta>(path, device);
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
