/**
 * Preprocessing like nnU-Net v2's `DefaultPreprocessor` for `3d_fullres`, and its inverse for
 * inference. Per case:
 * 0. **orient**: array axes permuted and flipped (no interpolation) to the closest canonical
 *    orientation, RAS (`src/volume/reorient.ts`; nnU-Net has no such step, MONAI's `Orientationd` does), so a
 *    network sees every scan the same way whatever its storage order; then in nnU-Net's order:
 * 1. **crop** to the bounding box of the non-zero region (any channel ≠ 0);
 * 2. **z-score** each channel (`(x − mean) / max(std, 1e-8)`), over the hole-filled non-zero mask
 *    with 0 outside when the plan says `useMaskForNorm`, else over the whole crop;
 * 3. **resample** to the plan's spacing, shape `round(spacing / target · shape)`: images
 *    linearly, labels by one-hot linear interpolation + argmax.
 * Deviations from nnU-Net: images are resampled (tri)linearly where nnU-Net uses a 3rd-order
 * spline — and, on anisotropic data (max/min spacing > 3), nearest neighbour along the coarse axis
 * ("separate z"); labels outside the non-zero mask stay 0 (nnU-Net marks them −1).
 *
 * On disk (`outDir`): `<id>.image.f32` (float32 little-endian `[C, z, y, x]`, x fastest),
 * `<id>.label.u8` (`[z, y, x]`), optionally `<id>.wtpred.u8` (a stage-1 whole-tumour prediction `[z, y, x]`,
 * 0/1, for training stage 2 on predictions), `<id>.json` ({@link CaseFile}: id, patient, shape, spacing,
 * channels and the {@link CaseProperties} that undo the preprocessing), `plan.json` (the plan) and,
 * written last, `cases.json` (the case list). Every file is written atomically.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, endianness } from 'node:os';
import { join } from 'node:path';
import { parentPort, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/worker.js';
import { caseIdentity } from '../data/cases.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { replaceFolder } from '../util/replace-folder.js';
import type { Box } from '../volume/bbox.js';
import { label as labelComponents } from '../volume/components.js';
import { crop, extractRegion } from '../volume/crop.js';
import { zscore } from '../volume/normalize.js';
import { outputsReading, resampleLabelsToShape, resampleToShape, resampleWindow, resampledShape, type LabelResampleMode } from '../volume/resample.js';
import { canonicalRecord, fromCanonical, reorient, reorientVec3, type CanonicalRecord } from '../volume/reorient.js';
import type { Mat4, Vec3, Volume } from '../volume/volume.js';
import { listTrainingCases, nonzeroBox, nonzeroMask, readTrainingCase, NUM_LABELS, type TrainingCase } from './fingerprint.js';
import { FieldChecker, formatJson, validatePlan, writePlan } from './plan.js';
import { checkInputImage, type NonfinitePolicy } from './input-check.js';
import { flatImage } from '../volume/voxel-stats.js';
import type { Plan, PreprocessedCase } from './types.js';

/** What inference needs to map a prediction back onto the original image. */
export interface CaseProperties {
  /** Geometry of the original image, as stored. */
  originalShape: Vec3;
  originalSpacing: Vec3;
  originalAffine: Mat4;
  /**
   * How the image was brought to the canonical orientation (RAS, see `src/volume/reorient.ts`)
   * before anything else; absent in folders preprocessed before it existed (taken as none).
   */
  orientation?: CanonicalRecord;
  /** The non-zero crop, in voxels of the canonically oriented original. */
  cropBox: Box;
  /** Geometry of the preprocessed grid (true spacing `originalSpacing · crop / shape`). */
  shape: Vec3;
  spacing: Vec3;
  affine: Mat4;
  channels: number;
}

/** The preprocessed arrays of one case. */
export interface PreprocessedData {
  /** `[C, z, y, x]` float32. */
  image: Float32Array;
  /** `[z, y, x]` labels 0/1/2, or null without a label. */
  label: Uint8Array | null;
  shape: Vec3;
  spacing: Vec3;
  channels: number;
}

