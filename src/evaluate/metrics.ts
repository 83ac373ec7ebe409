/**
 * Per-case segmentation metrics of the paper (Tables 1–2) and of crossMoDA 2023: Dice, ASSD and
 * HD95 per class, and the boundary ASSD between the intrameatal/extrameatal interfaces.
 *
 * Classes (crossMoDA 2023 labels): background = label 0, extrameatal (EM) = 1, intrameatal (IM) = 2,
 * whole tumour (WT) = label > 0. Distances follow medpy 0.5.2 by default, medpy 0.4.0 or MONAI on
 * request (see `surface.ts`, which cites the sources); the background gets
 * Dice only (its surface would include the image border, so medpy's ASSD of it measures the field
 * of view; nnU-Net and the paper report Dice alone for it): its `assd` and `hd95` are `NaN`.
 *
 * Speed: one pass over both label maps gathers the 3×3 confusion counts (all Dice values) and
 * the bounding box of each label; all distance work then happens inside the union box of the
 * class (exact, see `surface.ts`).
 */
import { type Box } from '../volume/bbox.js';
import { labelInterface } from '../volume/interface.js';
import type { Vec3, Volume } from '../volume/volume.js';
import {
  boxShape,
  checkSurfaceOptions,
  cropBox,
  scanPair,
  surfaceDistances,
  unionBox,
  type DistanceDefinition,
} from './surface.js';

/** A class scored per case. */
export type ClassName = 'background' | 'extrameatal' | 'intrameatal' | 'wholeTumour';

/** The scored classes, in table order; `wholeTumour` is extrameatal ∪ intrameatal. */
export const CLASSES: readonly ClassName[] = ['background', 'extrameatal', 'intrameatal', 'wholeTumour'];

/** Options of {@link evaluateCase}. */
export interface MetricOptions {
  /** Dice when both masks are empty: `'nan'` (default; nnU-Net — left out of means, counted) or `'one'`. */
  emptyDice?: 'nan' | 'one';
  /** ASSD and HD95 definitions: `'medpy'` (default; medpy 0.5.2), `'medpy-0.4'` or `'monai'` (see `surface.ts`). */
  distance?: DistanceDefinition;
  /** ASSD/HD95 when exactly one side is empty: `null` (default) `+Infinity` (the paper's "inf"), or this many mm (crossMoDA). */
  emptyPenalty?: number | null;
  /** File names of the prediction and reference, used in error messages. */
  names?: { pred: string; ref: string };
}

/** Metrics of one class. Distances in mm. */
export interface ClassMetrics {
  /** Dice (2|P∩R| / (|P|+|R|)); both empty: per `emptyDice`. */
  dice: number;
  /** ASSD (mm); both empty `NaN`, one empty `+Infinity`/penalty; `NaN` for the background. */
  assd: number;
  /** HD95 (mm); as `assd`. */
  hd95: number;
}

/** Metrics of one case. */
export interface CaseMetrics {
  /** Case identifier, as passed to {@link evaluateCase}. */
  id: string;
  /** Metrics per class. */
  classes: Record<ClassName, ClassMetrics>;
  /**
   * ASSD (mm) between the predicted and reference IM/EM interfaces (`labelInterface`, the voxels
   * themselves as surfaces, no erosion); both without interface `NaN`, one without `+Infinity`/penalty.
   */
  boundaryAssd: number;
}

/**
 * Dice of two binary masks: `2|P∩R| / (|P| + |R|)`.
 * @param pred - Predicted mask; any non-zero is "set".
 * @param ref - Reference mask, same length.
 * @param emptyDice - Value when both are empty: `'nan'` (default, nnU-Net) gives `NaN`, `'one'` gives 1,
 *   as medpy's `dc` does since 0.5.0 (`except ZeroDivisionError: dc = 1.0`, loli/medpy commit
 *   e3536ce3e38e42a0e71ddefbd4d517f73ae80174; medpy 0.4.0 returned 0 there).
 * @throws Error if the lengths differ.
 */
