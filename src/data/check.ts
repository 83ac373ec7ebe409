/**
 * `checkDataset`: validates a dataset folder (nnU-Net raw or crossMoDA) without modifying
 * anything. Reported problems, each with the file it concerns:
 *
 * - `dataset.json` missing, unreadable or invalid; `numTraining` not matching `imagesTr/`;
 * - a training case without label, a label without image, a missing channel file, a stray file;
 * - a file that cannot be read as NIfTI;
 * - image/label (or channel/channel) geometry mismatch: shape, or affine entries differing by
 *   more than `tolerance` (default 1e-3 mm);
 * - label values outside the dataset's labels (default {0, 1, 2}), or non-integer label values;
 * - image voxels that are not finite (NaN, ±Infinity: count and first voxel), and constant or
 *   near-constant images (`degenerateImage`).
 *
 * Warnings (reported apart; they do not fail the check): a pixdim that disagrees with the voxel
 * size of the sform/qform (`pixdimMismatch`) — meatus uses the affine's; labelled cases with no
 * tumour (every label voxel 0), counted — healthy controls are welcome in training (they teach a
 * model that a scan can hold no tumour), but a dataset where *no* labelled case has a tumour is a
 * problem: there is nothing to plan and train on.
 *
 * A corrupt .nii.gz (CRC-32/ISIZE), an impossible size claim, non-finite or singular geometry and
 * a scl_slope that overflows the voxels are refused by the reader and reported as `read`.
 */

import { readNifti } from '../volume/nifti-file.js';
import type { Volume } from '../volume/volume.js';
import { pixdimMismatch, type NiftiImage } from '../volume/nifti.js';
import { degenerateImage, describeNonFinite, flatImage, voxelStats } from '../volume/voxel-stats.js';
import { readCrossmodaDataset, looksLikeCrossmoda, CROSSMODA_LABEL_PRESETS } from './crossmoda.js';
import { readNnunetDataset, LABELS } from './nnunet.js';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** One problem found. */
export interface Problem {
  /** The file (or folder) concerned. */
  file: string;
  /** What was checked: `dataset.json`, `label`, `channel`, `geometry`, `labels`, `voxels`, `read`, `name`. */
  field: string;
  message: string;
}

/** Options of {@link checkDataset}. */
export interface CheckOptions {
  /** Layout (default `auto`: nnU-Net when `dataset.json` exists, else crossMoDA). */
  layout?: 'auto' | 'nnunet' | 'crossmoda';
  /** Largest accepted difference of affine entries, mm (default 1e-3). */
  tolerance?: number;
  /** Skip reading images (names only). */
  namesOnly?: boolean;
}

/** The result of a check. */
export interface CheckReport {
  layout: 'nnunet' | 'crossmoda';
  cases: number;
  labelled: number;
  problems: Problem[];
  /** Findings that do not make the dataset unusable (a pixdim the affine contradicts). */
  warnings: Problem[];
  /** Case id → label value → voxel count, for every label file read. */
  labelCounts: Record<string, Record<string, number>>;
  /** The labelled cases whose label is all 0 (no tumour: healthy controls, or a missing segmentation). */
  emptyLabels: string[];
  /** crossMoDA only: cases with a ceT1 image and a label but no T2 (the challenge's source domain). */
  sourceCases?: number;
}

interface Pair {
  id: string;
  images: (string | undefined)[];
  label?: string;
}

/**
 * Why `b`'s grid differs from `a`'s (shape, or an affine entry differing by more than `tol` mm,
 * a NaN counting as a difference), or undefined when they match.
 */
export function sameGeometry(a: Volume, b: Volume, tol: number): string | undefined {
  if (a.shape.some((s, i) => s !== b.shape[i])) return `shape ${b.shape.join('×')} differs from ${a.shape.join('×')}`;
  for (let i = 0; i < 12; i++) {
    // Written so that a NaN (which never compares) is a difference too.
    if (!(Math.abs(a.affine[i] - b.affine[i]) <= tol)) {
      return `affine[${Math.floor(i / 4)}][${i % 4}] = ${b.affine[i]} differs from ${a.affine[i]} by more than ${tol}`;
    }
  }
  return undefined;
}

async function tryRead(file: string, problems: Problem[]): Promise<NiftiImage | undefined> {
  try {
    return await readNifti(file);
  } catch (e) {
    problems.push({ file, field: 'read', message: `unreadable: ${(e as Error).message}` });
    return undefined;
  }
}

