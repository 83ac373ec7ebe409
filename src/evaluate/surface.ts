/**
 * Surface distances between two binary masks — ASSD and HD95 — with the definitions of the peers
 * they are named after, as their sources are written (checked against the code, not descriptions):
 *
 * - the surface (border) of a mask is `mask XOR binary_erosion(mask, generate_binary_structure(3, 1))`:
 *   its set voxels with a 6-neighbour outside the mask, voxels outside the volume counting as unset
 *   (scipy's `border_value=0`), so a mask touching the volume border has a surface there. medpy's
 *   `__surface_distances` (connectivity 1) and MONAI's `get_mask_edges` (scipy's default structure,
 *   after a crop padded with zeros) both do this;
 * - the directed distances from A to B are, for every surface voxel of A, the Euclidean distance in
 *   mm to the nearest surface voxel of B (`distance_transform_edt(~border(B), sampling=spacing)`
 *   read at `border(A)`);
 * - the definitions ({@link DistanceDefinition}), for directed sets d(A→B), d(B→A):
 *   - `'medpy'` — medpy 0.5.2 (`loli/medpy`, `medpy/metric/binary.py` at tag 0.5.2, commit
 *     3fbdf6c9608ebba9734e7a32a4d0642f022f0815): `assd` = mean of both sets pooled
 *     (`numpy.concatenate([...]).mean()`), `hd95` = 95th percentile of both sets pooled
 *     (`numpy.percentile(numpy.hstack((hd1, hd2)), 95)`);
 *   - `'medpy-0.4'` — medpy 0.4.0 (tag 0.4.0, commit 90dcb2b5821062dad5427ced6b6c25d2b278e146; the
 *     PyPI release until 2024, which crossMoDA 2021–22's `scores.py` ran): `assd` = mean of the two
 *     directed means (`numpy.mean((asd(a, b), asd(b, a)))`), `hd95` pooled as above (unchanged since
 *     medpy added it);
 *   - `'monai'` — MONAI (`monai/metrics/surface_distance.py`, `hausdorff_distance.py`,
 *     `Project-MONAI/MONAI` commit d388d1c6fec8cb3a0eebee5b5a0b9776ca59ca83):
 *     `compute_average_surface_distance(symmetric=True)` = mean of both sets pooled (as medpy 0.5.2),
 *     `compute_hausdorff_distance(percentile=95)` = the larger of the two directed 95th percentiles.
 *   Percentiles are numpy's linear ones (MONAI's `torch.quantile` interpolates the same way).
 *
 * The two HD95s differ when one direction has a few far voxels: a small far false positive adds
 * a handful of large distances to d(P→R) — its own 95th percentile jumps, the pooled one need not.
 *
 * Speed, exactly: every surface voxel of a mask lies in the mask's bounding box, so all work is done
 * on the union box of both masks. Inside it the erosion is unchanged (just outside the box both masks
 * are 0, as `border_value=0` assumes, and where the box meets the volume border it is the volume
 * border), and every nearest surface voxel is in the box, so distances are those of the full volume,
 * bit for bit. Distances are formed from the EDT's nearest-voxel indices in float64, in scipy's order
 * (`(Δz·sz)² + (Δy·sy)² + (Δx·sx)²`, then `sqrt`).
 */
import type { Box } from '../volume/bbox.js';
import { edt } from '../volume/edt.js';
import { checkMask, checkSpacing } from '../volume/mask-args.js';
import { erode } from '../volume/morphology.js';
import type { Vec3 } from '../volume/volume.js';
import { percentile } from '../util/percentile.js';

/**
 * Whose ASSD and HD95 definitions to use (see the file comment): `'medpy'` (medpy 0.5.2: both
 * pooled), `'medpy-0.4'` (medpy 0.4.0: ASSD the mean of the two directed means, HD95 pooled),
 * `'monai'` (MONAI: ASSD pooled, HD95 the larger directed 95th percentile).
 */
export type DistanceDefinition = 'medpy' | 'medpy-0.4' | 'monai';

/** The definitions, in the order options list them; `'medpy'` is the default. */
export const DISTANCE_DEFINITIONS: readonly DistanceDefinition[] = ['medpy', 'medpy-0.4', 'monai'];

/**
 * One line naming what ASSD and HD95 are under `distance`, for every output that reports them.
 * @example describeDistances('medpy') // "medpy 0.5.2: ASSD = mean of both directed surface-distance sets pooled; HD95 = 95th percentile of both sets pooled"
 */
