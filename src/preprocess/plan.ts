/**
 * Planning like nnU-Net v2's `ExperimentPlanner` for `3d_fullres`: target spacing, median shape,
 * patch size and network topology from a dataset {@link Fingerprint}, fitted to a memory budget.
 * The plan is a pretty-printed JSON file a person may edit; {@link readPlan} checks every field.
 *
 * Rules (nnU-Net v2 unless marked):
 * 1. **Target spacing** = median spacing per axis. If the coarsest axis is anisotropic — its
 *    median spacing > 3 × the largest other median spacing *and* its median size after crop × 3 <
 *    the smallest other median size — its target is the 10th percentile of that axis's spacings,
 *    raised to `max(other target spacings) + 1e-5` if lower
 *    (`determine_fullres_target_spacing`, `ANISO_THRESHOLD = 3`).
 * 2. **Median shape** = median over cases of `round(spacing / target · shapeAfterCrop)`.
 * 3. **Initial patch**: aspect ratio `1 / target spacing`, scaled to the volume of 256³ voxels,
 *    rounded, clipped to the median shape.
 * 4. **Topology**: `poolAndConvProps` (`topology.ts`), features `base · 2^s` capped at `maxFeatures`.
 * 5. **Fit**: while the estimated memory (`estimateMemoryMB`, ours — nnU-Net compares an element
 *    count to a GPU reference) exceeds the budget, shrink the axis largest relative to the median
 *    shape by one divisibility step (recomputed as nnU-Net does), and re-derive the topology.
 * Deviations: the batch size is fixed (nnU-Net raises it when memory is left over); the budget is
 * in MB of float32 activations rather than GB of GPU memory.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { CANONICAL_ORIENTATION } from '../volume/reorient.js';
import { resampledShape } from '../volume/resample.js';
import type { Vec3 } from '../volume/volume.js';
import { percentileOf as percentile } from '../util/percentile.js';
import { estimateMemoryMB, featuresPerStage, poolAndConvProps, type PoolAndConvProps } from './topology.js';
import type { Fingerprint, NetworkPlan, Plan } from './types.js';

/** nnU-Net's `ANISO_THRESHOLD`. */
export const ANISOTROPY_THRESHOLD = 3;

/** Options of {@link makePlan}. */
export interface PlanOptions {
  /** Activation memory budget in MB (default 600: a patch of ~60k voxels, practical on 2 CPU cores). */
  memoryBudgetMB?: number;
  /** Batch size (default 2, nnU-Net's minimum). */
  batchSize?: number;
  /** Feature cap (default 320). */
  maxFeatures?: number;
  /** Features of stage 0 (default 32). */
  baseFeatures?: number;
  /** Smallest bottleneck edge (default 4, nnU-Net's `UNet_featuremap_min_edge_length`). */
  minFeatureMapSize?: number;
  /** Output classes for the memory estimate (default 3). */
  numClasses?: number;
  /** Recorded in the plan (informative). */
  dataset?: string;
  /**
   * Target spacing `[z, y, x]` mm instead of the fingerprint's rule — e.g. a coarser grid to train
   * on 2 CPU cores (like nnU-Net's 3d_lowres). Patch and topology are derived from it as usual.
   */
  spacing?: Vec3;
}

/** Rule 1 of the module comment: the target spacing `[z, y, x]` mm. */
export function targetSpacing(fp: Fingerprint): Vec3 {
  const col = (rows: Vec3[], a: number) => rows.map((r) => r[a]);
  const target = [0, 1, 2].map((a) => percentile(col(fp.spacings, a), 50)) as Vec3;
  const size = [0, 1, 2].map((a) => percentile(col(fp.shapesAfterCrop, a), 50));
  const worst = target.indexOf(Math.max(...target));
  const others = [0, 1, 2].filter((a) => a !== worst);
  const otherSpacings = others.map((a) => target[a]);
  const anisoSpacing = target[worst] > ANISOTROPY_THRESHOLD * Math.max(...otherSpacings);
  const anisoVoxels = size[worst] * ANISOTROPY_THRESHOLD < Math.min(...others.map((a) => size[a]));
  if (anisoSpacing && anisoVoxels) {
    let t = percentile(col(fp.spacings, worst), 10);
    if (t < Math.max(...otherSpacings)) t = Math.max(Math.max(...otherSpacings), t) + 1e-5;
    target[worst] = t;
  }
  return target;
}