/** The `<id>.json` of a preprocessed case. */
export interface CaseFile extends CaseProperties {
  version: 1;
  id: string;
  patient: string;
}

const voxels = (s: Vec3) => s[0] * s[1] * s[2];

/** Binary hole filling (`scipy.ndimage.binary_fill_holes`): background not 6-connected to the border becomes 1. */
function fillHoles(mask: Uint8Array, shape: Vec3): Uint8Array {
  const inv = mask.map((v) => (v ? 0 : 1));
  const { labels, count } = labelComponents(inv, shape, 6);
  const border = new Uint8Array(count + 1);
  const [nz, ny, nx] = shape;
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (z === 0 || y === 0 || x === 0 || z === nz - 1 || y === ny - 1 || x === nx - 1) border[labels[i]] = 1;
      }
  return mask.map((v, i) => (v || (labels[i] > 0 && !border[labels[i]]) ? 1 : 0));
}

function checkImages(images: Volume[]): void {
  if (images.length === 0) throw new Error('preprocess: no image channel given; expected at least one');
  for (const [c, im] of images.entries()) {
    checkInputImage(im, `preprocess: channel ${c}`);
    if ((im.channels ?? 1) !== 1 || im.shape.some((s, a) => s !== images[0].shape[a])) {
      throw new Error(`preprocess: channel ${c} has shape ${im.shape.join('×')}×${im.channels ?? 1}, expected ${images[0].shape.join('×')}×1 like channel 0`);
    }
  }
}

/** Steps 0–3 on the images; returns the image, the crop and the properties that undo them. */
function preprocessImages(inputs: Volume[], plan: Plan): { image: Volume<Float32Array>; box: Box; properties: CaseProperties } {
  checkImages(inputs);
  const ref = inputs[0];
  const record = canonicalRecord(ref.affine);
  // Every channel shares channel 0's grid, so the same reordering.
  const images = inputs.map((im) => reorient(im, record.reorientation));
  const canonical = images[0];
  const box = nonzeroBox(images);
  const size = box.end.map((e, a) => e - box.start[a]) as Vec3;
  const n = voxels(size);
  const crops = images.map((im) => crop(im, box.start, size));
  const stacked = new Float32Array(n * images.length);
  crops.forEach((im, c) => stacked.set(im.data, c * n));
  const cropped: Volume = { ...crops[0], data: stacked, channels: images.length };
  const mask = plan.normalization.useMaskForNorm ? { ...crops[0], data: fillHoles(nonzeroMask(crops), size) } : undefined;
  const target = resampledShape(size, canonical.spacing, plan.spacing);
  const image = resampleToShape(zscore(cropped, mask), target, 'linear') as Volume<Float32Array>;
  const properties: CaseProperties = {
    originalShape: [...ref.shape] as Vec3,
    originalSpacing: [...ref.spacing] as Vec3,
    originalAffine: [...ref.affine],
    orientation: record,
    cropBox: { start: [...box.start] as Vec3, end: [...box.end] as Vec3 },
    shape: image.shape,
    spacing: image.spacing,
    affine: image.affine,
    channels: images.length,
  };
  return { image, box, properties };
}

/**
 * Preprocesses one case (steps in the module comment).
 * @param images one single-channel volume per channel, same shape.
 * @param label labels 0/1/2 of the same shape, or null.
 * @throws Error if channels differ in shape, a channel has non-finite voxels or is constant
 *   (`checkInputImage`), or the label's shape or values are wrong.
 */
