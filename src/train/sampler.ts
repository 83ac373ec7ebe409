/**
 * Patch sampling for training, after nnU-Net v2's `nnUNetDataLoader`:
 *
 * - A patch is cut at a random position; a case smaller than the patch is padded (image 0,
 *   label 0) and centred, like nnU-Net's `need_to_pad`.
 * - **Foreground oversampling**: in a batch of B, samples `i ≥ round(B · (1 − 0.33))` (Python's
 *   round, ties to even) are forced to contain foreground: a foreground class present in the
 *   case is drawn uniformly, then one of its cached voxel locations (nnU-Net's `class_locations`:
 *   up to 10,000 voxels per class, at least 1 % of the class, drawn once per case with a fixed
 *   seed). nnU-Net centres the patch on that voxel; by default we place the voxel uniformly
 *   anywhere in the final patch (`placement: 'anywhere'`), which avoids teaching the network that
 *   tumour sits in the middle; `'centre'` is nnU-Net's behaviour.
 * - The patch cut is the *enlarged* input size (nnU-Net's `initial_patch_size`, see
 *   `augment/spatial.ts`); the spatial augmentation then resamples its centre to the final
 *   patch size, so rotation and scaling bring in real image rather than border. The foreground
 *   voxel is guaranteed to lie inside that centre crop.
 *
 * Layout as everywhere: arrays x fastest, shapes `[z, y, x]` in voxels, spacing in mm.
 */
import { Rng } from '../data/random.js';
import { extractRegion } from '../volume/crop.js';
import type { Vec3, Volume, VoxelArray } from '../volume/volume.js';
import type { PreprocessedCase, Task } from '../preprocess/types.js';

/** nnU-Net's `oversample_foreground_percent`. */
export const FOREGROUND_OVERSAMPLING = 0.33;
/** nnU-Net's `num_samples` of `sample_foreground_locations`. */
export const MAX_CLASS_LOCATIONS = 10000;
/** nnU-Net's `min_percent_coverage`: at least this fraction of a class is kept. */
export const MIN_CLASS_COVERAGE = 0.01;

/** A patch on its way through augmentation: plain arrays of one shape. */
export interface Sample {
  /** Case id (for error messages and `Batch.ids`). */
  id: string;
  /** Intensity channels `[channels, z, y, x]` float32 (here: T2 only). Intensity augmentation applies to these. */
  image: Float32Array;
  channels: number;
  /** Binary mask channels, each `[z, y, x]` uint8: transformed spatially (nearest) only, never by intensity transforms. */
  masks: Uint8Array[];
  /** `[z, y, x]` labels (0 BG, 1 EM, 2 IM). */
  label: Uint8Array;
  shape: Vec3;
  /** Voxel size in mm `[z, y, x]` (the case's; augmentation does not change it). */
  spacing: Vec3;
}

/** A foreground class for oversampling: the set of labels it covers. */
export type ForegroundClass = readonly number[];

/**
 * The foreground classes oversampling draws from: the task's target classes other than
 * background. `wholeTumour` has one class (label > 0); `split` and `baseline` have EM and IM.
 */
export function foregroundClasses(task: Task): ForegroundClass[] {
  return task === 'wholeTumour' ? [[1, 2]] : [[1], [2]];
}

/** Python's `round`: nearest integer, ties to even. */
function pyRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Whether sample `index` of a batch of `batchSize` must contain foreground (nnU-Net's
 * `_oversample_last_XX_percent`). With B = 2 the second sample is forced; with B = 1 none is.
 */
export function isForcedForeground(
  index: number,
  batchSize: number,
  oversample = FOREGROUND_OVERSAMPLING,
): boolean {
  return index >= pyRound(batchSize * (1 - oversample));
}

/**
 * Throws unless the arrays of `c` match its shape and channel count.
 * @throws Error naming the case and the field.
 */
