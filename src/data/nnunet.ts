/**
 * The nnU-Net v2 "raw" dataset layout, read and written:
 *
 * ```
 * Dataset001_Name/
 *   dataset.json      { channel_names: {"0": "T2"}, labels: {background: 0, extrameatal: 1, intrameatal: 2},
 *                       numTraining: N, file_ending: ".nii.gz", ... }
 *   imagesTr/<case>_0000.nii.gz   one file per channel, 4-digit channel suffix
 *   labelsTr/<case>.nii.gz
 *   imagesTs/<case>_0000.nii.gz   (optional)
 * ```
 *
 * Listing a dataset reads only names and `dataset.json`; images are read on demand.
 */

import { makeDirs } from '../util/output-path.js';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { writeNifti } from '../volume/nifti-file.js';
import type { NiftiWriteDatatype } from '../volume/nifti.js';
import type { Volume } from '../volume/volume.js';

/** Our label names and values (crossMoDA 2023 convention). */
export const LABELS: Readonly<Record<string, number>> = Object.freeze({ background: 0, extrameatal: 1, intrameatal: 2 });

/** The fields of `dataset.json` meatus reads and writes (others are kept as they are). */
export interface NnunetDatasetJson {
  channel_names: Record<string, string>;
  labels: Record<string, number>;
  numTraining: number;
  file_ending: string;
  name?: string;
  description?: string;
  [key: string]: unknown;
}

/** One case's files (absolute or dataset-relative paths as listed). */
export interface NnunetCase {
  id: string;
  /** One path per channel, in channel order; `undefined` where a channel file is missing. */
  images: (string | undefined)[];
  /** The label file (training cases), if present. */
  label?: string;
}

/** A listed nnU-Net raw dataset. */
export interface NnunetDataset {
  root: string;
  json: NnunetDatasetJson;
  training: NnunetCase[];
  test: NnunetCase[];
  /** Label files in `labelsTr/` without any image. */
  orphanLabels: string[];
  /** Files in the image folders whose names are not `<case>_<4 digits><file_ending>`. */
  strayFiles: string[];
}

/** The `dataset.json` of a single-channel T2 IM/EM dataset. */
export function datasetJson(numTraining: number, extra: Partial<NnunetDatasetJson> = {}): NnunetDatasetJson {
  return { channel_names: { '0': 'T2' }, labels: { ...LABELS }, numTraining, file_ending: '.nii.gz', ...extra };
}

/**
 * Parses and checks `dataset.json` text.
 * @throws Error naming the file and the field for a missing or mistyped required field.
 */