export function dice(pred: Uint8Array, ref: Uint8Array, emptyDice: 'nan' | 'one' = 'nan'): number {
  if (pred.length !== ref.length) {
    throw new Error(`dice: masks differ in length: ${pred.length} and ${ref.length} voxels`);
  }
  const c = scanPair(pred, ref, [1, 1, pred.length], 1).confusion;
  return diceFromCounts(c[3], c[2] + c[3], c[1] + c[3], emptyDice);
}

function diceFromCounts(both: number, p: number, r: number, emptyDice: 'nan' | 'one'): number {
  if (p + r === 0) return emptyDice === 'one' ? 1 : NaN;
  return (2 * both) / (p + r);
}

/** Largest difference tolerated between the two affines, per entry (mm). */
const AFFINE_TOLERANCE = 1e-4;

/**
 * Dice, ASSD and HD95 of every class, and the boundary ASSD, of one case.
 *
 * @param pred - Predicted label map (0/1/2), one channel; any voxel type.
 * @param ref - Reference label map, same geometry; its spacing is used for distances.
 * @param id - Case identifier, echoed in the result and in errors.
 * @throws Error (naming `id` and both files when `opts.names` is given) if the shapes differ, the
 *   spacings or affines differ by more than 1e-4 mm in any entry, a volume has several channels, a label value
 *   is not 0, 1 or 2 (the message gives the value and voxel), or an option is invalid.
 * @example
 * const m = evaluateCase(await readNifti(predPath), await readNifti(refPath), 'vs_001', { names: { pred: predPath, ref: refPath } });
 * m.classes.intrameatal.dice; m.boundaryAssd;
 */
export function evaluateCase(pred: Volume, ref: Volume, id: string, opts: MetricOptions = {}): CaseMetrics {
  const names = opts.names ?? { pred: 'prediction', ref: 'reference' };
  const where = `evaluateCase(${id}): prediction ${names.pred}, reference ${names.ref}`;
  const emptyDice = opts.emptyDice ?? 'nan';
  if (emptyDice !== 'nan' && emptyDice !== 'one') {
    throw new Error(`${where}: opts.emptyDice must be 'nan' or 'one', got ${JSON.stringify(emptyDice)}`);
  }
  const so = checkSurfaceOptions(`evaluateCase(${id})`, opts);
  checkGeometry(pred, ref, where);
  const shape = ref.shape;
  const p = asLabels(pred.data, shape, `${where}: ${names.pred}`);
  const r = asLabels(ref.data, shape, `${where}: ${names.ref}`);
  const { confusion: c, ...boxes } = scanPair(p, r, shape, 2, (map, value, i) =>
    badLabel(`${where}: ${map === 'pred' ? names.pred : names.ref}`, value, i, shape),
  );

  const total = p.length;
  const count = (a: number, b: number): number => c[a * 3 + b];
  const predCount = (a: number): number => count(a, 0) + count(a, 1) + count(a, 2);
  const refCount = (b: number): number => count(0, b) + count(1, b) + count(2, b);
  const wtBoth = count(1, 1) + count(1, 2) + count(2, 1) + count(2, 2);
  const wtPred = predCount(1) + predCount(2);
  const wtRef = refCount(1) + refCount(2);

  const merge = (a: Box | null, b: Box | null): Box | null => (a && b ? unionBox(a, b) : (a ?? b));
  // Distances of the class lo ≤ label ≤ hi, on the union of its boxes in both maps.
  const distances = (
    lo: number,
    hi: number,
    a: Box | null,
    b: Box | null,
  ): { assd: number; hd95: number } => {
    const box = merge(a, b);
    if (!box) return { assd: NaN, hd95: NaN };
    const s = boxShape(box);
    const { assd, hd95 } = surfaceDistances(
      cropBox(p, shape, box, lo, hi),
      cropBox(r, shape, box, lo, hi),
      s,
      ref.spacing,
      so,
    );
    return { assd, hd95 };
  };
  const wtPredBox = merge(boxes.pred[1], boxes.pred[2]);
  const wtRefBox = merge(boxes.ref[1], boxes.ref[2]);

  const classes: Record<ClassName, ClassMetrics> = {
    background: {
      dice: diceFromCounts(count(0, 0), total - wtPred, total - wtRef, emptyDice),
      assd: NaN,
      hd95: NaN,
    },
    extrameatal: {
      dice: diceFromCounts(count(1, 1), predCount(1), refCount(1), emptyDice),
      ...distances(1, 1, boxes.pred[1], boxes.ref[1]),
    },
    intrameatal: {
      dice: diceFromCounts(count(2, 2), predCount(2), refCount(2), emptyDice),
      ...distances(2, 2, boxes.pred[2], boxes.ref[2]),
    },
    wholeTumour: {
      dice: diceFromCounts(wtBoth, wtPred, wtRef, emptyDice),
      ...distances(1, 2, wtPredBox, wtRefBox),
    },
  };

  // Interfaces lie inside the whole-tumour boxes; outside them every label is 0, so labelInterface
  // of the crop equals the crop of labelInterface of the full map.
  let boundaryAssd = NaN;
  const wtBox = merge(wtPredBox, wtRefBox);
  if (wtBox) {
    const s = boxShape(wtBox);
    const ip = labelInterface(cropBox(p, shape, wtBox), s);
    const ir = labelInterface(cropBox(r, shape, wtBox), s);
    boundaryAssd = surfaceDistances(ip, ir, s, ref.spacing, { ...so, surface: 'voxels' }).assd;
  }
  return { id, classes, boundaryAssd };
}