/** Rule 2: the median shape of the cases (after crop) at `spacing`. */
export function medianShapeAt(fp: Fingerprint, spacing: Vec3): Vec3 {
  const shapes = fp.shapesAfterCrop.map((s, i) => resampledShape(s, fp.spacings[i], spacing));
  return [0, 1, 2].map((a) => percentile(shapes.map((s) => s[a]), 50)) as Vec3;
}

function networkOf(t: PoolAndConvProps, base: number, max: number): NetworkPlan {
  return { features: featuresPerStage(t.strides.length, base, max), kernels: t.kernels, strides: t.strides };
}

/**
 * Makes a plan from a fingerprint (rules in the module comment).
 * @throws Error if an option is out of range, or the data are too small for a 2-stage U-Net, or
 *   no patch fits the budget.
 * @example const plan = makePlan(await computeFingerprint(dir), { memoryBudgetMB: 600, dataset: dir });
 */
export function makePlan(fp: Fingerprint, opts: PlanOptions = {}): Plan {
  const budget = opts.memoryBudgetMB ?? 600;
  const batchSize = opts.batchSize ?? 2;
  const base = opts.baseFeatures ?? 32;
  const max = opts.maxFeatures ?? 320;
  const minEdge = opts.minFeatureMapSize ?? 4;
  for (const [name, v] of Object.entries({ memoryBudgetMB: budget, batchSize, baseFeatures: base, maxFeatures: max, minFeatureMapSize: minEdge })) {
    if (!(Number.isFinite(v) && v > 0) || (name !== 'memoryBudgetMB' && !Number.isInteger(v))) {
      throw new Error(`makePlan: ${name} = ${v}, expected a positive ${name === 'memoryBudgetMB' ? 'number' : 'integer'}`);
    }
  }
  if (fp.spacings.length === 0) throw new Error('makePlan: the fingerprint has no case');
  if (opts.spacing && (opts.spacing.length !== 3 || !opts.spacing.every((v) => Number.isFinite(v) && v > 0))) {
    throw new Error(`makePlan: spacing = ${JSON.stringify(opts.spacing)}, expected three positive numbers (mm, [z, y, x])`);
  }
  const spacing = opts.spacing ? ([...opts.spacing] as Vec3) : targetSpacing(fp);
  const median = medianShapeAt(fp, spacing);
  const inv = spacing.map((s) => 1 / s);
  const scale = (256 ** 3 / (inv[0] * inv[1] * inv[2])) ** (1 / 3);
  const initial = inv.map((v, a) => Math.min(Math.round(v * scale), median[a]));
  const memory = { numClasses: opts.numClasses ?? 3 };
  let topo = poolAndConvProps(spacing, initial, minEdge);
  let net = networkOf(topo, base, max);
  let estimate = estimateMemoryMB(topo.patchSize, net, batchSize, memory);
  while (estimate > budget) {
    // Shrink the axis largest relative to the median shape (the last one on ties, like argsort).
    const ratios = topo.patchSize.map((p, a) => p / median[a]);
    const order = [0, 1, 2].sort((a, b) => ratios[a] - ratios[b] || a - b);
    const patch = [...topo.patchSize] as Vec3;
    let reduced = false;
    for (const axis of order.reverse()) {
      const tmp = [...patch];
      tmp[axis] -= topo.mustBeDivisibleBy[axis];
      if (tmp[axis] < 1) continue;
      const step = poolAndConvProps(spacing, tmp, minEdge).mustBeDivisibleBy[axis];
      if (patch[axis] - step < 1) continue;
      patch[axis] -= step;
      reduced = true;
      break;
    }
    if (!reduced) {
      throw new Error(
        `makePlan: memoryBudgetMB = ${budget} is too small: the smallest patch ${topo.patchSize.join('×')} needs ` +
          `${estimate.toFixed(0)} MB; expected a budget of at least that`,
      );
    }
    topo = poolAndConvProps(spacing, patch, minEdge);
    net = networkOf(topo, base, max);
    estimate = estimateMemoryMB(topo.patchSize, net, batchSize, memory);
  }
  if (net.features.length < 2) {
    throw new Error(
      `makePlan: median shape ${median.join('×')} at ${spacing.map((s) => s.toFixed(3)).join('×')} mm allows no pooling ` +
        `(patch ${topo.patchSize.join('×')}); expected cases of at least ${2 * minEdge} voxels along some axis`,
    );
  }
  return {
    version: 1,
    dataset: opts.dataset ?? '',
    spacing,
    patchSize: topo.patchSize,
    batchSize,
    network: net,
    memoryBudgetMB: budget,
    medianShape: median,
    normalization: { scheme: 'zscore', useMaskForNorm: useMaskForNorm(fp) },
    fingerprint: fp,
    orientation: CANONICAL_ORIENTATION,
  };
}

