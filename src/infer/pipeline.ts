/**
 * The segmentation pipelines. Two-stage (the paper): stage 1 predicts the whole tumour (WT) from
 * T2; the largest connected component is kept (optional); stage 2 predicts EM/IM from [T2, WT] on
 * only the tiles around the WT mask, and every WT voxel becomes EM or IM, whichever stage 2 finds
 * more probable. One-stage (the baseline): EM/IM directly from T2, through the same code.
 */
import type { Box } from '../volume/bbox.js';
import { boundingBox, expandBox } from '../volume/bbox.js';
import { label as labelComponents, largestComponent } from '../volume/components.js';
import { voxelCount, volumeLike, type Vec3, type Volume } from '../volume/volume.js';
import { maskToPreprocessedGrid } from '../preprocess/preprocess.js';
import type { Model } from './model.js';
import { argmax, predictCase, type PredictOptions } from './predict.js';
import { fitsOnePatch, thinImageReason } from '../preprocess/input-check.js';
import { MAX_LISTED, segmentLocalised } from './segment-localised.js';

/**
 * The models of a pipeline: two stages, optionally with a localiser (a whole-tumour model on a
 * coarse grid, run first over the whole scan), or a one-stage baseline.
 */
export type Models = { stage1: Model; stage2: Model; localiser?: Model } | { baseline: Model };

