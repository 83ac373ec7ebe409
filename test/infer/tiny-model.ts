// A tiny random baseline model saved as a meatus checkpoint, and tiny T2 scans, for CLI tests of
// `meatus segment` that must run in seconds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { torch } from '../../src/torch/index.js';
import { saveCheckpoint } from '../../src/nn/checkpoint.js';
import { buildNetwork } from '../../src/nn/from-plan.js';
import { validatePlan } from '../../src/preprocess/plan.js';
import { taskShape, type Plan, type Task } from '../../src/preprocess/types.js';
import { UNet } from '../../src/nn/index.js';
import type { Model } from '../../src/infer/model.js';
import { writeNifti } from '../../src/volume/nifti-file.js';
import { diagonalAffine, type Vec3 } from '../../src/volume/volume.js';

const DEFAULT_PLAN = join(import.meta.dirname, '..', '..', 'models', 'default', 'plan.json');

/** The default model's plan with a two-level, 4/8-feature network and an 8×16×16 patch. */
export function tinyPlan(): Plan {
  const plan = JSON.parse(readFileSync(DEFAULT_PLAN, 'utf8')) as Plan;
  const tiny = {
    ...plan,
    spacing: [1.2, 1, 1] as Vec3,
    patchSize: [8, 16, 16] as Vec3,
    network: { features: [4, 8], kernels: [[3, 3, 3], [3, 3, 3]] as Vec3[], strides: [[1, 1, 1], [2, 2, 2]] as Vec3[] },
  };
  return validatePlan(tiny, 'tinyPlan');
}

/** Saves a randomly initialised (seeded) one-stage model to `path`. */
export async function saveTinyBaseline(path: string, seed = 3): Promise<void> {
  torch.manualSeed(seed);
  const plan = tinyPlan();
  const net = buildNetwork(plan, 'baseline', 'cpu', false);
  try {
    await saveCheckpoint(path, net.stateDict(), { task: 'baseline', plan, state: { epoch: 0 } });
  } finally {
    net.dispose();
  }
}

/** Writes `n` small T2-like scans `case<i>_0000.nii.gz` (12×20×20, a bright box on a ramp) into `dir`. */
export async function writeTinyScans(dir: string, ids: string[]): Promise<string[]> {
  const shape: Vec3 = [12, 20, 20];
  const spacing: Vec3 = [1.2, 1, 1];
  const paths: string[] = [];
  for (const [k, id] of ids.entries()) {
    const data = new Float32Array(12 * 20 * 20);
    for (let i = 0; i < data.length; i++) {
      const z = Math.floor(i / 400), y = Math.floor(i / 20) % 20, x = i % 20;
      const inside = z >= 3 && z < 9 && y >= 5 + k && y < 11 + k && x >= 6 && x < 12;
      data[i] = 20 + x + (inside ? 300 : 0);
    }
    const path = join(dir, `${id}_0000.nii.gz`);
    await writeNifti(path, { data, shape, spacing, affine: diagonalAffine(spacing) });
    paths.push(path);
  }
  return paths;
}

/** A seeded random two-level U-Net (4/8 features, patch 8×16×16, 1 mm grid) wrapped as a CPU `Model`. */
export function tinyModel(task: Task, seed: number): Model {
  torch.manualSeed(seed);
  const { inChannels, numClasses } = taskShape(task);
  const network = { features: [4, 8], kernels: [[3, 3, 3], [3, 3, 3]] as Vec3[], strides: [[1, 1, 1], [2, 2, 2]] as Vec3[] };
  const net = new UNet({ inChannels, numClasses, ...network, deepSupervision: false }).eval();
  const plan = { spacing: [1, 1, 1], patchSize: [8, 16, 16], network, normalization: { scheme: 'zscore', useMaskForNorm: false } } as unknown as Plan;
  return { net, plan, task, path: `<${task}>`, device: 'cpu', meta: {} as Model['meta'], dispose: () => net.dispose() };
}