/**
 * nnU-Net's rule for z-score normalisation: normalise inside the non-zero mask (and leave 0
 * outside) when cropping to non-zero shrinks the median case to less than 3/4 of its volume.
 */
export function useMaskForNorm(fp: Fingerprint): boolean {
  return fp.medianRelativeSizeAfterCrop < 3 / 4;
}

/**
 * Where two plans preprocess a scan differently — the target spacing, the normalisation or the
 * orientation the network sees (absent = `RAS`, see {@link Plan.orientation}) — or null when one
 * preprocessing serves both, so that data preprocessed with one trains or runs a network of the
 * other (its patch size, batch and topology may differ, as nnU-Net's configurations share
 * preprocessed data of the same spacing).
 * @example preprocessingDifference(plan, { ...plan, patchSize: [32, 64, 64] }) // null
 */
export function preprocessingDifference(a: Plan, b: Plan): string | null {
  const fields: [string, unknown, unknown][] = [
    ['spacing', a.spacing, b.spacing],
    ['normalization', a.normalization, b.normalization],
    ['orientation', a.orientation ?? 'RAS', b.orientation ?? 'RAS'],
  ];
  for (const [name, x, y] of fields) {
    if (JSON.stringify(x) !== JSON.stringify(y)) return `${name} ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
  }
  return null;
}

/** Estimated activation memory of a plan, MB (see `estimateMemoryMB`). */
export function planMemoryMB(plan: Plan, numClasses = 3): number {
  return estimateMemoryMB(plan.patchSize, plan.network, plan.batchSize, { numClasses });
}

/** A few lines for people: spacing, median shape, patch, stages, memory. */
export function formatPlan(plan: Plan): string {
  const v = (x: number[], d = 0) => x.map((n) => n.toFixed(d)).join(' × ');
  const n = plan.network;
  const stages = n.features.map((f, s) => `    ${s}: ${String(f).padStart(3)} features, kernel ${n.kernels[s].join('×')}, stride ${n.strides[s].join('×')}`);
  return [
    `cases          ${plan.fingerprint.spacings.length}`,
    `spacing        ${v(plan.spacing, 3)} mm  [z, y, x]`,
    `median shape   ${v(plan.medianShape)} voxels`,
    `patch          ${v(plan.patchSize)} voxels, batch ${plan.batchSize}`,
    `orientation    ${plan.orientation ?? CANONICAL_ORIENTATION} (array axes x, y, z; every scan is reoriented to it without interpolation)`,
    `normalisation  z-score${plan.normalization.useMaskForNorm ? ' inside the non-zero mask' : ''}`,
    `memory         ${planMemoryMB(plan).toFixed(0)} MB of activations (budget ${plan.memoryBudgetMB} MB)`,
    `stages         ${n.features.length}`,
    ...stages,
  ].join('\n');
}

/**
 * 2-space indented JSON with arrays of numbers kept on one line (`"patchSize": [40, 224, 224]`),
 * so a person can read and edit it; ends with a newline.
 */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[[-+\d.eE,\s]*\]/g, (m) => `[${m.slice(1, -1).split(',').map((t) => t.trim()).filter((t) => t !== '').join(', ')}]`) + '\n';
}

/** Writes a plan as {@link formatJson} text, atomically. */
export async function writePlan(path: string, plan: Plan): Promise<void> {
  await writeFileAtomic(path, formatJson(plan));
}

/**
 * Reads and checks a plan file (see {@link validatePlan}).
 * @throws Error naming the file and the field.
 */
export async function readPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read plan (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validatePlan(json, path);
}

type Obj = Record<string, unknown>;

/** Field checks of parsed JSON files; `where` is the file name, for messages. */
export class FieldChecker {
  constructor(private readonly where: string) {}
  /** Throws `<where>: field <field>: expected <expected>, got <got>`. */
  fail(field: string, expected: string, got: unknown): never {
    throw new Error(`${this.where}: field ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  }
  /** An object with exactly the `keys` (and maybe some of `optional`). */
  object(v: unknown, field: string, keys: string[], optional: string[] = []): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field || '(top level)', 'an object', v);
    const o = v as Obj;
    const known = [...keys, ...optional];
    for (const k of keys) if (!(k in o)) this.fail(field ? `${field}.${k}` : k, 'a value (the field is missing)', undefined);
    for (const k of Object.keys(o)) if (!known.includes(k)) this.fail(field ? `${field}.${k}` : k, `no such field (known: ${known.join(', ')})`, o[k]);
    return o;
  }
  num(v: unknown, field: string, kind: 'positive' | 'positiveInt' | 'finite' | 'fraction'): number {
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (kind === 'finite' || v > 0) &&
      (kind !== 'positiveInt' || Number.isInteger(v)) &&
      (kind !== 'fraction' || v <= 1);
    const what = { positive: 'a positive number', positiveInt: 'a positive integer', finite: 'a finite number', fraction: 'a number in (0, 1]' }[kind];
    if (!ok) this.fail(field, what, v);
    return v as number;
  }
  vec3(v: unknown, field: string, kind: 'positive' | 'positiveInt'): Vec3 {
    if (!Array.isArray(v) || v.length !== 3) this.fail(field, `three numbers [z, y, x]`, v);
    return (v as unknown[]).map((x, a) => this.num(x, `${field}[${a}]`, kind)) as Vec3;
  }
  list<T>(v: unknown, field: string, item: (x: unknown, f: string) => T, minLength = 0): T[] {
    if (!Array.isArray(v) || v.length < minLength) this.fail(field, `an array of at least ${minLength} entries`, v);
    return (v as unknown[]).map((x, i) => item(x, `${field}[${i}]`));
  }
}

