/**
 * The dataset fingerprint (nnU-Net v2's `DatasetFingerprintExtractor`): per training case its
 * spacing and its shape after cropping to the non-zero region, foreground intensity statistics,
 * and the median fraction of the volume the crop keeps. The planner (`plan.ts`) derives spacing,
 * patch and topology from it. Also home of the training-case listing and reading that
 * preprocessing shares (nnU-Net raw or crossMoDA layout, detected).
 *
 * Memory: cases are read one at a time; only 10,000 sampled foreground intensities per case are
 * kept.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { crossmodaTrainingCases, readCrossmodaDataset, looksLikeCrossmoda } from '../data/crossmoda.js';
import { readNnunetDataset } from '../data/nnunet.js';
import { Rng, type Seed } from '../data/random.js';
import { boundingBox, type Box } from '../volume/bbox.js';
import { readNifti } from '../volume/nifti-file.js';
import { canonicalReorientation, reorient, reorientVec3 } from '../volume/reorient.js';
import type { Vec3, Volume } from '../volume/volume.js';
import { checkInputImage, type NonfinitePolicy } from './input-check.js';
import type { Fingerprint } from './types.js';
import { percentile, percentileOf } from '../util/percentile.js';

/** One labelled training case: an image file per channel and a label file. */
export interface TrainingCase {
  id: string;
  images: string[];
  label: string;
}

/** A training case read into memory. */
export interface LoadedCase {
  images: Volume[];
  label: Volume;
}

/** Number of label values (0 background, 1 extrameatal, 2 intrameatal). */
export const NUM_LABELS = 3;

/**
 * The labelled training cases of a dataset folder: nnU-Net raw (has `dataset.json`; `imagesTr` +
 * `labelsTr`) or crossMoDA (file names like `crossmoda2023_etz_105_hrT2.nii.gz`; the `hrT2` image
 * is the single channel). crossMoDA cases without a label (target domain) are skipped.
 * @throws Error naming the folder if it is neither layout or has no labelled case, or naming the
 *   case if an nnU-Net case misses a channel or its label.
 */
export async function listTrainingCases(datasetDir: string): Promise<TrainingCase[]> {
  let isNnunet = true;
  try {
    await access(join(datasetDir, 'dataset.json'));
  } catch {
    isNnunet = false;
  }
  let cases: TrainingCase[];
  if (isNnunet) {
    const ds = await readNnunetDataset(datasetDir);
    cases = ds.training.map((c) => {
      const missing = c.images.findIndex((p) => p === undefined);
      if (missing >= 0) throw new Error(`${datasetDir}: case ${c.id}: channel ${missing} image is missing in imagesTr`);
      if (c.label === undefined) throw new Error(`${datasetDir}: case ${c.id}: no label in labelsTr; expected labelsTr/${c.id}${ds.json.file_ending}`);
      return { id: c.id, images: c.images as string[], label: c.label };
    });
  } else if (await looksLikeCrossmoda(datasetDir)) {
    cases = crossmodaTrainingCases(await readCrossmodaDataset(datasetDir));
  } else {
    throw new Error(`${datasetDir}: neither an nnU-Net raw dataset (dataset.json) nor a crossMoDA folder (crossmoda*_hrT2.nii.gz or crossmoda2023_*_T2.nii.gz)`);
  }
  if (cases.length === 0) throw new Error(`${datasetDir}: no labelled training case found`);
  return cases;
}

/**
 * Reads one training case and checks it: images pass `checkInputImage` (non-finite voxels refused
 * or replaced as `nonfinite` says, constant images refused), all channels and the label share one
 * shape, labels are integers 0 … {@link NUM_LABELS} − 1.
 * @throws Error naming the file and what was expected.
 */