export function checkCase(c: PreprocessedCase): void {
  const n =
    c.shape.length === 3 && c.shape.every((s) => Number.isInteger(s) && s > 0)
      ? c.shape[0] * c.shape[1] * c.shape[2]
      : NaN;
  const fail = (field: string, expected: string): never => {
    throw new Error(`case '${c.id}': ${field} ${expected}`);
  };
  if (!Number.isFinite(n))
    fail('shape', `is [${String(c.shape)}], expected three positive integers [z, y, x]`);
  if (!(c.spacing?.length === 3 && c.spacing.every((s) => Number.isFinite(s) && s > 0)))
    fail('spacing', `is [${String(c.spacing)}], expected three positive numbers (mm, [z, y, x])`);
  if (!(Number.isInteger(c.channels) && c.channels >= 1))
    fail('channels', `is ${c.channels}, expected an integer ≥ 1`);
  if (!(c.image instanceof Float32Array) || c.image.length !== c.channels * n)
    fail(
      'image',
      `has ${c.image?.length} values, expected a Float32Array of ${c.channels} × ${c.shape.join('×')} = ${c.channels * n}`,
    );
  if (!(c.label instanceof Uint8Array) || c.label.length !== n)
    fail('label', `has ${c.label?.length} values, expected a Uint8Array of ${c.shape.join('×')} = ${n}`);
  const p = c.wholeTumourPrediction;
  if (p !== undefined && (!(p instanceof Uint8Array) || p.length !== n))
    fail('wholeTumourPrediction', `has ${p?.length} values, expected a Uint8Array of ${n}`);
}

/**
 * nnU-Net's `sample_foreground_locations` for one case: per class, flat voxel indices
 * (`(z·Y + y)·X + x`) of `max(min(10000, n), ceil(0.01 n))` voxels drawn without replacement from
 * the `n` voxels of the class (empty when the class is absent). Seeded by the case id, so every
 * worker computes the same locations.
 */
export function classLocations(c: PreprocessedCase, classes: readonly ForegroundClass[]): Int32Array[] {
  const lut = new Int16Array(256).fill(-1);
  classes.forEach((labels, k) => labels.forEach((l) => (lut[l] = k)));
  const counts = new Int32Array(classes.length);
  for (let i = 0; i < c.label.length; i++) {
    const k = lut[c.label[i]];
    if (k >= 0) counts[k]++;
  }
  const all = [...counts].map((n) => new Int32Array(n));
  const fill = new Int32Array(classes.length);
  for (let i = 0; i < c.label.length; i++) {
    const k = lut[c.label[i]];
    if (k >= 0) all[k][fill[k]++] = i;
  }
  const rng = new Rng(`classLocations/${c.id}`);
  return all.map((locs) => {
    const n = locs.length;
    const keep = Math.max(Math.min(MAX_CLASS_LOCATIONS, n), Math.ceil(n * MIN_CLASS_COVERAGE));
    // Partial Fisher–Yates: the first `keep` entries become a uniform sample without replacement.
    for (let i = 0; i < keep; i++) {
      const j = rng.int(i, n);
      const t = locs[i];
      locs[i] = locs[j];
      locs[j] = t;
    }
    return locs.slice(0, keep);
  });
}

/**
 * A cache of {@link classLocations} keyed by case id, shape and classes (it assumes an id always
 * names the same data, as in one preprocessed dataset).
 */
export class ClassLocationCache {
  private readonly map = new Map<string, Int32Array[]>();

  /** The locations of `c` for `classes`, computed on first use. */
  get(c: PreprocessedCase, classes: readonly ForegroundClass[]): Int32Array[] {
    const key = `${c.id}|${c.shape.join('x')}|${classes.map((k) => k.join('+')).join(',')}`;
    let locs = this.map.get(key);
    if (!locs) {
      locs = classLocations(c, classes);
      this.map.set(key, locs);
    }
    return locs;
  }
}

/** How a forced foreground voxel is placed in the final patch. */
export type ForegroundPlacement = 'anywhere' | 'centre';

/** Options of {@link patchStart}. */
export interface PatchBoxOptions {
  /** The size cut from the case (the enlarged input size), `[z, y, x]`. */
  inputSize: Vec3;
  /** The final patch size, `[z, y, x]` (≤ inputSize); its box is the centre crop of the input. */
  patchSize: Vec3;
  /** A foreground voxel `[z, y, x]` the final patch must contain, or null for a random box. */
  foreground: Vec3 | null;
  placement?: ForegroundPlacement;
}

/**
 * The start (`[z, y, x]`, may be negative) of the input box cut from a case of `shape`, with
 * nnU-Net's bounds: per axis, `need = inputSize − patchSize` (more when the case is smaller than
 * the input), the start lies in `[−⌈need/2⌉, shape + ⌈need/2⌉ − inputSize]`. A random box draws
 * the start uniformly in those bounds; a foreground box puts the voxel at a uniform position of the
 * final patch (or its centre, `placement: 'centre'`), clamped to the bounds (which keeps the voxel
 * inside the final patch).
 */
