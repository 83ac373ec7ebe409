/**
 * The localiser pass of whole-scan segmentation: a small network run over the whole scan on a
 * coarse grid (the built-in one: whole tumour at 2 mm) finds where a tumour can be; stages 1 and 2
 * then run at full resolution only there (`pipeline.ts`). This is how the crossMoDA 2023 winners
 * crop around the inner ear before segmenting, learnt from the same labels as the stages: any
 * dataset that trains stage 1 trains a localiser (`meatus train --task wholeTumour` with a coarse plan).
 *
 * Both grids are nnU-Net preprocessings of the same image — the same canonical orientation and
 * non-zero crop, resampled edge-aligned to each plan's spacing — so a box on the localiser grid maps
 * to the stage grid through its fraction of the crop's extent.
 */
import type { Box } from '../volume/bbox.js';
import { label } from '../volume/components.js';
import type { Vec3, Volume } from '../volume/volume.js';
import { preprocessForInference, type CaseProperties } from '../preprocess/preprocess.js';
import type { Model } from './model.js';
import { predictPreprocessed, type PredictOptions } from './predict.js';

/** Options of {@link localise}. */
export interface LocaliseOptions extends Pick<PredictOptions, 'mirror' | 'stepSize' | 'tileBatch' | 'onProgress'> {
  /** Tumour probability from which a localiser voxel counts (default 0.5, the argmax). */
  threshold?: number;
  /** At most this many regions, the largest first (default 8); more are reported in a note. */
  maxRegions?: number;
}

/** One component the localiser found, on its own grid. */
export interface LocaliserComponent {
  /** Bounding box on the localiser grid (canonical orientation, `[z, y, x]`, end exclusive). */
  box: Box;
  /** The same box as fractions `[0, 1]` of the non-zero crop's extent, per axis. */
  fraction: { start: Vec3; end: Vec3 };
  voxels: number;
  volumeMm3: number;
  maxProbability: number;
}

/** What {@link localise} returns. */
export interface LocaliserResult {
  /** Components, largest first (at most `maxRegions`). */
  components: LocaliserComponent[];
  /** Components beyond `maxRegions` that were left out. */
  dropped: number;
  threshold: number;
  gridShape: Vec3;
  gridSpacing: Vec3;
  properties: CaseProperties;
}

/** Default tumour probability from which a localiser voxel counts. */
export const DEFAULT_LOCALISER_THRESHOLD = 0.5;
/** Default margin around a localised region, mm, before stage 1 runs there. */
export const DEFAULT_LOCALISER_MARGIN_MM = 15;

/**
 * Runs the localiser over the whole scan and returns the connected components (26-connected) of
 * its tumour probability ≥ `threshold`.
 * @throws Error if the localiser's task is not `wholeTumour`, the threshold is outside (0, 1), or
 *   the image is unusable (see `predictCase`).
 */
