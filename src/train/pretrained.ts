/**
 * Fine-tuning's starting point (`meatus train --pretrained FILE`, nnU-Net's `-pretrained_weights`):
 * the weights of a meatus checkpoint trained for the same task with the same network. Only the
 * weights are taken; optimizer, epoch count and EMA start fresh. What differs between the
 * checkpoint and the run is said, with the file, before any training (and, from the CLI, before
 * any preprocessing).
 */
import type { Device, Tensor } from '../torch/index.js';
import { loadCheckpoint } from '../nn/checkpoint.js';
import type { NetworkPlan, Task } from '../preprocess/types.js';

/**
 * What differs between two network topologies, field by field (`features 4, 8, 16 against 8, 16,
 * 32`), or null when they are the same.
 * @param names how to call `a` and `b` in the text.
 */
export function networkDifference(a: NetworkPlan, b: NetworkPlan, names: [string, string] = ['the checkpoint', 'the plan']): string | null {
  const show = (v: unknown) => (Array.isArray(v) ? v.map((x) => (Array.isArray(x) ? `[${x.join(', ')}]` : String(x))).join(', ') : JSON.stringify(v));
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof NetworkPlan)[];
  const diffs = fields.filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f])).map((f) => `${f} ${show(a[f])} (${names[0]}) against ${show(b[f])} (${names[1]})`);
  return diffs.length ? diffs.join('; ') : null;
}

/**
 * Why a checkpoint with metadata `meta` cannot start a run of `task` with `network` (not checked
 * when undefined), or null when it can.
 */
export function pretrainedMismatch(meta: unknown, task: Task, network?: NetworkPlan): string | null {
  const m = meta as { task?: unknown; plan?: { network?: NetworkPlan } } | null;
  if (!m || typeof m !== 'object' || typeof m.task !== 'string' || !m.plan?.network) {
    return 'not a training checkpoint (its metadata has no task and plan; expected a checkpoint_*.safetensors written by meatus train)';
  }
  if (m.task !== task) return `a checkpoint of task '${m.task}', this run is '${task}'`;
  const diff = network && networkDifference(m.plan.network, network);
  if (diff) {
    return `the checkpoint's network differs from the plan's: ${diff}; train with the plan the checkpoint was trained with (--plan: the plan.json of its run, or models/default/plan.json for the built-in model), or drop --pretrained`;
  }
  return null;
}

/**
 * Loads the model weights of checkpoint `file` for a run of `task` with `network` (not checked when
 * undefined); the caller disposes the tensors.
 * @throws Error naming the file: unreadable or not a meatus checkpoint, another task, another network.
 */
export async function loadPretrained(file: string, task: Task, network: NetworkPlan | undefined, device: Device): Promise<Record<string, Tensor>> {
  // loadCheckpoint's errors name the file already.
  const ck = await loadCheckpoint(file, device).catch((e: Error) => Promise.reject(new Error(`--pretrained: ${e.message}`)));
  Object.values(ck.optimizer?.tensors ?? {}).forEach((t) => t.dispose());
  const why = pretrainedMismatch(ck.meta, task, network);
  if (why) {
    Object.values(ck.model).forEach((t) => t.dispose());
    throw new Error(`--pretrained ${file}: ${why}`);
  }
  return ck.model;
}

/**
 * Checks, keeping nothing, that checkpoint `file` can start a run of `task` (and of `network`, when
 * known): what the CLI does before planning and preprocessing.
 * @throws Error as {@link loadPretrained}.
 */
export async function checkPretrained(file: string, task: Task, network?: NetworkPlan): Promise<void> {
  const model = await loadPretrained(file, task, network, 'cpu');
  Object.values(model).forEach((t) => t.dispose());
}