export function describeDistances(distance: DistanceDefinition): string {
  switch (distance) {
    case 'medpy':
      return 'medpy 0.5.2: ASSD = mean of both directed surface-distance sets pooled; HD95 = 95th percentile of both sets pooled';
    case 'medpy-0.4':
      return 'medpy 0.4.0: ASSD = mean of the two directed mean surface distances; HD95 = 95th percentile of both directed sets pooled';
    case 'monai':
      return 'MONAI: ASSD = mean of both directed surface-distance sets pooled; HD95 = the larger of the two directed 95th percentiles';
  }
}

/** Options of {@link surfaceDistances}. */
export interface SurfaceDistanceOptions {
  /** ASSD and HD95 definitions: `'medpy'` (default), `'medpy-0.4'` or `'monai'` (see {@link DistanceDefinition}). */
  distance?: DistanceDefinition;
  /**
   * Value of ASSD and HD95 when exactly one mask is empty: `null` (default) gives `+Infinity`,
   * the paper's "inf"; a number ≥ 0 gives that many mm (crossMoDA-style fixed penalty).
   * Both masks empty always gives `NaN`.
   */
  emptyPenalty?: number | null;
  /**
   * What the surface of a mask is: `'border'` (default) medpy's `mask XOR erode(mask, 6)`;
   * `'voxels'` the set voxels themselves (for masks that already are surfaces, such as the
   * intrameatal/extrameatal interface of `labelInterface`).
   */
  surface?: 'border' | 'voxels';
  /** Work on the union bounding box (default `true`); `false` works on the full volume — same result, slower (for tests). */
  crop?: boolean;
}

/** Result of {@link surfaceDistances}. Distances in mm. */
export interface SurfaceDistances {
  /** Average symmetric surface distance (definition per `opts.distance`). */
  assd: number;
  /** 95th-percentile Hausdorff distance (definition per `opts.distance`). */
  hd95: number;
  /** Directed distances from each surface voxel of `pred` (in voxel order, x fastest) to the surface of `ref`; empty if either mask is. */
  predToRef: Float64Array;
  /** Directed distances from each surface voxel of `ref` to the surface of `pred`; empty if either mask is. */
  refToPred: Float64Array;
}

/**
 * medpy's surface of a binary mask: `mask XOR erode(mask, 6-connectivity)`, with voxels outside the
 * volume counting as unset.
 * @param mask - Binary mask, x fastest (`[z, y, x]` layout); any non-zero is "set".
 * @param shape - `[z, y, x]` voxel counts.
 * @returns A new 0/1 mask.
 * @throws Error on a bad `shape` or a `mask` of the wrong length.
 */
export function maskBorder(mask: Uint8Array, shape: Vec3): Uint8Array {
  const inner = erode(mask, shape, 6);
  for (let i = 0; i < inner.length; i++) inner[i] = (mask[i] !== 0 ? 1 : 0) ^ inner[i];
  return inner;
}

/**
 * Directed surface distances: for every set voxel of `from` (in voxel order), the Euclidean distance
 * in mm to the nearest set voxel of `to`, in float64 (scipy's `distance_transform_edt(~to,
 * sampling=spacing)[from]`).
 * @param from - Surface voxels to measure from, x fastest.
 * @param to - Surface voxels to measure to, x fastest; must have a set voxel if `from` does.
 * @param shape - `[z, y, x]` voxel counts.
 * @param spacing - `[sz, sy, sx]` voxel size in mm.
 * @throws Error on bad arguments, or if `to` is empty while `from` is not.
 */
export function directedDistances(
  from: Uint8Array,
  to: Uint8Array,
  shape: Vec3,
  spacing: Vec3,
): Float64Array {
  const n = checkMask('directedDistances', from, shape);
  checkMask('directedDistances', to, shape);
  let count = 0;
  for (let i = 0; i < n; i++) if (from[i] !== 0) count++;
  const out = new Float64Array(count);
  if (count === 0) return out;
  const indices = edt(to, shape, spacing, { returnIndices: true }).indices!;
  const [, ny, nx] = shape;
  const [sz, sy, sx] = spacing;
  for (let i = 0, k = 0; i < n; i++) {
    if (from[i] === 0) continue;
    const j = indices[i];
    if (j < 0)
      throw new Error('directedDistances: `to` has no set voxel, so distances from `from` are undefined');
    const xi = i % nx;
    const xj = j % nx;
    const ti = (i - xi) / nx;
    const tj = (j - xj) / nx;
    const yi = ti % ny;
    const yj = tj % ny;
    const dz = ((tj - yj) / ny - (ti - yi) / ny) * sz;
    const dy = (yj - yi) * sy;
    const dx = (xj - xi) * sx;
    out[k++] = Math.sqrt(dz * dz + dy * dy + dx * dx);
  }
  return out;
}

/**
 * ASSD and HD95 from the two directed distance sets, by `distance` (see the file comment).
 * @returns `NaN` for both if either set is empty.
 */