function validateFingerprint(v: unknown, c: FieldChecker): Fingerprint {
  const o = c.object(v, 'fingerprint', ['spacings', 'shapesAfterCrop', 'foregroundIntensity', 'medianRelativeSizeAfterCrop']);
  const spacings = c.list(o.spacings, 'fingerprint.spacings', (x, f) => c.vec3(x, f, 'positive'), 1);
  const shapes = c.list(o.shapesAfterCrop, 'fingerprint.shapesAfterCrop', (x, f) => c.vec3(x, f, 'positiveInt'), 1);
  if (shapes.length !== spacings.length) c.fail('fingerprint.shapesAfterCrop', `${spacings.length} entries (one per spacing)`, shapes.length);
  const keys = ['mean', 'std', 'p00_5', 'p99_5', 'min', 'max'] as const;
  const fi = c.object(o.foregroundIntensity, 'fingerprint.foregroundIntensity', [...keys]);
  const stats = Object.fromEntries(keys.map((k) => [k, c.num(fi[k], `fingerprint.foregroundIntensity.${k}`, 'finite')]));
  return {
    spacings,
    shapesAfterCrop: shapes,
    foregroundIntensity: stats as Fingerprint['foregroundIntensity'],
    medianRelativeSizeAfterCrop: c.num(o.medianRelativeSizeAfterCrop, 'fingerprint.medianRelativeSizeAfterCrop', 'fraction'),
  };
}

