/**
 * The prediction steps of an experiment: each prediction set (see `work.ts`) over the test cases,
 * written as `predictions/<set>-s<seed>/<id>.nii.gz` (uint8, the T2's geometry), skipping cases
 * already predicted.
 *
 * As in the paper, stage 2 at test time always takes the stage-1 prediction of the same seed
 * (`predictions/stage1-s<seed>/<id>.nii.gz`, largest 6-connected component) — stage 1 runs once per
 * seed, not once per γ. The upper bound gives stage 2 the reference WT mask (label > 0) instead.
 * Stage 2 runs on the tiles around the WT mask (margin 2 voxels) and every WT voxel becomes EM or
 * IM, whichever stage 2 finds more probable — exactly what `segment()` does.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, type Model } from '../infer/model.js';
import { segment } from '../infer/pipeline.js';
import { predictCase } from '../infer/predict.js';
import type { TrainingCase } from '../preprocess/fingerprint.js';
import { maskToPreprocessedGrid } from '../preprocess/preprocess.js';
import { boundingBox, expandBox, type Box } from '../volume/bbox.js';
import { largestComponent } from '../volume/components.js';
import { readNifti, writeNifti } from '../volume/nifti-file.js';
import { volumeLike, type Volume } from '../volume/volume.js';
import type { ExperimentConfig } from './config.js';
import type { Say } from './steps-data.js';
import { layout, type PredictionSpec } from './work.js';

/**
 * The whole-tumour mask of two-class (background, tumour) probabilities `[2, n]`: tumour where its
 * probability is higher (the argmax; ties to the background).
 */
export function tumourMask(p: Float32Array, n: number): Uint8Array {
  if (p.length !== 2 * n) throw new Error(`tumourMask: ${p.length} probabilities, expected 2 × ${n} (a stage-1 model)`);
  return Uint8Array.from({ length: n }, (_, i) => (p[n + i] > p[i] ? 1 : 0));
}

/** Stage 2 given a WT mask: EM (1) or IM (2) for every WT voxel, background elsewhere. */
export function stage2Label(model: Model, t2: Volume, wt: Volume<Uint8Array>): Uint8Array {
  const n = wt.data.length;
  const label = new Uint8Array(n);
  if (!wt.data.some((v) => v)) return label;
  let region: Box | undefined;
  const { probabilities } = predictCase(model, [t2], {
    extraChannels: (p) => {
      const grid = Float32Array.from(maskToPreprocessedGrid(wt, p), (v) => (v > 0 ? 1 : 0));
      const box = boundingBox(grid, p.shape);
      region = box ? expandBox(box, [2, 2, 2], p.shape) : undefined;
      return [grid];
    },
    get region() {
      return region;
    },
  });
  const p = probabilities.data;
  for (let i = 0; i < n; i++) if (wt.data[i]) label[i] = p[n + i] >= p[2 * n + i] ? 1 : 2;
  return label;
}

/** The label map of one test case for one prediction set. */
async function predictOne(spec: PredictionSpec, model: Model, c: TrainingCase, cfg: ExperimentConfig): Promise<{ t2: Volume; label: Uint8Array }> {
  const t2 = await readNifti(c.images[0]);
  const n = t2.data.length;
  const src = spec.source;
  if (src.kind === 'baseline') return { t2, label: segment(t2, { baseline: model }).label.data };
  if (src.kind === 'stage1') {
    const { probabilities } = predictCase(model, [t2]);
    return { t2, label: largestComponent(tumourMask(probabilities.data, n), t2.shape, 6) };
  }
  const wtFile =
    src.wholeTumour === 'reference' ? c.label : join(layout(cfg.output).predictions, `stage1-s${spec.seed}`, `${c.id}.nii.gz`);
  if (!existsSync(wtFile)) throw new Error(`stage 2 of ${spec.id}: the whole-tumour mask ${wtFile} is missing; expected stage 1 to be predicted first`);
  const wtVol = await readNifti(wtFile);
  if (wtVol.data.length !== n) throw new Error(`${wtFile}: ${wtVol.data.length} voxels, expected ${n} (the shape of ${c.images[0]})`);
  const wt = volumeLike(t2, Uint8Array.from(wtVol.data, (v) => (v > 0 ? 1 : 0)));
  return { t2, label: stage2Label(model, t2, wt) };
}

/**
 * Predicts the test cases of one prediction set that have no prediction yet.
 * @returns how many were written and skipped.
 * @throws Error naming the checkpoint or file that is missing or unreadable.
 */
export async function predictStep(cfg: ExperimentConfig, spec: PredictionSpec, tests: TrainingCase[], say: Say): Promise<{ written: number; skipped: number }> {
  const missing = tests.filter((c) => !existsSync(join(spec.dir, `${c.id}.nii.gz`)));
  if (missing.length === 0) {
    say(`predict ${spec.id} (seed ${spec.seed}): ${tests.length} cases exist, skipped`);
    return { written: 0, skipped: tests.length };
  }
  const model = await loadModel(join(spec.source.run.dir, 'checkpoint_best.safetensors'), cfg.training.device);
  try {
    say(`predict ${spec.id} (seed ${spec.seed}): ${missing.length} of ${tests.length} test cases → ${spec.dir}`);
    for (const c of missing) {
      const { t2, label } = await predictOne(spec, model, c, cfg);
      await writeNifti(join(spec.dir, `${c.id}.nii.gz`), volumeLike(t2, label), { datatype: 'uint8', reference: t2 });
    }
  } finally {
    model.dispose();
  }
  return { written: missing.length, skipped: tests.length - missing.length };
}