export function symmetricDistances(
  predToRef: Float64Array,
  refToPred: Float64Array,
  distance: DistanceDefinition = 'medpy',
): { assd: number; hd95: number } {
  if (predToRef.length === 0 || refToPred.length === 0) return { assd: NaN, hd95: NaN };
  const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0);
  const assd =
    distance === 'medpy-0.4'
      ? (sum(predToRef) / predToRef.length + sum(refToPred) / refToPred.length) / 2
      : (sum(predToRef) + sum(refToPred)) / (predToRef.length + refToPred.length);
  let hd95: number;
  if (distance === 'monai') {
    hd95 = Math.max(
      percentile(Float64Array.from(predToRef).sort(), 95),
      percentile(Float64Array.from(refToPred).sort(), 95),
    );
  } else {
    const pooled = new Float64Array(predToRef.length + refToPred.length);
    pooled.set(predToRef);
    pooled.set(refToPred, predToRef.length);
    hd95 = percentile(pooled.sort(), 95);
  }
  return { assd, hd95 };
}

/**
 * Checks {@link SurfaceDistanceOptions} and fills in the defaults.
 * @throws Error naming `fn` and the bad option.
 */
export function checkSurfaceOptions(
  fn: string,
  opts: SurfaceDistanceOptions,
): Required<SurfaceDistanceOptions> {
  const distance = opts.distance ?? 'medpy';
  if (!DISTANCE_DEFINITIONS.includes(distance)) {
    throw new Error(`${fn}: opts.distance must be ${DISTANCE_DEFINITIONS.map((d) => `'${d}'`).join(', ')}, got ${JSON.stringify(distance)}`);
  }
  const emptyPenalty = opts.emptyPenalty ?? null;
  if (
    emptyPenalty !== null &&
    !(typeof emptyPenalty === 'number' && Number.isFinite(emptyPenalty) && emptyPenalty >= 0)
  ) {
    throw new Error(
      `${fn}: opts.emptyPenalty must be null or a finite number of mm >= 0, got ${String(emptyPenalty)}`,
    );
  }
  const surface = opts.surface ?? 'border';
  if (surface !== 'border' && surface !== 'voxels') {
    throw new Error(`${fn}: opts.surface must be 'border' or 'voxels', got ${JSON.stringify(surface)}`);
  }
  return { distance, emptyPenalty, surface, crop: opts.crop ?? true };
}

/**
 * ASSD and HD95 (mm) between the surfaces of two binary masks, with the directed distances.
 * Both empty: `NaN`; one empty: `+Infinity` or `opts.emptyPenalty`.
 * Works on the union bounding box of the two masks (exact; see the file comment).
 *
 * @param pred - Predicted mask, x fastest (`[z, y, x]` layout); any non-zero is "set".
 * @param ref - Reference mask, same layout.
 * @param shape - `[z, y, x]` voxel counts.
 * @param spacing - `[sz, sy, sx]` voxel size in mm.
 * @throws Error on a bad shape, spacing, mask length or option.
 * @example
 * const { assd, hd95 } = surfaceDistances(pred, ref, [80, 384, 384], [1.5, 0.41, 0.41]);
 */
export function surfaceDistances(
  pred: Uint8Array,
  ref: Uint8Array,
  shape: Vec3,
  spacing: Vec3,
  opts: SurfaceDistanceOptions = {},
): SurfaceDistances {
  checkMask('surfaceDistances', pred, shape);
  checkMask('surfaceDistances', ref, shape);
  checkSpacing('surfaceDistances', spacing);
  const o = checkSurfaceOptions('surfaceDistances', opts);
  const {
    pred: [, bp],
    ref: [, br],
  } = scanPair(pred, ref, shape, 1);
  if (bp === null || br === null) {
    const value = bp === null && br === null ? NaN : (o.emptyPenalty ?? Infinity);
    return { assd: value, hd95: value, predToRef: new Float64Array(0), refToPred: new Float64Array(0) };
  }
  let p = pred;
  let r = ref;
  let s = shape;
  if (o.crop) {
    const box = unionBox(bp, br);
    s = boxShape(box);
    p = cropBox(pred, shape, box, 1, 255);
    r = cropBox(ref, shape, box, 1, 255);
  }
  const sp = o.surface === 'border' ? maskBorder(p, s) : p;
  const sr = o.surface === 'border' ? maskBorder(r, s) : r;
  const predToRef = directedDistances(sp, sr, s, spacing);
  const refToPred = directedDistances(sr, sp, s, spacing);
  return { ...symmetricDistances(predToRef, refToPred, o.distance), predToRef, refToPred };
}

/** The smallest box holding both boxes. */
export function unionBox(a: Box, b: Box): Box {
  return {
    start: a.start.map((v, i) => Math.min(v, b.start[i])) as Vec3,
    end: a.end.map((v, i) => Math.max(v, b.end[i])) as Vec3,
  };
}