export async function readTrainingCase(c: TrainingCase, nonfinite: NonfinitePolicy = 'refuse'): Promise<LoadedCase> {
  const images: Volume[] = [];
  for (const path of c.images) images.push(checkInputImage(await readNifti(path), path, nonfinite));
  const label = await readNifti(c.label);
  const ref = images[0];
  for (const [i, v] of [...images.map((im, i) => [i, im] as const), [-1, label] as const]) {
    const file = i < 0 ? c.label : c.images[i];
    if ((v.channels ?? 1) !== 1) throw new Error(`${file}: ${v.channels} channels, expected a 3-D image`);
    if (v.shape.some((s, a) => s !== ref.shape[a])) {
      throw new Error(`${file}: shape ${v.shape.join('×')}, expected ${ref.shape.join('×')} (the shape of ${c.images[0]})`);
    }
  }
  for (let i = 0; i < label.data.length; i++) {
    const l = label.data[i];
    if (!(l === 0 || l === 1 || l === 2)) {
      throw new Error(`${c.label}: label value ${l} at voxel ${i}, expected 0 (background), 1 (extrameatal) or 2 (intrameatal)`);
    }
  }
  return { images, label };
}

/**
 * nnU-Net's `create_nonzero_mask`: voxels where any channel is non-zero (nnU-Net also fills holes,
 * which does not change the bounding box; see `preprocess.ts` for the normalisation mask).
 */
export function nonzeroMask(images: Volume[]): Uint8Array {
  const n = images[0].data.length;
  const mask = new Uint8Array(n);
  for (const im of images) for (let i = 0; i < n; i++) if (im.data[i] !== 0) mask[i] = 1;
  return mask;
}

/**
 * The crop of nnU-Net's `crop_to_nonzero`: the bounding box of {@link nonzeroMask}; the whole
 * volume if every voxel is zero.
 */
export function nonzeroBox(images: Volume[]): Box {
  const shape = images[0].shape;
  return boundingBox(nonzeroMask(images), shape) ?? { start: [0, 0, 0], end: [...shape] as Vec3 };
}

/** Per-case fingerprint (nnU-Net's `analyze_case`). */
export interface CaseFingerprint {
  /** Spacing `[z, y, x]` mm in the canonical orientation (RAS, see `src/volume/reorient.ts`). */
  spacing: Vec3;
  /** Shape after cropping to non-zero, canonical orientation. */
  shapeAfterCrop: Vec3;
  /** Voxels after crop / voxels before. */
  relativeSizeAfterCrop: number;
  /** Channel-0 intensities sampled (with replacement) from voxels where label > 0; empty if none. */
  foregroundSamples: Float64Array;
}

/**
 * The fingerprint of one case. Foreground voxels (label > 0) of channel 0 are sampled uniformly
 * with replacement, `samples` of them (nnU-Net: `rs.choice(foreground, n, replace=True)`).
 * Spacing and shape are given in the canonical orientation the network will see, so that cases
 * stored in different orders plan alike.
 * @throws Error for a degenerate affine.
 */
export function caseFingerprint(images: Volume[], label: Volume, seed: Seed, samples = 10000): CaseFingerprint {
  const r = canonicalReorientation(images[0].affine);
  const box = nonzeroBox(images);
  const shapeAfterCrop = reorientVec3(box.end.map((e, a) => e - box.start[a]) as Vec3, r);
  // Foreground voxels in canonical order, so the samples do not depend on the storage order.
  const lab = reorient(label, r).data;
  const img = reorient(images[0], r).data;
  const n = lab.length;
  const fg: number[] = [];
  for (let i = 0; i < n; i++) if (lab[i] > 0) fg.push(i);
  const rng = new Rng(seed);
  const out = new Float64Array(fg.length > 0 ? samples : 0);
  for (let k = 0; k < out.length; k++) out[k] = img[fg[rng.int(0, fg.length)]];
  const before = images[0].shape.reduce((p, s) => p * s, 1);
  return {
    spacing: reorientVec3(images[0].spacing, r),
    shapeAfterCrop,
    relativeSizeAfterCrop: shapeAfterCrop.reduce((p, s) => p * s, 1) / before,
    foregroundSamples: out,
  };
}