export function preprocessCase(images: Volume[], label: Volume | null, plan: Plan): { case: PreprocessedData; properties: CaseProperties } {
  const { image, box, properties } = preprocessImages(images, plan);
  let lab: Uint8Array | null = null;
  if (label) {
    if (label.shape.some((s, a) => s !== images[0].shape[a])) {
      throw new Error(`preprocess: label shape ${label.shape.join('×')}, expected ${images[0].shape.join('×')} (the image's)`);
    }
    const size = box.end.map((e, a) => e - box.start[a]) as Vec3;
    const oriented = reorient({ ...label, data: Uint8Array.from(label.data) }, properties.orientation!.reorientation);
    const cropped = crop(oriented, box.start, size);
    lab = resampleLabelsToShape(cropped, image.shape, 'onehot-linear', NUM_LABELS).data as Uint8Array;
  }
  const data = { image: image.data, label: lab, shape: image.shape, spacing: image.spacing, channels: images.length };
  return { case: data, properties };
}

/**
 * Preprocesses the images of a case for inference, as for training.
 * @returns the `[C, z, y, x]` image at the plan's spacing and the properties for {@link restoreToOriginal}.
 */
export function preprocessForInference(images: Volume[], plan: Plan): { image: Float32Array; shape: Vec3; spacing: Vec3; properties: CaseProperties } {
  const { image, properties } = preprocessImages(images, plan);
  return { image: image.data, shape: image.shape, spacing: image.spacing, properties };
}

/**
 * A mask in the original image's geometry (e.g. a stage-1 whole tumour) on the preprocessed grid
 * of `properties`: oriented, cropped and resampled (nearest neighbour) as the image was.
 * @returns `[z, y, x]` values of the preprocessed grid, in the mask's type.
 * @throws Error if the mask's shape is not the original image's.
 */
export function maskToPreprocessedGrid(mask: Volume<Uint8Array>, properties: CaseProperties): Uint8Array {
  const p = properties;
  if (mask.shape.some((s, a) => s !== p.originalShape[a])) {
    throw new Error(`maskToPreprocessedGrid: mask shape ${mask.shape.join('×')}, expected ${p.originalShape.join('×')} (the image's)`);
  }
  const oriented = p.orientation ? reorient(mask, p.orientation.reorientation) : mask;
  const size = p.cropBox.end.map((e, a) => e - p.cropBox.start[a]) as Vec3;
  return resampleLabelsToShape(crop(oriented, p.cropBox.start, size), p.shape, 'nearest').data as Uint8Array;
}

/**
 * Maps a prediction on the preprocessed grid back to the original image: undoes the resampling
 * (a label map by `labelMode`, default one-hot linear; probabilities `[C, z, y, x]` linearly), then
 * the crop (padding with background: label 0, or probability 1 for class 0 and 0 for the others),
 * then the orientation, so the result has the input's exact storage order and affine.
 * @param values a `Uint8Array` label map `[z, y, x]` or a `Float32Array` of class probabilities `[C, z, y, x]`.
 * @returns a volume with the original shape, spacing and affine (`channels` = C for probabilities).
 * @throws Error if the length of `values` is not a multiple of the preprocessed shape's voxels.
 */
export function restoreToOriginal(values: Uint8Array | Float32Array, properties: CaseProperties, labelMode: LabelResampleMode = 'onehot-linear'): Volume {
  const p = properties;
  const n = voxels(p.shape);
  const channels = values.length / n;
  if (!Number.isInteger(channels) || channels < 1 || (values instanceof Uint8Array && channels !== 1)) {
    throw new Error(`restoreToOriginal: ${values.length} values, expected ${values instanceof Uint8Array ? '' : 'C × '}${n} for shape ${p.shape.join('×')}`);
  }
  const grid: Volume = { data: values, shape: p.shape, spacing: p.spacing, affine: p.affine, ...(channels > 1 ? { channels } : {}) };
  const size = p.cropBox.end.map((e, a) => e - p.cropBox.start[a]) as Vec3;
  const isLabel = values instanceof Uint8Array;
  const back = isLabel ? resampleLabelsToShape(grid, size, labelMode) : resampleToShape(grid, size, 'linear');
  const canonicalShape = p.orientation ? reorientVec3(p.originalShape, p.orientation.reorientation) : p.originalShape;
  const out = extractRegion(back, p.cropBox.start.map((s) => -s) as Vec3, canonicalShape, 0);
  if (!isLabel) {
    // Background probability 1 outside the crop.
    const m = voxels(canonicalShape);
    const inside = extractRegion({ ...back, data: new Uint8Array(voxels(size)).fill(1), channels: undefined }, p.cropBox.start.map((s) => -s) as Vec3, canonicalShape, 0);
    for (let i = 0; i < m; i++) if (!inside.data[i]) out.data[i] = 1;
  }
  return fromCanonicalGrid(out, p);
}