function labelValues(v: Volume): Map<number, number> {
  const counts = new Map<number, number>();
  const d = v.data;
  for (let i = 0; i < d.length; i++) counts.set(d[i], (counts.get(d[i]) ?? 0) + 1);
  return counts;
}

/** Non-finite voxels (count, first voxel), constant or near-constant images and 2-D images; a pixdim the affine contradicts (a warning). */
function checkVoxels(file: string, v: NiftiImage, problems: Problem[], warnings: Problem[]): void {
  const stats = voxelStats(v.data);
  const nonFinite = describeNonFinite(stats, v.shape);
  if (nonFinite) problems.push({ file, field: 'voxels', message: `${nonFinite}; expected finite intensities (or train with --nonfinite replace-with-minimum)` });
  const degenerate = degenerateImage(stats);
  if (degenerate) problems.push({ file, field: 'voxels', message: `${degenerate}; not a scan meatus can use` });
  const flat = flatImage(v.shape);
  if (flat) problems.push({ file, field: 'dim', message: `${flat}; a 3-D network cannot train on or segment it` });
  const mismatch = pixdimMismatch(v);
  if (mismatch) warnings.push({ file, field: 'pixdim', message: mismatch });
}

async function checkPair(p: Pair, allowed: Set<number>, tol: number, problems: Problem[], warnings: Problem[], counts: CheckReport['labelCounts'], hint: string): Promise<void> {
  const vols: (NiftiImage | undefined)[] = [];
  for (const f of p.images) vols.push(f ? await tryRead(f, problems) : undefined);
  vols.forEach((v, c) => v && checkVoxels(p.images[c]!, v, problems, warnings));
  const ref = vols.find((v) => v !== undefined);
  const refFile = p.images[vols.indexOf(ref)];
  for (let c = 0; c < vols.length; c++) {
    const v = vols[c];
    if (!v || !ref || v === ref) continue;
    const why = sameGeometry(ref, v, tol);
    if (why) problems.push({ file: p.images[c]!, field: 'geometry', message: `channel ${c}: ${why} (${refFile})` });
  }
  if (!p.label) return;
  const lab = await tryRead(p.label, problems);
  if (!lab) return;
  if (ref) {
    const why = sameGeometry(ref, lab, tol);
    if (why) problems.push({ file: p.label, field: 'geometry', message: `label ${why} (image ${refFile})` });
  }
  const values = [...labelValues(lab)].sort((a, b) => a[0] - b[0]);
  counts[p.id] = Object.fromEntries(values.map(([v, n]) => [String(v), n]));
  const bad = values.filter(([v]) => !allowed.has(v));
  if (bad.length > 0) {
    const list = bad.map(([v, n]) => `${v} (${n} voxels)`).join(', ');
    problems.push({ file: p.label, field: 'labels', message: `unexpected label value ${list}; expected one of ${[...allowed].sort((a, b) => a - b).join(', ')}${hint}` });
  }
}

async function nnunetPairs(root: string, problems: Problem[]): Promise<{ pairs: Pair[]; allowed: Set<number> } | undefined> {
  let ds;
  try {
    ds = await readNnunetDataset(root);
  } catch (e) {
    const file = join(root, 'dataset.json');
    const message = (e as Error).message;
    problems.push({ file, field: 'dataset.json', message: message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message });
    return undefined;
  }
  const pairs: Pair[] = [];
  for (const c of ds.training) {
    c.images.forEach((f, ch) => {
      if (!f) problems.push({ file: join(root, 'imagesTr', `${c.id}_${String(ch).padStart(4, '0')}${ds.json.file_ending}`), field: 'channel', message: `missing channel ${ch} of case ${c.id}` });
    });
    if (!c.label) problems.push({ file: join(root, 'labelsTr', `${c.id}${ds.json.file_ending}`), field: 'label', message: `missing label of case ${c.id}` });
    pairs.push(c);
  }
  for (const c of ds.test) {
    c.images.forEach((f, ch) => {
      if (!f) problems.push({ file: join(root, 'imagesTs', `${c.id}_${String(ch).padStart(4, '0')}${ds.json.file_ending}`), field: 'channel', message: `missing channel ${ch} of case ${c.id}` });
    });
    pairs.push({ id: c.id, images: c.images });
  }
  for (const f of ds.orphanLabels) problems.push({ file: f, field: 'label', message: 'label without an image in imagesTr' });
  for (const f of ds.strayFiles) problems.push({ file: f, field: 'name', message: `unexpected file name; expected <case>_<4-digit channel>${ds.json.file_ending}` });
  if (ds.json.numTraining !== ds.training.length) {
    problems.push({ file: join(root, 'dataset.json'), field: 'numTraining', message: `numTraining is ${ds.json.numTraining}, but imagesTr holds ${ds.training.length} cases` });
  }
  return { pairs, allowed: new Set(Object.values(ds.json.labels)) };
}