export function patchStart(shape: Vec3, o: PatchBoxOptions, rng: Rng): Vec3 {
  const start: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const e = o.inputSize[a];
    const p = o.patchSize[a];
    let need = e - p;
    if (need + shape[a] < e) need = e - shape[a];
    const lb = -Math.ceil(need / 2);
    const ub = shape[a] + Math.ceil(need / 2) - e;
    if (o.foreground === null) {
      start[a] = rng.int(lb, ub + 1);
    } else {
      const crop = Math.floor((e - p) / 2);
      const offset = o.placement === 'centre' ? Math.floor(p / 2) : rng.int(0, p);
      start[a] = Math.min(ub, Math.max(lb, o.foreground[a] - crop - offset));
    }
  }
  return start;
}

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

/** The box of `size` at `start` of one `[z, y, x]` array, zero outside (reuses `extractRegion`). */
function region<T extends VoxelArray>(data: T, shape: Vec3, spacing: Vec3, start: Vec3, size: Vec3): T {
  const vol: Volume<T> = { data, shape, spacing, affine: IDENTITY };
  return extractRegion(vol, start, size, 0).data;
}

/** Options of {@link samplePatch}. */
export interface SamplePatchOptions {
  /** Final patch size `[z, y, x]`. */
  patchSize: Vec3;
  /** Size cut from the case (≥ patchSize per axis; default patchSize). */
  inputSize?: Vec3;
  /** Force foreground (see {@link isForcedForeground}). */
  forceForeground: boolean;
  /** The case's foreground locations (from {@link classLocations}); needed when forcing foreground. */
  locations: Int32Array[];
  placement?: ForegroundPlacement;
  /** Also cut the case's `wholeTumourPrediction` as a mask channel. */
  withPrediction?: boolean;
  /**
   * With `forceForeground`: the patch holds the chosen foreground voxel's mirror image across the
   * case's middle along x instead (`[z, y, nx − 1 − x]`; x is left–right in the plan's RAS storage),
   * a hard negative on the other side of the head. Default false.
   */
  contralateral?: boolean;
  /**
   * A voxel `[z, y, x]` of the case that the final patch must hold, placed as a forced foreground
   * voxel is (a hard negative, `BatchStreamOptions.hardNegatives`); it takes precedence over
   * `forceForeground`. Default none.
   */
  at?: Vec3;
}

/**
 * Cuts one input-size patch from `c` (T2 = image channel 0; labels; optionally the stage-1
 * prediction as a mask channel), padding with 0 outside the case. When foreground is forced but
 * the case has none, the box is random (as in nnU-Net).
 * @throws Error naming the case if its arrays are inconsistent, `at` is outside it, or the
 *   prediction is asked for but missing.
 */
export function samplePatch(c: PreprocessedCase, o: SamplePatchOptions, rng: Rng): Sample {
  checkCase(c);
  const inputSize = o.inputSize ?? o.patchSize;
  if (!inputSize.every((e, a) => Number.isInteger(e) && e >= o.patchSize[a] && o.patchSize[a] >= 1)) {
    throw new Error(
      `samplePatch: inputSize [${inputSize.join(', ')}] must be integers ≥ patchSize [${o.patchSize.join(', ')}] ≥ 1`,
    );
  }
  let foreground: Vec3 | null = null;
  if (o.at) {
    if (!o.at.every((v, a) => Number.isInteger(v) && v >= 0 && v < c.shape[a])) {
      throw new Error(`case '${c.id}': patch centre [${o.at.join(', ')}] is outside the case's [${c.shape.join(', ')}] voxels`);
    }
    foreground = [...o.at] as Vec3;
  } else if (o.forceForeground) {
    const eligible = o.locations.filter((l) => l.length > 0);
    if (eligible.length > 0) {
      const locs = rng.pick(eligible);
      const i = locs[rng.int(0, locs.length)];
      const [, ny, nx] = c.shape;
      foreground = [Math.floor(i / (ny * nx)), Math.floor(i / nx) % ny, o.contralateral ? nx - 1 - (i % nx) : i % nx];
    }
  }
  const start = patchStart(
    c.shape,
    { inputSize, patchSize: o.patchSize, foreground, placement: o.placement },
    rng,
  );
  const n = c.shape[0] * c.shape[1] * c.shape[2];
  const masks: Uint8Array[] = [];
  if (o.withPrediction) {
    if (!c.wholeTumourPrediction) {
      throw new Error(
        `case '${c.id}': wholeTumourPrediction is missing, required when stage2Input is 'prediction'`,
      );
    }
    masks.push(region(c.wholeTumourPrediction, c.shape, c.spacing, start, inputSize));
  }
  return {
    id: c.id,
    image: region(c.image.subarray(0, n), c.shape, c.spacing, start, inputSize),
    channels: 1,
    masks,
    label: region(c.label, c.shape, c.spacing, start, inputSize),
    shape: [...inputSize] as Vec3,
    spacing: [...c.spacing] as Vec3,
  };
}