/** A volume on the canonical (RAS) grid of the original, back in the original's storage order and geometry. */
function fromCanonicalGrid(out: Volume, p: CaseProperties): Volume {
  const restored = p.orientation ? fromCanonical(out, p.orientation, p.originalAffine) : out;
  return { ...restored, shape: [...p.originalShape] as Vec3, spacing: [...p.originalSpacing] as Vec3, affine: [...p.originalAffine] };
}

/**
 * The voxels of the original image (as stored, `[z, y, x]`, end exclusive) whose restored values
 * {@link restoreWindowsToOriginal} computes from the preprocessed-grid box `box`: its footprint.
 * Null when the box covers no original voxel.
 */
export function originalFootprint(properties: CaseProperties, box: Box): Box | null {
  const p = properties;
  const size = p.cropBox.end.map((e, a) => e - p.cropBox.start[a]) as Vec3;
  const range = [0, 1, 2].map((a) => outputsReading(p.shape[a], size[a], box.start[a], box.end[a]));
  if (range.some(([o0, o1]) => o1 <= o0)) return null;
  const start = range.map((r, a) => p.cropBox.start[a] + r[0]) as Vec3;
  const end = range.map((r, a) => p.cropBox.start[a] + r[1]) as Vec3;
  if (!p.orientation) return { start, end };
  // Canonical axis a is stored axis permutation[a], read backwards when flipped.
  const r = p.orientation.reorientation;
  const out: Box = { start: [0, 0, 0], end: [0, 0, 0] };
  r.permutation.forEach((src, a) => {
    const n = p.originalShape[src];
    out.start[src] = r.flip[a] ? n - end[a] : start[a];
    out.end[src] = r.flip[a] ? n - start[a] : end[a];
  });
  return out;
}

/**
 * {@link restoreToOriginal} for probabilities `[K, z, y, x]` known only inside `windows` (boxes of
 * the preprocessed grid, e.g. the tiles' region of a localised prediction): inside each window's
 * footprint on the original grid the values equal `restoreToOriginal`'s bit for bit (the same
 * interpolation, computed only there — `resampleWindow`); everywhere else they are background
 * (probability 1 for class 0). The cost grows with the windows, not with the image.
 * @throws Error if `values` does not hold K whole channels of the preprocessed shape.
 */
export function restoreWindowsToOriginal(values: Float32Array, properties: CaseProperties, windows: readonly Box[]): Volume<Float32Array> {
  const p = properties;
  const n = voxels(p.shape);
  const channels = values.length / n;
  if (!Number.isInteger(channels) || channels < 1) {
    throw new Error(`restoreWindowsToOriginal: ${values.length} values, expected C × ${n} for shape ${p.shape.join('×')}`);
  }
  const grid: Volume = { data: values, shape: p.shape, spacing: p.spacing, affine: p.affine, channels };
  const size = p.cropBox.end.map((e, a) => e - p.cropBox.start[a]) as Vec3;
  const canonicalShape = p.orientation ? reorientVec3(p.originalShape, p.orientation.reorientation) : p.originalShape;
  const m = voxels(canonicalShape);
  const data = new Float32Array(channels * m);
  data.fill(1, 0, m);
  for (const w of windows) {
    const range = [0, 1, 2].map((a) => outputsReading(p.shape[a], size[a], w.start[a], w.end[a]));
    if (range.some(([o0, o1]) => o1 <= o0)) continue;
    const win = { start: range.map((r) => r[0]) as Vec3, end: range.map((r) => r[1]) as Vec3 };
    const vals = resampleWindow(grid, size, win);
    const ws = win.end.map((e, a) => e - win.start[a]);
    const wn = ws[0] * ws[1] * ws[2];
    const [, cy, cx] = canonicalShape;
    for (let c = 0; c < channels; c++) {
      let i = c * wn;
      for (let z = 0; z < ws[0]; z++) {
        for (let y = 0; y < ws[1]; y++) {
          const row = c * m + ((p.cropBox.start[0] + win.start[0] + z) * cy + p.cropBox.start[1] + win.start[1] + y) * cx + p.cropBox.start[2] + win.start[2];
          data.set(vals.subarray(i, i + ws[2]), row);
          i += ws[2];
        }
      }
    }
  }
  const out: Volume<Float32Array> = { data, shape: [...canonicalShape] as Vec3, spacing: p.spacing, affine: p.affine, channels };
  const canonicalSpacing = p.orientation ? reorientVec3(p.originalSpacing, p.orientation.reorientation) : p.originalSpacing;
  out.spacing = [...canonicalSpacing] as Vec3;
  return fromCanonicalGrid(out, p) as Volume<Float32Array>;
}