const PLAN_KEYS = ['version', 'dataset', 'spacing', 'patchSize', 'batchSize', 'network', 'memoryBudgetMB', 'medianShape', 'normalization', 'fingerprint'];

/**
 * Checks a parsed plan: every field present, of the right type and range, no unknown field
 * (`orientation` may be absent in older plans: it is filled in as `'RAS'`, which they meant);
 * `network.features`, `kernels` and `strides` have one entry per stage (≥ 2), kernels are odd,
 * strides 1 or 2 with stage 0 `[1, 1, 1]`, and the patch is a multiple of the stride product.
 * @param where the file name for messages.
 * @throws Error naming `where` and the field, e.g. `plan.json: field network.kernels[1][0]: expected …`.
 */
export function validatePlan(json: unknown, where = 'plan'): Plan {
  const c = new FieldChecker(where);
  const o = c.object(json, '', PLAN_KEYS, ['orientation']);
  if ('orientation' in o && o.orientation !== CANONICAL_ORIENTATION) c.fail('orientation', `"${CANONICAL_ORIENTATION}" (the one orientation meatus's networks see)`, o.orientation);
  if (o.version !== 1) c.fail('version', '1', o.version);
  if (typeof o.dataset !== 'string') c.fail('dataset', 'a string', o.dataset);
  const patchSize = c.vec3(o.patchSize, 'patchSize', 'positiveInt');
  const n = c.object(o.network, 'network', ['features', 'kernels', 'strides']);
  const features = c.list(n.features, 'network.features', (x, f) => c.num(x, f, 'positiveInt'), 2);
  const stages = features.length;
  const kernels = c.list(n.kernels, 'network.kernels', (x, f) => {
    const k = c.vec3(x, f, 'positiveInt');
    k.forEach((v, a) => v % 2 === 0 && c.fail(`${f}[${a}]`, 'an odd kernel size (1, 3, …)', v));
    return k;
  });
  const strides = c.list(n.strides, 'network.strides', (x, f) => {
    const s = c.vec3(x, f, 'positiveInt');
    s.forEach((v, a) => v > 2 && c.fail(`${f}[${a}]`, 'a stride of 1 or 2', v));
    return s;
  });
  if (kernels.length !== stages) c.fail('network.kernels', `${stages} entries (one per entry of network.features)`, kernels.length);
  if (strides.length !== stages) c.fail('network.strides', `${stages} entries (one per entry of network.features)`, strides.length);
  if (strides[0].some((s) => s !== 1)) c.fail('network.strides[0]', '[1, 1, 1] (stage 0 does not downsample)', strides[0]);
  const product = [0, 1, 2].map((a) => strides.reduce((p, s) => p * s[a], 1));
  patchSize.forEach((p, a) => p % product[a] !== 0 && c.fail(`patchSize[${a}]`, `a multiple of ${product[a]} (the product of the strides)`, p));
  const norm = c.object(o.normalization, 'normalization', ['scheme', 'useMaskForNorm']);
  if (norm.scheme !== 'zscore') c.fail('normalization.scheme', '"zscore"', norm.scheme);
  if (typeof norm.useMaskForNorm !== 'boolean') c.fail('normalization.useMaskForNorm', 'true or false', norm.useMaskForNorm);
  return {
    version: 1,
    dataset: o.dataset as string,
    spacing: c.vec3(o.spacing, 'spacing', 'positive'),
    patchSize,
    batchSize: c.num(o.batchSize, 'batchSize', 'positiveInt'),
    network: { features, kernels, strides },
    memoryBudgetMB: c.num(o.memoryBudgetMB, 'memoryBudgetMB', 'positive'),
    medianShape: c.vec3(o.medianShape, 'medianShape', 'positive'),
    normalization: { scheme: 'zscore', useMaskForNorm: norm.useMaskForNorm as boolean },
    fingerprint: validateFingerprint(o.fingerprint, c),
    orientation: CANONICAL_ORIENTATION,
  };
}
