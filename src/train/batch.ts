/**
 * Batch assembly: which cases a batch holds, one patch per case (sampled, augmented), and the
 * task's channels, targets and φ.
 *
 * **Reproducibility**: batch `(epoch, iteration)` draws only from an `Rng` derived from
 * `(seed, epoch, iteration)` — never from worker identity, timing or earlier batches — so a
 * resumed run, or any number of workers, sees the same batches bit for bit. Sample `i` draws from
 * its own fork of that stream, so it does not depend on the other samples either.
 *
 * Per task (see `taskShape`):
 * - `wholeTumour`: image = [T2]; target = label > 0.
 * - `baseline`: image = [T2]; target = label (0/1/2).
 * - `split`: image = [T2, whole-tumour mask]; the mask is the reference `label > 0` or the case's
 *   stage-1 `wholeTumourPrediction` (`stage2Input: 'prediction'`), moved with the label (nearest);
 *   target = label; φ = `boundaryDistanceMap(target)` in mm, computed after augmentation.
 *
 * Validation batches (`augment: false`) use the same sampling (nnU-Net validates on patches) with
 * the final patch size as input and no transform.
 */
import { Rng, type Seed } from '../data/random.js';
import { boundaryDistanceMap } from '../volume/interface.js';
import type { Vec3 } from '../volume/volume.js';
import { augment, augmentationParams, type AugmentParams } from './augment/pipeline.js';
import {
  ClassLocationCache,
  FOREGROUND_OVERSAMPLING,
  foregroundClasses,
  isForcedForeground,
  samplePatch,
  type ForegroundPlacement,
  type Sample,
} from './sampler.js';
import { taskShape, type PreprocessedCase, type Task } from '../preprocess/types.js';
import type { Batch } from './types.js';

/** What the stage-2 (`split`) mask channel is made from. */
export type Stage2Input = 'reference' | 'prediction';

/** The settings of a stream of batches (everything but the batch's position). */
export interface BatchStreamOptions {
  /** Final patch size `[z, y, x]` voxels. */
  patchSize: Vec3;
  batchSize: number;
  seed: Seed;
  /** Augment (training) or not (validation). */
  augment: boolean;
  /** `split` only: the mask channel from the reference labels (default) or the stage-1 prediction. */
  stage2Input?: Stage2Input;
  /** Fraction of foreground-forced samples (default nnU-Net's 0.33). */
  oversampleForeground?: number;
  /** Where a forced foreground voxel lands in the patch (default 'anywhere'; nnU-Net: 'centre'). */
  foregroundPlacement?: ForegroundPlacement;
  /**
   * Probability (0–1, default 0) that a sample not forced to hold foreground is placed instead at the
   * mirror image of a foreground voxel across the case's left–right middle (`samplePatch`'s
   * `contralateral`): in a head, the other ear, whose normal canal is the commonest false tumour. Not
   * nnU-Net's; it needs cases cropped to the head and stored in the plan's RAS orientation.
   */
  contralateral?: number;
  /**
   * Hard negatives (src/train/hard-negatives.ts): a sample neither forced to hold foreground nor
   * placed contralaterally is, with probability `share` (0–1) and when its case has `points`
   * (voxels `[z, y, x]`, by case id), placed instead on one of them, drawn uniformly. Not nnU-Net's;
   * absent or `share` 0 keeps nnU-Net's stream.
   */
  hardNegatives?: { share: number; points: Record<string, Vec3[]> };
  /** Overrides of nnU-Net's augmentation defaults. */
  augmentation?: Partial<AugmentParams>;
}

/** Options of {@link makeBatch}: a stream's settings plus the batch's position in it. */
export interface BatchOptions extends BatchStreamOptions {
  epoch: number;
  iteration: number;
  /** Cache of foreground locations across calls (default: a fresh one per call). */
  locationCache?: ClassLocationCache;
}

/** The stream of batch `(epoch, iteration)` of a run seeded `seed`. */
export function batchRng(seed: Seed, epoch: number, iteration: number): Rng {
  return new Rng(`batch/${typeof seed}:${seed}/epoch ${epoch}/iteration ${iteration}`);
}

function checkOptions(o: BatchOptions): void {
  const bad = (what: string): never => {
    throw new Error(`makeBatch: ${what}`);
  };
  if (!(o.patchSize?.length === 3 && o.patchSize.every((s) => Number.isInteger(s) && s >= 1)))
    bad(`patchSize [${String(o.patchSize)}], expected three integers ≥ 1 [z, y, x]`);
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1))
    bad(`batchSize ${o.batchSize}, expected an integer ≥ 1`);
  if (!(Number.isInteger(o.epoch) && o.epoch >= 0 && Number.isInteger(o.iteration) && o.iteration >= 0))
    bad(`epoch ${o.epoch} / iteration ${o.iteration}, expected integers ≥ 0`);
  if (o.contralateral !== undefined && !(o.contralateral >= 0 && o.contralateral <= 1))
    bad(`contralateral ${o.contralateral}, expected a probability from 0 to 1`);
  if (o.hardNegatives !== undefined && !(o.hardNegatives.share >= 0 && o.hardNegatives.share <= 1))
    bad(`hardNegatives.share ${o.hardNegatives.share}, expected a probability from 0 to 1`);
  if (o.stage2Input !== undefined && o.stage2Input !== 'reference' && o.stage2Input !== 'prediction')
    bad(`stage2Input '${String(o.stage2Input)}', expected 'reference' or 'prediction'`);
}

/**
 * The indices (into a list of `count` cases) of the cases of batch `(epoch, iteration)`: uniform,
 * with replacement, like nnU-Net's training loader.
 * @throws Error if `count` is 0.
 */