/** Size `[z, y, x]` of a box. */
export function boxShape(box: Box): Vec3 {
  return box.end.map((e, i) => e - box.start[i]) as Vec3;
}

/**
 * The voxels of `src` (x fastest, `shape`) inside `box`, as a new array of the box's shape: with
 * `lo`/`hi` given, 1 where `lo ≤ value ≤ hi` and 0 elsewhere; without, the values themselves.
 */
export function cropBox(src: ArrayLike<number>, shape: Vec3, box: Box, lo?: number, hi?: number): Uint8Array {
  const [, ny, nx] = shape;
  const [bz, by, bx] = boxShape(box);
  const out = new Uint8Array(bz * by * bx);
  const select = lo !== undefined && hi !== undefined;
  for (let z = 0, k = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const row = ((box.start[0] + z) * ny + box.start[1] + y) * nx + box.start[2];
      for (let x = 0; x < bx; x++, k++) {
        const v = src[row + x];
        out[k] = select ? (v >= lo && v <= hi ? 1 : 0) : v;
      }
    }
  }
  return out;
}

/** Result of {@link scanPair}. */
export interface PairScan {
  /** Joint counts: `confusion[a·(L + 1) + b]` voxels have prediction value `a` and reference value `b` (L = `labels`). */
  confusion: Float64Array;
  /** Bounding box of each non-zero value of the prediction, at its index (index 0 is `null`); `null` where absent. */
  pred: (Box | null)[];
  /** The same for the reference. */
  ref: (Box | null)[];
}

/**
 * One pass over two maps of values `0 … labels` (x fastest, `shape`): their joint counts and each
 * non-zero value's bounding box. Skips 8 voxels at a time where both are zero (4-byte aligned data).
 * A value above `labels` goes to `onBad`, which throws; without `onBad` it counts as `labels`
 * (with `labels = 1`: any non-zero is "set").
 */
export function scanPair(
  p: Uint8Array,
  r: Uint8Array,
  shape: Vec3,
  labels: number,
  onBad?: (map: 'pred' | 'ref', value: number, index: number) => never,
): PairScan {
  const n = p.length;
  const nx = shape[2];
  const ny = shape[1];
  const m = labels + 1;
  const confusion = new Float64Array(m * m);
  // Corners per (map, value), slot (map·m + value)·3 + axis, axes [z, y, x].
  const lo = new Int32Array(6 * m).fill(2 ** 30);
  const hi = new Int32Array(6 * m).fill(-1);
  const grow = (o: number, z: number, y: number, x: number): void => {
    if (z < lo[o]) lo[o] = z;
    if (z > hi[o]) hi[o] = z;
    if (y < lo[o + 1]) lo[o + 1] = y;
    if (y > hi[o + 1]) hi[o + 1] = y;
    if (x < lo[o + 2]) lo[o + 2] = x;
    if (x > hi[o + 2]) hi[o + 2] = x;
  };
  let nonzero = 0;
  const visit = (i: number): void => {
    let a = p[i];
    let b = r[i];
    if ((a | b) === 0) return;
    if (a > labels) a = onBad ? onBad('pred', a, i) : labels;
    if (b > labels) b = onBad ? onBad('ref', b, i) : labels;
    confusion[a * m + b]++;
    nonzero++;
    const x = i % nx;
    const t = (i - x) / nx;
    const y = t % ny;
    const z = (t - y) / ny;
    if (a !== 0) grow(a * 3, z, y, x);
    if (b !== 0) grow((m + b) * 3, z, y, x);
  };
  let i = 0;
  if (p.byteOffset % 4 === 0 && r.byteOffset % 4 === 0) {
    const words = (n >> 3) * 2;
    const pw = new Uint32Array(p.buffer, p.byteOffset, words);
    const rw = new Uint32Array(r.buffer, r.byteOffset, words);
    for (let w = 0; w < words; w += 2) {
      if ((pw[w] | pw[w + 1] | rw[w] | rw[w + 1]) === 0) continue;
      for (let j = w * 4, e = j + 8; j < e; j++) visit(j);
    }
    i = words * 4;
  }
  for (; i < n; i++) visit(i);
  confusion[0] = n - nonzero;
  const box = (slot: number): Box | null => {
    const o = slot * 3;
    return hi[o] < 0
      ? null
      : { start: [lo[o], lo[o + 1], lo[o + 2]], end: [hi[o] + 1, hi[o + 1] + 1, hi[o + 2] + 1] };
  };
  const boxes = (map: number): (Box | null)[] =>
    Array.from({ length: m }, (_, v) => (v === 0 ? null : box(map * m + v)));
  return { confusion, pred: boxes(0), ref: boxes(1) };
}