/**
 * Combines per-case fingerprints: spacings and shapes as listed, intensity statistics over the
 * pooled samples (mean, population std, 0.5 / 99.5 percentiles, min, max; all NaN-free zeros if
 * no case has foreground), median relative size.
 */
export function combineFingerprints(cases: CaseFingerprint[]): Fingerprint {
  const total = cases.reduce((n, c) => n + c.foregroundSamples.length, 0);
  const all = new Float64Array(total);
  let o = 0;
  for (const c of cases) {
    all.set(c.foregroundSamples, o);
    o += c.foregroundSamples.length;
  }
  all.sort();
  let mean = 0;
  for (const v of all) mean += v;
  mean = total > 0 ? mean / total : 0;
  let ss = 0;
  for (const v of all) ss += (v - mean) ** 2;
  return {
    spacings: cases.map((c) => [...c.spacing] as Vec3),
    shapesAfterCrop: cases.map((c) => [...c.shapeAfterCrop] as Vec3),
    foregroundIntensity: {
      mean,
      std: total > 0 ? Math.sqrt(ss / total) : 0,
      p00_5: total > 0 ? percentile(all, 0.5) : 0,
      p99_5: total > 0 ? percentile(all, 99.5) : 0,
      min: total > 0 ? all[0] : 0,
      max: total > 0 ? all[total - 1] : 0,
    },
    medianRelativeSizeAfterCrop: percentileOf(
      cases.map((c) => c.relativeSizeAfterCrop),
      50,
    ),
  };
}

/** Options of {@link computeFingerprint}. */
export interface FingerprintOptions {
  /** Seed of the foreground sampling (default 1234, nnU-Net's). Case `i` uses `${seed}/${id}`. */
  seed?: number;
  /** Foreground samples per case (default 10,000). */
  samplesPerCase?: number;
  /** Called after each case. */
  onProgress?: (done: number, total: number, id: string) => void;
  /** Non-finite voxels: refuse the case (default) or replace them (see `checkInputImage`). */
  nonfinite?: NonfinitePolicy;
}

/**
 * The fingerprint of a dataset folder's labelled training cases (see {@link listTrainingCases}).
 * Cases are read one at a time; the next case's files are read while the current one is analysed.
 * The foreground intensity statistics come from the cases that have foreground: a case without a
 * tumour (a healthy control) adds its spacing and shape only.
 * @throws Error naming the file for unreadable or inconsistent cases; naming the folder when no
 *   case has any foreground.
 * @example const fp = await computeFingerprint('data/Dataset001_VS');
 */
export async function computeFingerprint(datasetDir: string, opts: FingerprintOptions = {}): Promise<Fingerprint> {
  const cases = await listTrainingCases(datasetDir);
  const seed = opts.seed ?? 1234;
  const out: CaseFingerprint[] = [];
  let next: Promise<LoadedCase> | null = readTrainingCase(cases[0], opts.nonfinite);
  for (let i = 0; i < cases.length; i++) {
    const loaded: LoadedCase = await next!;
    next = i + 1 < cases.length ? readTrainingCase(cases[i + 1], opts.nonfinite) : null;
    // Keep an unobserved rejection of the prefetch from crashing the process; it is awaited next turn.
    next?.catch(() => undefined);
    out.push(caseFingerprint(loaded.images, loaded.label, `${seed}/${cases[i].id}`, opts.samplesPerCase));
    opts.onProgress?.(i + 1, cases.length, cases[i].id);
  }
  // Healthy cases (no label > 0) add no intensity sample; a dataset of only those has no tumour to learn.
  if ((opts.samplesPerCase ?? 1) > 0 && out.every((c) => c.foregroundSamples.length === 0)) {
    throw new Error(`${datasetDir}: none of the ${cases.length} labelled training cases has a tumour voxel (label > 0); planning and training need at least one (cases without a tumour are fine alongside)`);
  }
  return combineFingerprints(out);
}