export function localise(t2: Volume, localiser: Model, o: LocaliseOptions = {}): LocaliserResult {
  if (localiser.task !== 'wholeTumour') throw new Error(`segment: the localiser ${localiser.path} was trained for '${localiser.task}', expected 'wholeTumour'`);
  const threshold = o.threshold ?? DEFAULT_LOCALISER_THRESHOLD;
  if (!(threshold > 0 && threshold < 1)) throw new Error(`localise: threshold ${threshold}, expected a probability in (0, 1)`);
  const maxRegions = o.maxRegions ?? 8;
  const pre = preprocessForInference([t2], localiser.plan);
  const probs = predictPreprocessed(localiser, pre.image, 1, pre.shape, { mirror: o.mirror, stepSize: o.stepSize, tileBatch: o.tileBatch, onProgress: o.onProgress });
  const n = pre.shape[0] * pre.shape[1] * pre.shape[2];
  const tumour = probs.subarray(n, 2 * n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (tumour[i] >= threshold) mask[i] = 1;
  const { labels, count } = label(mask, pre.shape, 26);
  const voxelMm3 = pre.spacing[0] * pre.spacing[1] * pre.spacing[2];
  // One pass: per component its voxel count, highest probability and bounding box.
  const voxels = new Int32Array(count + 1);
  const maxP = new Float32Array(count + 1);
  const lo = new Int32Array(3 * (count + 1)).fill(2 ** 30);
  const hi = new Int32Array(3 * (count + 1)).fill(-1);
  const [nz, ny, nx] = pre.shape;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const k = labels[i];
        if (k === 0) continue;
        voxels[k]++;
        if (tumour[i] > maxP[k]) maxP[k] = tumour[i];
        const b = 3 * k;
        if (z < lo[b]) lo[b] = z;
        if (y < lo[b + 1]) lo[b + 1] = y;
        if (x < lo[b + 2]) lo[b + 2] = x;
        if (z > hi[b]) hi[b] = z;
        if (y > hi[b + 1]) hi[b + 1] = y;
        if (x > hi[b + 2]) hi[b + 2] = x;
      }
    }
  }
  const comps: LocaliserComponent[] = [];
  for (let k = 1; k <= count; k++) {
    const box: Box = { start: [lo[3 * k], lo[3 * k + 1], lo[3 * k + 2]], end: [hi[3 * k] + 1, hi[3 * k + 1] + 1, hi[3 * k + 2] + 1] };
    comps.push({
      box,
      fraction: { start: box.start.map((s, a) => s / pre.shape[a]) as Vec3, end: box.end.map((e, a) => e / pre.shape[a]) as Vec3 },
      voxels: voxels[k],
      volumeMm3: voxels[k] * voxelMm3,
      maxProbability: maxP[k],
    });
  }
  comps.sort((a, b) => b.voxels - a.voxels);
  return {
    components: comps.slice(0, maxRegions),
    dropped: Math.max(0, comps.length - maxRegions),
    threshold,
    gridShape: pre.shape,
    gridSpacing: pre.spacing,
    properties: pre.properties,
  };
}

/** Whether two boxes overlap or touch (a gap of at most `gap` voxels on every axis). */
function near(a: Box, b: Box, gap: number): boolean {
  return a.start.every((s, i) => s <= b.end[i] + gap && b.start[i] <= a.end[i] + gap);
}

/**
 * Boxes merged until none overlaps or touches another (each merged box is the bounding box of
 * those it replaces), with the indices of the input boxes each holds.
 */
export function mergeBoxes(boxes: readonly Box[], gap = 1): { box: Box; members: number[] }[] {
  let groups = boxes.map((b, i) => ({ box: { start: [...b.start] as Vec3, end: [...b.end] as Vec3 }, members: [i] }));
  for (let changed = true; changed; ) {
    changed = false;
    outer: for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        if (!near(groups[i].box, groups[j].box, gap)) continue;
        const a = groups[i].box;
        const b = groups[j].box;
        groups[i] = {
          box: { start: a.start.map((s, k) => Math.min(s, b.start[k])) as Vec3, end: a.end.map((e, k) => Math.max(e, b.end[k])) as Vec3 },
          members: [...groups[i].members, ...groups[j].members].sort((x, y) => x - y),
        };
        groups = groups.filter((_, k) => k !== j);
        changed = true;
        break outer;
      }
    }
  }
  return groups;
}

/**
 * A localiser component's box on another preprocessing of the same image (`shape`, `spacing`: the
 * stage grid), grown by `marginMm` on every side and clamped to the grid.
 */
export function boxOnGrid(c: Pick<LocaliserComponent, 'fraction'>, shape: Vec3, spacing: Vec3, marginMm: number): Box {
  const m = spacing.map((s) => Math.ceil(marginMm / s));
  return {
    start: c.fraction.start.map((f, a) => Math.max(0, Math.floor(f * shape[a] + 1e-9) - m[a])) as Vec3,
    end: c.fraction.end.map((f, a) => Math.min(shape[a], Math.ceil(f * shape[a] - 1e-9) + m[a])) as Vec3,
  };
}
