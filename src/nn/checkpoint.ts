/**
 * Checkpoints: one safetensors file holding the model weights (`model.<name>`), optionally the
 * optimizer state (`optim.<i>.<name>`), and JSON metadata (the plan, the training config, the
 * trainer's progress). One file, written atomically, so a run interrupted at any moment resumes
 * from the last complete checkpoint; the weights load in PyTorch with safetensors too.
 */
import { torch, type Device, type OptimizerStateDict, type Tensor } from '../torch/index.js';

/** The `format` tag in the metadata. */
export const CHECKPOINT_FORMAT = 'meatus-checkpoint-1';

/** What a checkpoint holds once loaded. The tensors are new (dispose them after use). */
export interface LoadedCheckpoint<M> {
  model: Record<string, Tensor>;
  optimizer: OptimizerStateDict<object> | null;
  meta: M;
}

/**
 * Writes a checkpoint atomically.
 * @param meta JSON-serialisable metadata (plan, config, progress).
 */
export async function saveCheckpoint(
  path: string,
  model: Record<string, Tensor>,
  meta: unknown,
  optimizer?: OptimizerStateDict<object>,
): Promise<void> {
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(model)) tensors[`model.${k}`] = v;
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, meta: JSON.stringify(meta) };
  if (optimizer) {
    for (const [k, v] of Object.entries(optimizer.tensors)) tensors[`optim.${k}`] = v;
    metadata.optimizer = JSON.stringify(optimizer.meta);
  }
  await torch.saveSafetensors(path, tensors, metadata);
}

/**
 * Reads a checkpoint.
 * @throws Error naming the file if it is not a meatus checkpoint or its metadata is not JSON.
 */
export async function loadCheckpoint<M>(path: string, device: Device = 'cpu'): Promise<LoadedCheckpoint<M>> {
  const { tensors, metadata } = await torch.loadSafetensors(path, { device });
  const dispose = () => Object.values(tensors).forEach((t) => t.dispose());
  if (metadata.format !== CHECKPOINT_FORMAT) {
    dispose();
    throw new Error(`${path}: not a meatus checkpoint (metadata format '${metadata.format ?? 'missing'}', expected '${CHECKPOINT_FORMAT}')`);
  }
  let meta: M;
  let optMeta: OptimizerStateDict<object>['meta'] | null;
  try {
    meta = JSON.parse(metadata.meta ?? 'null') as M;
    optMeta = metadata.optimizer ? JSON.parse(metadata.optimizer) : null;
  } catch (e) {
    dispose();
    throw new Error(`${path}: checkpoint metadata is not valid JSON (${(e as Error).message})`);
  }
  const model: Record<string, Tensor> = {};
  const optTensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) {
    if (k.startsWith('model.')) model[k.slice(6)] = v;
    else if (k.startsWith('optim.')) optTensors[k.slice(6)] = v;
    else v.dispose();
  }
  return { model, optimizer: optMeta ? { tensors: optTensors, meta: optMeta } : null, meta };
}
