// The model folder the benchmarks and evaluation scripts run: stage1.safetensors, stage2.safetensors
// and, when present, localiser.safetensors (the built-in models/default has all three).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Device } from '../../src/torch/index.js';
import { loadModel, type Engine, type Model } from '../../src/infer/model.js';

/** The two stages and the localiser (absent: `segment()` runs both stages on the whole scan). */
export interface FolderModels {
  stage1: Model;
  stage2: Model;
  localiser?: Model;
}

/** Whether `dir` holds the two stages. */
export function hasStages(dir: string): boolean {
  return existsSync(join(dir, 'stage1.safetensors')) && existsSync(join(dir, 'stage2.safetensors'));
}

/**
 * Loads `dir`'s stage1.safetensors, stage2.safetensors and, if the file exists,
 * localiser.safetensors, with `engine` (default libtorch) on `device` (default cpu). Set the
 * thread count before: ONNX Runtime takes libtorch's at load time.
 * @throws Error naming the folder if a stage is missing, or `loadModel`'s error for a bad checkpoint.
 */
export async function loadModelFolder(
  dir: string,
  o: { device?: Device; engine?: Engine } = {},
): Promise<FolderModels> {
  if (!hasStages(dir)) throw new Error(`${dir}: expected stage1.safetensors and stage2.safetensors there`);
  const load = (name: string) =>
    loadModel(join(dir, `${name}.safetensors`), o.device ?? 'cpu', { engine: o.engine });
  const models: FolderModels = { stage1: await load('stage1'), stage2: await load('stage2') };
  if (existsSync(join(dir, 'localiser.safetensors'))) models.localiser = await load('localiser');
  return models;
}

/** Disposes every model of a {@link FolderModels}. */
export function disposeModels(models: FolderModels): void {
  for (const m of [models.stage1, models.stage2, models.localiser]) m?.dispose();
}