function bytesOf(a: Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Reads, preprocesses and writes one training case; returns its id and patient. */
async function preprocessToDisk(c: TrainingCase, plan: Plan, outDir: string, nonfinite: NonfinitePolicy = 'refuse'): Promise<{ id: string; patient: string }> {
  if (endianness() !== 'LE') throw new Error('preprocess: this machine is big-endian; the .f32 format is little-endian');
  const { images, label } = await readTrainingCase(c, nonfinite);
  const flat = flatImage(images[0].shape);
  if (flat) throw new Error(`${c.images[0]}: ${flat}, which a 3-D network cannot train on; remove case ${c.id} from the dataset`);
  const { case: data, properties } = preprocessCase(images, label, plan);
  const patient = caseIdentity(c.id).patient;
  const file: CaseFile = { version: 1, id: c.id, patient, ...properties };
  await writeFileAtomic(join(outDir, `${c.id}.image.f32`), bytesOf(data.image));
  await writeFileAtomic(join(outDir, `${c.id}.label.u8`), bytesOf(data.label!));
  await writeFileAtomic(join(outDir, `${c.id}.json`), formatJson(file));
  return { id: c.id, patient };
}

interface Job {
  c: TrainingCase;
  plan: Plan;
  outDir: string;
  nonfinite?: NonfinitePolicy;
}

/** The body of a preprocessing worker thread (started by {@link preprocessDataset}). */
export function preprocessWorkerMain(): void {
  parentPort?.on('message', (job: Job) => {
    preprocessToDisk(job.c, job.plan, job.outDir, job.nonfinite).then(
      (r) => parentPort?.postMessage({ ok: r }),
      (e: unknown) => parentPort?.postMessage({ error: e instanceof Error ? e.message : String(e) }),
    );
  });
}

/** A worker running {@link preprocessWorkerMain}; through tsx when running TypeScript sources. */
function startWorker(): Worker {
  return startModuleWorker(new URL(import.meta.url), {}, 'preprocessWorkerMain');
}

function runJob(w: Worker, job: Job): Promise<{ id: string; patient: string }> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (m: { ok?: { id: string; patient: string }; error?: string }): void => {
      done();
      if (m.ok) resolve(m.ok);
      else reject(new Error(m.error));
    };
    const onError = (e: Error): void => {
      done();
      reject(new Error(`preprocess: worker failed on case ${job.c.id}: ${e.message}`));
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`preprocess: worker exited (code ${code}) on case ${job.c.id}`));
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.postMessage(job);
  });
}

/** Options of {@link preprocessDataset}. */
export interface PreprocessOptions {
  /** Worker threads (default: the cores, at most one per case); 1 runs in this thread. */
  workers?: number;
  /** Called after each case. */
  onProgress?: (done: number, total: number, id: string) => void;
  /** Non-finite voxels: refuse the case (default) or replace them (see `checkInputImage`). */
  nonfinite?: NonfinitePolicy;
}

