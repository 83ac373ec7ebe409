// A tiny raw dataset, plan and `meatus train` arguments for end-to-end training tests
// (train.test.ts, train-distributed.test.ts, the DICOM import's).
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../../src/data/nnunet.js';
import { computeFingerprint } from '../../src/preprocess/fingerprint.js';
import { makePlan, writePlan } from '../../src/preprocess/plan.js';
import { diagonalAffine, type Vec3 } from '../../src/volume/volume.js';

/** Six patients, one 16×24×24 scan each: a bright 6×8×8 box of tumour (EM left, IM right) on noise. Returns `raw`. */
export async function tinyRawDataset(raw: string): Promise<string> {
  const shape: Vec3 = [16, 24, 24];
  const spacing: Vec3 = [1.2, 0.6, 0.6];
  for (let k = 0; k < 6; k++) {
    const img = new Float32Array(16 * 24 * 24);
    const lab = new Uint8Array(img.length);
    for (let i = 0; i < img.length; i++) {
      const z = Math.floor(i / 576);
      const y = Math.floor(i / 24) % 24;
      const x = i % 24;
      const inside = z >= 5 && z < 11 && y >= 8 + k && y < 16 + k && x >= 6 && x < 14;
      lab[i] = inside ? (x < 10 ? 1 : 2) : 0;
      img[i] = 50 + (inside ? 200 : 0) + ((i * 2654435761 + k) % 31);
    }
    const geo = { shape, spacing, affine: diagonalAffine(spacing) };
    await writeNnunetCase(raw, `P${k}_t01`, [{ data: img, ...geo }], { data: lab, ...geo });
  }
  await writeDatasetJson(raw, datasetJson(6));
  return raw;
}

/** A small plan for `raw` (4–16 features, 8 MB budget) written to `file`. Returns `file`. */
export async function tinyPlan(raw: string, file: string): Promise<string> {
  const plan = makePlan(await computeFingerprint(raw), {
    memoryBudgetMB: 8,
    baseFeatures: 4,
    maxFeatures: 16,
  });
  await writePlan(file, plan);
  return file;
}

/**
 * `meatus train` arguments for a tiny wholeTumour run: `epochs` × 2 iterations, 1 validation
 * iteration, batches on the main thread; `extra` appended.
 */
export function tinyTrainArgs(
  dataset: string,
  plan: string,
  out: string,
  epochs = 1,
  ...extra: string[]
): string[] {
  return [
    'train',
    '--dataset',
    dataset,
    '--task',
    'wholeTumour',
    '--plan',
    plan,
    '--out',
    out,
    '--epochs',
    String(epochs),
    '--iterations',
    '2',
    '--val-iterations',
    '1',
    '--workers',
    '0',
    ...extra,
  ];
}