/** Throws unless both volumes have one channel, the same shape, and spacings and affines within 1e-4 mm. */
function checkGeometry(pred: Volume, ref: Volume, where: string): void {
  for (const [v, what] of [
    [pred, 'prediction'],
    [ref, 'reference'],
  ] as const) {
    if ((v.channels ?? 1) !== 1)
      throw new Error(`${where}: the ${what} has ${v.channels} channels, expected one label map`);
  }
  if (!pred.shape.every((s, i) => s === ref.shape[i])) {
    throw new Error(
      `${where}: shapes differ: [${pred.shape.join(', ')}] vs [${ref.shape.join(', ')}] ([z, y, x])`,
    );
  }
  if (!pred.spacing.every((s, i) => Math.abs(s - ref.spacing[i]) <= AFFINE_TOLERANCE)) {
    throw new Error(
      `${where}: spacings differ: [${pred.spacing.join(', ')}] vs [${ref.spacing.join(', ')}] mm ([z, y, x])`,
    );
  }
  for (let i = 0; i < 16; i++) {
    if (!(Math.abs(pred.affine[i] - ref.affine[i]) <= AFFINE_TOLERANCE)) {
      throw new Error(
        `${where}: affines differ by more than ${AFFINE_TOLERANCE} mm (entry ${i}: ${pred.affine[i]} vs ${ref.affine[i]}); ` +
          `resample the prediction onto the reference grid`,
      );
    }
  }
}

/** The label map as 0/1/2 bytes: a `Uint8Array` as is (checked during the scan), others converted and checked. */
function asLabels(data: Volume['data'], shape: Vec3, where: string): Uint8Array {
  const n = shape[0] * shape[1] * shape[2];
  if (data.length !== n) throw new Error(`${where}: has ${data.length} voxels, expected ${n} for its shape`);
  if (data instanceof Uint8Array) return data;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (v !== 0 && v !== 1 && v !== 2) badLabel(where, v, i, shape);
    out[i] = v;
  }
  return out;
}

function badLabel(where: string, value: number, i: number, shape: Vec3): never {
  const [, ny, nx] = shape;
  const zyx = [Math.floor(i / (ny * nx)), Math.floor(i / nx) % ny, i % nx];
  throw new Error(
    `${where}: label value ${value} at voxel ${i} ([z, y, x] = [${zyx.join(', ')}]); expected 0 (background), 1 (extrameatal) or 2 (intrameatal)`,
  );
}