/**
 * Preprocesses every labelled training case of a dataset folder (nnU-Net raw or crossMoDA) into
 * `outDir` (files in the module comment), each worker holding one case at a time. The folder is
 * built aside and swapped in whole (`replaceFolder`): an existing `outDir` — an earlier output,
 * perhaps with another plan — stays intact until every case is written, and an interrupted run
 * never leaves a folder that mixes plans (issue #14). The choice over fingerprinting every file:
 * a reader needs no check, and artefacts added later are covered without changing any reader.
 * @returns the case ids, in dataset order, and the time taken.
 * @throws Error naming the file for unreadable or inconsistent cases, or the field of a bad plan;
 *   naming `outDir` if it holds files preprocessing does not write (it is never replaced then).
 * @example await preprocessDataset('data/Dataset001_VS', await readPlan('plan.json'), 'data/pre');
 */
export async function preprocessDataset(datasetDir: string, plan: Plan, outDir: string, opts: PreprocessOptions = {}): Promise<{ cases: string[]; seconds: number }> {
  const t0 = performance.now();
  validatePlan(plan, 'plan');
  const cases = await listTrainingCases(datasetDir);
  const nWorkers = Math.min(opts.workers ?? availableParallelism(), cases.length);
  if (!Number.isInteger(nWorkers) || nWorkers < 1) throw new Error(`preprocess: workers = ${opts.workers}, expected a positive integer`);
  // Built aside and swapped in whole: a folder training reads never mixes two plans or two runs.
  const results = await replaceFolder(outDir, (staging) => preprocessInto(cases, plan, staging, nWorkers, opts), { refuse: foreignFiles });
  return { cases: results.map((r) => r.id), seconds: (performance.now() - t0) / 1000 };
}

/** Why an existing output folder must not be replaced: a file preprocessing does not write. */
function foreignFiles(names: string[]): string | undefined {
  const foreign = names.filter((n) => !/^(.+\.(image\.f32|label\.u8|wtpred\.u8|json)|\..+\.tmp)$/.test(n));
  if (foreign.length === 0) return undefined;
  return `it holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}, which preprocessing does not write; expected an empty folder or an earlier preprocessing output`;
}