/** Options of {@link segment}. */
export interface SegmentOptions extends Omit<PredictOptions, 'region' | 'onProgress'> {
  /**
   * Keep only the largest 6-connected component of the WT mask (default true) — when a localiser
   * runs, the largest meeting a component it found, and another one meeting one from 0.1 mL (both
   * tumours of an NF2 patient; `keepComponentsMeeting`, `MIN_SECOND_TUMOUR_MM3`), else in the whole scan.
   */
  largestComponent?: boolean;
  /** Run the localiser when the models have one (default true); false: full-volume inference, for checks. */
  localise?: boolean;
  /** The localiser's tumour-probability threshold (default 0.5). */
  localiserThreshold?: number;
  /** Margin around each localised region, mm (default 15). */
  localiserMarginMm?: number;
  /** Margin around the WT bounding box for stage 2, in voxels of the preprocessed grid (default 2). */
  stage2Margin?: number;
  /** Run stage 2 on the whole image instead of the tiles around the WT mask (for checks). */
  stage2FullVolume?: boolean;
  /** Keep the probabilities (stage 2's, or the baseline's) in the result. */
  keepProbabilities?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** One region the localiser found, where stages 1 and 2 ran at full resolution. */
export interface LocalisedRegion {
  /** The box in voxels of the input as stored (`[z, y, x]`, end exclusive), margin included. */
  start: Vec3;
  end: Vec3;
  /** The box's centre in the input's world (RAS) coordinates, mm, and its size in mm. */
  centreRas: [number, number, number];
  sizeMm: Vec3;
  /** The localiser's highest tumour probability in the region (0–1) and its component's volume, mm³. */
  maxProbability: number;
  localiserVolumeMm3: number;
}

/** What the localiser pass found. */
export interface Localisation {
  /** The regions, in order of decreasing localiser volume (empty: no tumour, stages 1 and 2 did not run). */
  regions: LocalisedRegion[];
  /** Probability threshold and margin used. */
  threshold: number;
  marginMm: number;
  /** The localiser's grid: shape and spacing (mm), `[z, y, x]` in the canonical (RAS) orientation. */
  gridShape: Vec3;
  gridSpacing: Vec3;
}

/** Connected components of the stage-1 whole tumour, before the largest-component rule. */
export interface ComponentSummary {
  /** Components found (6-connected), and how many were kept. */
  found: number;
  kept: number;
  /** Volume of each component found, mm³, largest first (the 20 largest), and whether it was kept. */
  components: { volumeMm3: number; kept: boolean }[];
}

/** What a segmentation returns, in the input's geometry. */
export interface SegmentResult {
  /** The localiser pass, when one ran (a model with a localiser and `localise` not false). */
  localisation?: Localisation;
  /** The stage-1 components (two-stage pipelines). */
  components?: ComponentSummary;
  /** 0 background, 1 extrameatal, 2 intrameatal. */
  label: Volume<Uint8Array>;
  wholeTumour: Volume<Uint8Array>;
  probabilities?: Volume<Float32Array>;
  /** Seconds per pass: `localise`, `stage1`, `stage2` (or `baseline`). */
  seconds: Record<string, number>;
  notes: string[];
}

function checkModels(models: Models): void {
  if ('baseline' in models) {
    if (models.baseline.task !== 'baseline') throw new Error(`segment: the baseline model ${models.baseline.path} was trained for '${models.baseline.task}'`);
    return;
  }
  if (models.stage1.task !== 'wholeTumour') throw new Error(`segment: the stage-1 model ${models.stage1.path} was trained for '${models.stage1.task}', expected 'wholeTumour'`);
  if (models.localiser && models.localiser.task !== 'wholeTumour') throw new Error(`segment: the localiser ${models.localiser.path} was trained for '${models.localiser.task}', expected 'wholeTumour'`);
  if (models.stage2.task !== 'split') throw new Error(`segment: the stage-2 model ${models.stage2.path} was trained for '${models.stage2.task}', expected 'split'`);
}

/**
 * Segments a T2 volume.
 * @throws Error if a model was trained for another task.
 */
export function segment(t2: Volume, models: Models, o: SegmentOptions = {}): SegmentResult {
  checkModels(models);
  if ('stage1' in models && models.localiser && o.localise !== false) {
    const small = fitsOnePatch([t2], models.localiser.plan) || thinImageReason([t2], models.localiser.plan) !== null;
    if (!small) return segmentLocalised(t2, { stage1: models.stage1, stage2: models.stage2, localiser: models.localiser }, o);
    // A scan within one localiser patch (or thinner than half of one) is already a crop: the stages
    // run over all of it. The localiser was trained on whole heads; on a crop it fires at the borders.
    const r = segment(t2, { stage1: models.stage1, stage2: models.stage2 }, o);
    r.notes.unshift('the localiser did not run: the scan fits in one of its patches (a crop already), so stages 1 and 2 ran over the whole scan');
    return r;
  }
  const n = voxelCount(t2.shape);
  const seconds: Record<string, number> = {};
  const notes: string[] = [];
  const progress = (stage: string) => (d: number, t: number) => o.onProgress?.(stage, d, t);
  const predictOpts = { mirror: o.mirror, stepSize: o.stepSize, tileBatch: o.tileBatch };
  let t0 = performance.now();

  if ('baseline' in models) {
    const { probabilities } = predictCase(models.baseline, [t2], { ...predictOpts, onProgress: progress('baseline') });
    const label = volumeLike(t2, argmax(probabilities.data, n));
    seconds.baseline = (performance.now() - t0) / 1000;
    const wt = volumeLike(t2, label.data.map((v) => (v > 0 ? 1 : 0)));
    return { label, wholeTumour: wt, ...(o.keepProbabilities ? { probabilities } : {}), seconds, notes };
  }

  const s1 = predictCase(models.stage1, [t2], { ...predictOpts, onProgress: progress('stage 1') });
  let wtData = argmax(s1.probabilities.data, n);
  const components = componentSummary(wtData, t2, o.largestComponent ?? true);
  if (o.largestComponent ?? true) wtData = largestComponent(wtData, t2.shape, 6);
  const wholeTumour = volumeLike(t2, wtData);
  seconds.stage1 = (performance.now() - t0) / 1000;
  if (!wtData.some((v) => v)) {
    notes.push('stage 1 found no tumour: the label map is empty');
    return { label: volumeLike(t2, new Uint8Array(n)), wholeTumour, components, seconds, notes };
  }

  t0 = performance.now();
  let region: Box | undefined;
  const s2 = predictCase(models.stage2, [t2], {
    ...predictOpts,
    onProgress: progress('stage 2'),
    extraChannels: (p) => {
      const grid = Float32Array.from(maskToPreprocessedGrid(wholeTumour, p));
      if (!o.stage2FullVolume) {
        const box = boundingBox(grid, p.shape);
        const m = o.stage2Margin ?? 2;
        region = box ? expandBox(box, [m, m, m], p.shape) : undefined;
      }
      return [grid];
    },
    get region() {
      return region;
    },
  });
  seconds.stage2 = (performance.now() - t0) / 1000;
  const p = s2.probabilities.data;
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (wtData[i]) label[i] = p[n + i] >= p[2 * n + i] ? 1 : 2;
  return { label: volumeLike(t2, label), wholeTumour, ...(o.keepProbabilities ? { probabilities: s2.probabilities } : {}), components, seconds, notes };
}

/** The 6-connected components of a whole-tumour mask, largest first, the largest marked kept (or all, with `largestOnly` false). */
function componentSummary(mask: Uint8Array, t2: Volume, largestOnly: boolean): ComponentSummary {
  const { sizes } = labelComponents(mask, t2.shape, 6);
  const mm3 = t2.spacing[0] * t2.spacing[1] * t2.spacing[2];
  const sorted = [...sizes].sort((a, b) => b - a);
  const components = sorted.map((s, k) => ({ volumeMm3: Math.round(s * mm3 * 1000) / 1000, kept: !largestOnly || k === 0 }));
  return { found: components.length, kept: components.filter((c) => c.kept).length, components: components.slice(0, MAX_LISTED) };
}