export function pickCases(
  count: number,
  o: Pick<BatchOptions, 'seed' | 'epoch' | 'iteration' | 'batchSize'>,
): number[] {
  if (count < 1) throw new Error('makeBatch: no cases to draw from');
  const rng = batchRng(o.seed, o.epoch, o.iteration).fork('cases');
  return Array.from({ length: o.batchSize }, () => rng.int(0, count));
}

/** The augmentation parameters of a stream (also gives the input size the sampler cuts). */
export function streamAugmentation(o: BatchStreamOptions): AugmentParams {
  return augmentationParams(o.patchSize, o.augmentation);
}

/** The hard negative a sample is placed on, if any (draws only for a case with points and a share > 0). */
function hardNegative(h: BatchStreamOptions['hardNegatives'], id: string, r: Rng): Vec3 | undefined {
  const points = h && h.share > 0 && Object.hasOwn(h.points, id) ? h.points[id] : [];
  if (points.length === 0) return undefined;
  const d = r.fork('hard negative');
  return d.bool(h!.share) ? points[d.int(0, points.length)] : undefined;
}

/** Writes the class target of `task` at `offset` of `out`, checking that labels are 0/1/2. */
function writeTarget(label: Uint8Array, task: Task, out: Uint8Array, offset: number, id: string): void {
  for (let i = 0; i < label.length; i++) {
    const l = label[i];
    if (l > 2) throw new Error(`case '${id}': label ${l} found, expected 0 (background), 1 (EM) or 2 (IM)`);
    out[offset + i] = task === 'wholeTumour' ? (l > 0 ? 1 : 0) : l;
  }
}

/**
 * Assembles the batch `(opts.epoch, opts.iteration)` from `picked` (one case per sample, in order,
 * usually `pickCases` applied to the dataset). See the file header for the channels per task.
 * Layout: image `[B, C, Z, Y, X]` float32, target and φ `[B, Z, Y, X]`.
 * @throws Error naming the case for inconsistent case arrays, a label outside 0–2 or a missing
 *   `wholeTumourPrediction` with `stage2Input: 'prediction'`; and for bad options.
 */
export function assembleBatch(picked: readonly PreprocessedCase[], task: Task, opts: BatchOptions): Batch {
  checkOptions(opts);
  if (picked.length !== opts.batchSize) {
    throw new Error(`makeBatch: ${picked.length} cases picked for a batch of ${opts.batchSize}`);
  }
  const { inChannels } = taskShape(task);
  const [pz, py, px] = opts.patchSize;
  const n = pz * py * px;
  const B = opts.batchSize;
  const image = new Float32Array(B * inChannels * n);
  const target = new Uint8Array(B * n);
  const phi = task === 'split' ? new Float32Array(B * n) : undefined;
  const params = opts.augment ? streamAugmentation(opts) : null;
  const classes = foregroundClasses(task);
  const cache = opts.locationCache ?? new ClassLocationCache();
  const rng = batchRng(opts.seed, opts.epoch, opts.iteration);
  const usePrediction = task === 'split' && opts.stage2Input === 'prediction';

  picked.forEach((c, b) => {
    try {
      const r = rng.fork(`sample ${b}`);
      const forced = isForcedForeground(b, B, opts.oversampleForeground ?? FOREGROUND_OVERSAMPLING);
      // The draw only when the option is on, so that runs without it keep nnU-Net's stream.
      const contralateral = !forced && (opts.contralateral ?? 0) > 0 && r.fork('contralateral').bool(opts.contralateral);
      const forceForeground = forced || contralateral;
      const at = forceForeground ? undefined : hardNegative(opts.hardNegatives, c.id, r);
      let s: Sample = samplePatch(
        c,
        {
          at,
          contralateral,
          patchSize: opts.patchSize,
          inputSize: params?.inputSize,
          forceForeground,
          locations: forceForeground ? cache.get(c, classes) : [],
          placement: opts.foregroundPlacement,
          withPrediction: usePrediction,
        },
        r.fork('patch'),
      );
      if (params) s = augment(s, r.fork('augment'), params);
      image.set(s.image.subarray(0, n), b * inChannels * n);
      writeTarget(s.label, task, target, b * n, c.id);
      if (phi) {
        const mask = usePrediction ? s.masks[0] : s.label;
        const off = (b * inChannels + 1) * n;
        for (let i = 0; i < n; i++) image[off + i] = mask[i] > 0 ? 1 : 0;
        // Without both EM and IM there is no interface: φ = +Infinity (skips the EDT).
        if (s.label.includes(1) && s.label.includes(2))
          phi.set(boundaryDistanceMap(s.label, opts.patchSize, s.spacing), b * n);
        else phi.fill(Infinity, b * n, (b + 1) * n);
      }
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(msg.includes(`'${c.id}'`) ? msg : `case '${c.id}': ${msg}`);
    }
  });
  return {
    image,
    target,
    ...(phi ? { phi } : {}),
    shape: [B, inChannels, pz, py, px],
    ids: picked.map((c) => c.id),
  };
}

/**
 * Batch `(opts.epoch, opts.iteration)` of a run over `cases` for `task`: `batchSize` cases drawn
 * uniformly with replacement, one patch each (foreground forced for the last third), augmented
 * when `opts.augment`. The same options give the same bytes, whoever calls.
 * @throws Error as {@link assembleBatch}, or if `cases` is empty.
 * @example makeBatch(cases, 'split', { patchSize: [40, 128, 128], batchSize: 2, seed: 1, epoch: 0, iteration: 0, augment: true, stage2Input: 'reference' })
 */
export function makeBatch(cases: readonly PreprocessedCase[], task: Task, opts: BatchOptions): Batch {
  checkOptions(opts);
  return assembleBatch(
    pickCases(cases.length, opts).map((i) => cases[i]),
    task,
    opts,
  );
}