/** Writes every case, the plan and, last, `cases.json` into `dir`. */
async function preprocessInto(cases: TrainingCase[], plan: Plan, dir: string, nWorkers: number, opts: PreprocessOptions): Promise<{ id: string; patient: string }[]> {
  await writePlan(join(dir, 'plan.json'), plan);
  const results: { id: string; patient: string }[] = new Array(cases.length);
  let next = 0;
  let done = 0;
  const finish = (i: number, r: { id: string; patient: string }): void => {
    results[i] = r;
    opts.onProgress?.(++done, cases.length, r.id);
  };
  if (nWorkers === 1) {
    for (let i = 0; i < cases.length; i++) finish(i, await preprocessToDisk(cases[i], plan, dir, opts.nonfinite));
  } else {
    const workers = Array.from({ length: nWorkers }, startWorker);
    try {
      await Promise.all(
        workers.map(async (w) => {
          while (next < cases.length) {
            const i = next++;
            finish(i, await runJob(w, { c: cases[i], plan, outDir: dir, nonfinite: opts.nonfinite }));
          }
        }),
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }
  await writeFileAtomic(join(dir, 'cases.json'), formatJson({ version: 1, cases: results }));
  return results;
}

/**
 * The case ids of a preprocessed folder, from its `cases.json`.
 * @throws Error naming the file if it is missing (preprocessing unfinished) or malformed.
 */
export async function listPreprocessedCases(dir: string): Promise<string[]> {
  const path = join(dir, 'cases.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read the case list (${(e as Error).message}); expected the output of \`meatus preprocess\``);
  }
  const c = new FieldChecker(path);
  const o = c.object(json, '', ['version', 'cases']);
  return c.list(o.cases, 'cases', (x, f) => {
    const e = c.object(x, f, ['id', 'patient']);
    if (typeof e.id !== 'string' || e.id === '') c.fail(`${f}.id`, 'a case id', e.id);
    return e.id as string;
  });
}

async function readBytes(path: string, expected: number, what: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  if (buf.byteLength !== expected) {
    throw new Error(`${path}: ${buf.byteLength} bytes, expected ${expected} (${what}); the file is truncated or belongs to another case`);
  }
  return buf;
}

/**
 * Reads one preprocessed case, checking the JSON fields and the sizes of the binary files.
 * @throws Error naming the file: missing, malformed JSON field, or a size that does not match the JSON.
 */
export async function readPreprocessedCase(dir: string, id: string): Promise<PreprocessedCase> {
  const { patient, shape, spacing, channels } = await readCaseGrid(dir, id);
  const n = voxels(shape);
  const img = await readBytes(join(dir, `${id}.image.f32`), 4 * channels * n, `float32 [${channels}, ${shape.join(', ')}]`);
  const lab = await readBytes(join(dir, `${id}.label.u8`), n, `uint8 [${shape.join(', ')}]`);
  const image = img.byteOffset % 4 === 0 ? new Float32Array(img.buffer, img.byteOffset, channels * n) : new Float32Array(img.buffer.slice(img.byteOffset, img.byteOffset + img.byteLength));
  const label = new Uint8Array(lab.buffer, lab.byteOffset, n);
  // Optional stage-1 whole-tumour prediction (0/1) for training stage 2 on predictions.
  const predPath = join(dir, `${id}.wtpred.u8`);
  const wtp = existsSync(predPath) ? await readBytes(predPath, n, `uint8 [${shape.join(', ')}]`) : null;
  const prediction = wtp ? { wholeTumourPrediction: new Uint8Array(wtp.buffer, wtp.byteOffset, n) } : {};
  return { id, patient, image, channels, label, shape, spacing, ...prediction };
}

/** The grid of a preprocessed case, from its `<id>.json` (see {@link readCaseGrid}). */
export interface CaseGrid {
  patient: string;
  /** `[z, y, x]` voxels and mm of the preprocessed arrays. */
  shape: Vec3;
  spacing: Vec3;
  /** Preprocessed voxel index `(x, y, z)` to RAS+ mm of the original scan (row-major 4×4). */
  affine: Mat4;
  channels: number;
}

/**
 * Reads and checks the JSON of one preprocessed case (`<dir>/<id>.json`), not its voxels.
 * @throws Error naming the file and the field: missing file, malformed JSON, a field missing, of
 *   the wrong type or unknown, or an `id` that is not `id`.
 */
export async function readCaseGrid(dir: string, id: string): Promise<CaseGrid> {
  const jsonPath = join(dir, `${id}.json`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`${jsonPath}: cannot read case properties (${(e as Error).message})`);
  }
  const c = new FieldChecker(jsonPath);
  const keys = ['version', 'id', 'patient', 'originalShape', 'originalSpacing', 'originalAffine', 'cropBox', 'shape', 'spacing', 'affine', 'channels'];
  const o = c.object(json, '', keys, ['orientation']);
  if (o.id !== id) c.fail('id', JSON.stringify(id), o.id);
  if (typeof o.patient !== 'string') c.fail('patient', 'a string', o.patient);
  if (!Array.isArray(o.affine) || o.affine.length !== 16) c.fail('affine', 'a row-major 4×4 (16 numbers)', o.affine);
  const affine = (o.affine as unknown[]).map((v, i) => c.num(v, `affine[${i}]`, 'finite'));
  return {
    patient: o.patient as string,
    shape: c.vec3(o.shape, 'shape', 'positiveInt'),
    spacing: c.vec3(o.spacing, 'spacing', 'positive'),
    affine,
    channels: c.num(o.channels, 'channels', 'positiveInt'),
  };
}