async function crossmodaPairs(root: string, problems: Problem[]): Promise<{ pairs: Pair[]; sourceCases: number }> {
  const ds = await readCrossmodaDataset(root);
  for (const f of ds.strayFiles) problems.push({ file: join(root, f), field: 'name', message: 'NIfTI file not named crossmoda[YYYY][_site]_<n>_<hrT2|T2|ceT1|Label>' });
  for (const f of ds.duplicates) problems.push({ file: join(root, f), field: 'name', message: 'duplicate file for the same case and kind' });
  const pairs: Pair[] = [];
  let sourceCases = 0;
  for (const c of ds.cases) {
    if (!c.hrT2) {
      if (c.label && !c.ceT1) problems.push({ file: c.label, field: 'label', message: `label without an image (case ${c.id})` });
      if (c.label && c.ceT1) sourceCases++;
      continue; // ceT1-only cases are not part of our T2 task
    }
    pairs.push({ id: c.id, images: [c.hrT2], ...(c.label ? { label: c.label } : {}) });
  }
  return { pairs, sourceCases };
}

/**
 * The cases of `counts` whose label is all 0; a warning that counts them when some are, a problem
 * when all are.
 */
function emptyLabelCases(root: string, counts: CheckReport['labelCounts'], problems: Problem[], warnings: Problem[]): string[] {
  const ids = Object.keys(counts);
  const empty = ids.filter((id) => Object.keys(counts[id]).every((v) => v === '0'));
  if (empty.length === 0) return empty;
  if (empty.length === ids.length) {
    problems.push({ file: root, field: 'labels', message: `none of the ${ids.length} labelled cases has a tumour (every label voxel is 0); meatus plans and trains on tumour voxels, so at least one case needs some` });
  } else {
    const list = empty.slice(0, 5).join(', ') + (empty.length > 5 ? ', …' : '');
    warnings.push({
      file: root,
      field: 'labels',
      message: `${empty.length} of ${ids.length} labelled cases have no tumour (every label voxel is 0: ${list}); fine for healthy controls, which teach a model that a scan can be tumour-free — a mistake if their segmentations are missing`,
    });
  }
  return empty;
}

/**
 * Checks a dataset folder; never writes. See the module comment for what is checked.
 * @example const { problems } = await checkDataset('data/Dataset501_VS');
 */
export async function checkDataset(root: string, opts: CheckOptions = {}): Promise<CheckReport> {
  const problems: Problem[] = [];
  const tol = opts.tolerance ?? 1e-3;
  let layout = opts.layout ?? 'auto';
  if (layout === 'auto') {
    const hasJson = await access(join(root, 'dataset.json')).then(
      () => true,
      () => false,
    );
    layout = hasJson || !(await looksLikeCrossmoda(root).catch(() => false)) ? 'nnunet' : 'crossmoda';
  }
  let pairs: Pair[] = [];
  let allowed = new Set(Object.values(LABELS));
  let sourceCases: number | undefined;
  if (layout === 'nnunet') {
    const r = await nnunetPairs(root, problems);
    if (r) ({ pairs, allowed } = r);
  } else {
    ({ pairs, sourceCases } = await crossmodaPairs(root, problems));
  }
  const labelCounts: CheckReport['labelCounts'] = {};
  const hint = layout === 'crossmoda' ? ` (crossMoDA codes: convert them with meatus dataset convert --preset ${Object.keys(CROSSMODA_LABEL_PRESETS).join('|')})` : '';
  const warnings: Problem[] = [];
  if (!opts.namesOnly) for (const p of pairs) await checkPair(p, allowed, tol, problems, warnings, labelCounts, hint);
  const emptyLabels = emptyLabelCases(root, labelCounts, problems, warnings);
  return {
    layout,
    cases: pairs.length,
    labelled: pairs.filter((p) => p.label).length,
    problems,
    warnings,
    labelCounts,
    emptyLabels,
    ...(sourceCases === undefined ? {} : { sourceCases }),
  };
}