export function parseDatasetJson(text: string, file = 'dataset.json'): NnunetDatasetJson {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new Error(`${file}: expected a JSON object`);
  const o = j as Record<string, unknown>;
  const isRecord = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const channels = o.channel_names ?? o.modality; // nnU-Net v1 called it "modality"
  if (!isRecord(channels) || Object.keys(channels as object).length === 0) {
    throw new Error(`${file}: field channel_names: expected an object like {"0": "T2"}`);
  }
  if (!isRecord(o.labels) || !Object.values(o.labels as object).every((v) => Number.isInteger(v))) {
    throw new Error(`${file}: field labels: expected an object of integer values like {"background": 0, ...}`);
  }
  if (!Number.isInteger(o.numTraining) || (o.numTraining as number) < 0) {
    throw new Error(`${file}: field numTraining: expected a non-negative integer, got ${JSON.stringify(o.numTraining)}`);
  }
  if (typeof o.file_ending !== 'string' || !o.file_ending.startsWith('.')) {
    throw new Error(`${file}: field file_ending: expected a string like ".nii.gz", got ${JSON.stringify(o.file_ending)}`);
  }
  return { ...o, channel_names: channels as Record<string, string> } as NnunetDatasetJson;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${dir}: cannot list folder (${(e as Error).message})`);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function listImages(dir: string, channels: number, ending: string, stray: string[]): Promise<Map<string, (string | undefined)[]>> {
  const re = new RegExp(`^(.+)_(\\d{4})${escapeRe(ending)}$`);
  const cases = new Map<string, (string | undefined)[]>();
  for (const name of await listDir(dir)) {
    const m = re.exec(name);
    if (!m || Number(m[2]) >= channels) {
      stray.push(join(dir, name));
      continue;
    }
    const list = cases.get(m[1]) ?? new Array<string | undefined>(channels).fill(undefined);
    list[Number(m[2])] = join(dir, name);
    cases.set(m[1], list);
  }
  return cases;
}

/**
 * Lists an nnU-Net raw dataset: parses `dataset.json`, pairs `imagesTr/` with `labelsTr/` and
 * lists `imagesTs/`. Reads no image.
 * @throws Error naming the file if `dataset.json` is missing or invalid.
 */
export async function readNnunetDataset(root: string): Promise<NnunetDataset> {
  const jsonPath = join(root, 'dataset.json');
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read (${(e as Error).message})`;
    throw new Error(
      `${jsonPath}: ${why}; expected an nnU-Net raw dataset folder (dataset.json, imagesTr/, labelsTr/) or crossMoDA-named files`,
    );
  }
  const json = parseDatasetJson(text, jsonPath);
  const nch = Object.keys(json.channel_names).length;
  const ending = json.file_ending;
  const strayFiles: string[] = [];
  const tr = await listImages(join(root, 'imagesTr'), nch, ending, strayFiles);
  const ts = await listImages(join(root, 'imagesTs'), nch, ending, strayFiles);
  const labels = new Map<string, string>();
  for (const name of await listDir(join(root, 'labelsTr'))) {
    if (name.endsWith(ending)) labels.set(name.slice(0, -ending.length), join(root, 'labelsTr', name));
    else strayFiles.push(join(root, 'labelsTr', name));
  }
  const training: NnunetCase[] = [...tr].map(([id, images]) => ({ id, images, ...(labels.has(id) ? { label: labels.get(id) } : {}) }));
  const orphanLabels = [...labels].filter(([id]) => !tr.has(id)).map(([, p]) => p);
  const test: NnunetCase[] = [...ts].map(([id, images]) => ({ id, images }));
  return { root, json, training, test, orphanLabels, strayFiles };
}

/** Options of {@link writeNnunetCase}. */
export interface WriteCaseOptions {
  /** `Tr` (default; image and label) or `Ts` (image only). */
  set?: 'Tr' | 'Ts';
  /** Stored image datatype (default: float32). */
  imageDatatype?: NiftiWriteDatatype;
  file_ending?: '.nii.gz' | '.nii';
}

/**
 * Writes one case: `images<set>/<id>_000c<ending>` per channel and, for training, `labelsTr/<id><ending>`
 * (uint8, with the image's geometry). Images read from NIfTI files keep their header geometry
 * (sform, qform, codes, pixdim, units), and the label gets channel 0's. Each file is written atomically.
 * @throws Error if a label is given for the test set or is missing for the training set.
 */
export async function writeNnunetCase(root: string, id: string, images: Volume[], label?: Volume, opts: WriteCaseOptions = {}): Promise<void> {
  const set = opts.set ?? 'Tr';
  const ending = opts.file_ending ?? '.nii.gz';
  if (set === 'Tr' && !label) throw new Error(`writeNnunetCase: case ${id}: a training case needs a label`);
  if (set === 'Ts' && label) throw new Error(`writeNnunetCase: case ${id}: a test case has no label in the raw layout`);
  makeDirs(join(root, `images${set}`));
  for (let c = 0; c < images.length; c++) {
    const path = join(root, `images${set}`, `${id}_${String(c).padStart(4, '0')}${ending}`);
    await writeNifti(path, images[c], { datatype: opts.imageDatatype ?? 'float32', reference: images[c] });
  }
  if (label) {
    makeDirs(join(root, 'labelsTr'));
    await writeNifti(join(root, 'labelsTr', `${id}${ending}`), label, { datatype: 'uint8', reference: images[0] });
  }
}

/** Writes `dataset.json` atomically (2-space indented). */
export async function writeDatasetJson(root: string, json: NnunetDatasetJson): Promise<void> {
  await writeFileAtomic(join(root, 'dataset.json'), JSON.stringify(json, null, 2) + '\n');
}
