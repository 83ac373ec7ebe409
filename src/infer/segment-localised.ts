/**
 * Whole-scan two-stage segmentation with a localiser: the localiser finds the regions that can hold
 * a tumour (`localise.ts`); stage 1 runs at full resolution only on those regions (plus a margin),
 * each with a sliding window of its own (`tiling: 'region'` in `sliding-window.ts`: a region of
 * about one patch costs one tile, where up to 27 tiles of the full-volume grid meet it), and a region
 * is grown when the tumour reaches its border; the whole tumour keeps the largest stage-1 component
 * meeting a component the localiser found, and a second one from 0.1 mL (so both tumours of an NF2
 * patient stay, even when their regions merge into one, and a false speck in the other ear goes);
 * stage 2 runs, in the same way, on a window of its own around each tumour. The scan is preprocessed
 * once per plan and probabilities are restored to the input's geometry only inside the regions
 * (`restoreWindowsToOriginal`).
 *
 * Inside the regions the probabilities differ from full-volume inference's (`--no-localise`) only by
 * where the tiles fall (bench/segment.ts compares the two label maps with each other and with the
 * truth); outside, the scan is background. The cost grows with the tumour, not with the field of view.
 */
import type { Box } from '../volume/bbox.js';
import { boundingBox, expandBox } from '../volume/bbox.js';
import { label as labelComponents, largestLabel } from '../volume/components.js';
import { crop } from '../volume/crop.js';
import { diagonalAffine, voxelCount, volumeLike, type Vec3, type Volume } from '../volume/volume.js';
import { maskToPreprocessedGrid, originalFootprint, preprocessForInference, restoreWindowsToOriginal, type CaseProperties } from '../preprocess/preprocess.js';
import { preprocessingDifference } from '../preprocess/plan.js';
import type { Model } from './model.js';
import { boxOnGrid, DEFAULT_LOCALISER_MARGIN_MM, localise, mergeBoxes } from './localise.js';
import type { ComponentSummary, Localisation, LocalisedRegion, SegmentOptions, SegmentResult } from './pipeline.js';
import { argmax, predictPreprocessed } from './predict.js';

/** Components listed in the summary (the largest; `found` counts all). */
export const MAX_LISTED = 20;

/** How many times a region may grow when the tumour reaches its border. */
const MAX_GROWTH = 2;

/**
 * Faces of `box` (those not on the grid's border) that the tumour inside it touches: its largest
 * 6-connected component (every component with `all`), per axis and side `[z−, z+, y−, y+, x−, x+]`.
 */
function touchedFaces(mask: Uint8Array, shape: Vec3, box: Box, all: boolean): boolean[] {
  const faces = [false, false, false, false, false, false];
  const sub = cut(mask, shape, box);
  const { labels, sizes } = labelComponents(sub.data, sub.shape, 6);
  const best = largestLabel(sizes);
  if (best === 0) return faces;
  const [sz, sy, sx] = sub.shape;
  for (let z = 0, i = 0; z < sz; z++) {
    for (let y = 0; y < sy; y++) {
      for (let x = 0; x < sx; x++, i++) {
        if (labels[i] === 0 || (!all && labels[i] !== best)) continue;
        const at = [z, y, x];
        for (let a = 0; a < 3; a++) {
          if (at[a] === 0 && box.start[a] > 0) faces[2 * a] = true;
          if (at[a] === sub.shape[a] - 1 && box.end[a] < shape[a]) faces[2 * a + 1] = true;
        }
      }
    }
  }
  return faces;
}

/** The region's description in the input's geometry. */
function describeRegion(t2: Volume, box: Box, maxProbability: number, volumeMm3: number): LocalisedRegion {
  const A = t2.affine;
  const c = box.start.map((s, a) => (s + box.end[a] - 1) / 2); // [z, y, x] voxel centre
  const ras = [0, 1, 2].map((r) => A[r * 4] * c[2] + A[r * 4 + 1] * c[1] + A[r * 4 + 2] * c[0] + A[r * 4 + 3]);
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return {
    start: [...box.start] as Vec3,
    end: [...box.end] as Vec3,
    centreRas: ras.map(r3) as [number, number, number],
    sizeMm: box.end.map((e, a) => r3((e - box.start[a]) * t2.spacing[a])) as Vec3,
    maxProbability: r3(maxProbability),
    localiserVolumeMm3: r3(volumeMm3),
  };
}

/** The sub-volume `box` of a mask (x fastest), through `crop`. */
function cut(mask: Uint8Array, shape: Vec3, box: Box): { data: Uint8Array; shape: Vec3 } {
  const size = box.end.map((e, a) => e - box.start[a]) as Vec3;
  const sub = crop({ data: mask, shape, spacing: [1, 1, 1], affine: diagonalAffine([1, 1, 1]) }, box.start, size);
  return { data: sub.data, shape: sub.shape };
}

/**
 * The smallest second tumour kept, mm³: a stage-1 component other than the largest stays only from
 * this volume (0.1 mL, a small intracanalicular tumour — the quality check's "large enough to be a
 * second tumour", `DROPPED_COMPONENT_MM3` in src/measure/quality.ts). On unseen phantom heads the
 * built-in model's false components in the other ear were 5–74 mm³ beside a tumour, and an NF2
 * patient's second tumour 117 mm³ (bench/head-eval.ts).
 */
export const MIN_SECOND_TUMOUR_MM3 = 100;

/** One localised region for {@link keepComponentsMeeting}: its box and the localiser's boxes in it. */
export interface SeededRegion {
  box: Box;
  /** Boxes of the full grid (the localiser components' footprints). */
  seeds: readonly Box[];
}

/**
 * The component rule of localised segmentation, in place on the whole-tumour mask `mask` (`[z, y,
 * x]`, x fastest, of `shape`): in each region its 6-connected components; each seed keeps the
 * largest component with a voxel inside it (a candidate); of the candidates of all regions the
 * largest stays, and each other one only from `minOtherVoxels` voxels (a second tumour, as in NF2);
 * the rest is cleared inside the regions, unless `keepAll`. Returns every component's voxel count
 * and whether it was kept: region by region, each in label order (first voxel in raster order first).
 */
export function keepComponentsMeeting(
  mask: Uint8Array,
  shape: Vec3,
  regions: readonly SeededRegion[],
  o: { minOtherVoxels?: number; keepAll?: boolean } = {},
): { voxels: number; kept: boolean }[] {
  const labelled = regions.map(({ box, seeds }) => {
    const sub = cut(mask, shape, box);
    const { labels, sizes } = labelComponents(sub.data, sub.shape, 6);
    const candidates = new Set<number>();
    for (const seed of seeds) {
      const lo = seed.start.map((s, a) => Math.max(s, box.start[a]) - box.start[a]);
      const hi = seed.end.map((e, a) => Math.min(e, box.end[a]) - box.start[a]);
      let best = 0;
      for (let z = lo[0]; z < hi[0]; z++) {
        for (let y = lo[1]; y < hi[1]; y++) {
          for (let x = lo[2]; x < hi[2]; x++) {
            const l = labels[(z * sub.shape[1] + y) * sub.shape[2] + x];
            if (l !== 0 && (best === 0 || sizes[l - 1] > sizes[best - 1])) best = l;
          }
        }
      }
      if (best !== 0) candidates.add(best);
    }
    return { box, labels, sizes, candidates };
  });
  // The largest candidate of all regions (the first on ties) stays; the others from minOtherVoxels.
  let largest: [number, number] | null = null;
  labelled.forEach((r, i) => {
    for (const l of r.candidates) if (largest === null || r.sizes[l - 1] > labelled[largest[0]].sizes[largest[1] - 1]) largest = [i, l];
  });
  const min = o.minOtherVoxels ?? 0;
  const out: { voxels: number; kept: boolean }[] = [];
  labelled.forEach((r, i) => {
    const kept = new Set([...r.candidates].filter((l) => (largest !== null && largest[0] === i && largest[1] === l) || r.sizes[l - 1] >= min));
    if (!o.keepAll) {
      const [, ny, nx] = shape;
      let d = 0;
      for (let z = r.box.start[0]; z < r.box.end[0]; z++) {
        for (let y = r.box.start[1]; y < r.box.end[1]; y++) {
          for (let x = r.box.start[2]; x < r.box.end[2]; x++, d++) if (r.labels[d] !== 0 && !kept.has(r.labels[d])) mask[(z * ny + y) * nx + x] = 0;
        }
      }
    }
    r.sizes.forEach((v, k) => out.push({ voxels: v, kept: o.keepAll === true || kept.has(k + 1) }));
  });
  return out;
}

/**
 * Two-stage segmentation of a whole scan with a localiser (see the file comment).
 * @throws Error if a model was trained for another task or the scan is unusable for a model.
 */
export function segmentLocalised(t2: Volume, models: { stage1: Model; stage2: Model; localiser: Model }, o: SegmentOptions = {}): SegmentResult {
  const n = voxelCount(t2.shape);
  const seconds: Record<string, number> = {};
  const notes: string[] = [];
  const progress = (stage: string) => (d: number, t: number) => o.onProgress?.(stage, d, t);
  const predictOpts = { mirror: o.mirror, stepSize: o.stepSize, tileBatch: o.tileBatch };
  const marginMm = o.localiserMarginMm ?? DEFAULT_LOCALISER_MARGIN_MM;
  if (!(marginMm >= 0 && marginMm <= 200)) throw new Error(`segment: localiser margin ${marginMm} mm, expected 0 to 200 mm`);
  const volumeMm3 = (count: number) => count * t2.spacing[0] * t2.spacing[1] * t2.spacing[2];

  let t0 = performance.now();
  const loc = localise(t2, models.localiser, { ...predictOpts, threshold: o.localiserThreshold, onProgress: progress('localise') });
  seconds.localise = (performance.now() - t0) / 1000;
  const localisation: Localisation = { regions: [], threshold: loc.threshold, marginMm, gridShape: loc.gridShape, gridSpacing: loc.gridSpacing };
  const empty = (): Volume<Uint8Array> => volumeLike(t2, new Uint8Array(n));
  if (loc.dropped > 0) notes.push(`the localiser found ${loc.components.length + loc.dropped} regions; the ${loc.components.length} largest were segmented`);
  if (loc.components.length === 0) {
    notes.push('the localiser found no tumour anywhere in the scan: stages 1 and 2 did not run, the label map is empty');
    return { label: empty(), wholeTumour: empty(), localisation, components: { found: 0, kept: 0, components: [] }, seconds, notes };
  }

  // Stage 1 on the regions, each grown while the tumour reaches its border.
  t0 = performance.now();
  const pre = preprocessForInference([t2], models.stage1.plan);
  const gridN = voxelCount(pre.shape);
  let groups = mergeBoxes(loc.components.map((c) => boxOnGrid(c, pre.shape, pre.spacing, marginMm)));
  let probs1: Float32Array;
  let grid1: Uint8Array;
  for (let round = 0; ; round++) {
    probs1 = predictPreprocessed(models.stage1, pre.image, 1, pre.shape, { ...predictOpts, region: groups.map((g) => g.box), tiling: 'region', onProgress: progress('stage 1') });
    grid1 = argmax(probs1, gridN);
    if (round === MAX_GROWTH) break;
    let grown = false;
    const step = pre.spacing.map((s) => Math.ceil(marginMm / s));
    const boxes = groups.map((g) => {
      const faces = touchedFaces(grid1, pre.shape, g.box, o.largestComponent === false);
      if (!faces.some(Boolean)) return g.box;
      grown = true;
      return {
        start: g.box.start.map((s, a) => (faces[2 * a] ? Math.max(0, s - step[a]) : s)) as Vec3,
        end: g.box.end.map((e, a) => (faces[2 * a + 1] ? Math.min(pre.shape[a], e + step[a]) : e)) as Vec3,
      };
    });
    if (!grown) break;
    notes.push(`stage 1: the tumour reached a region's border; the region was grown by ${marginMm} mm`);
    const members = groups.map((g) => g.members);
    groups = mergeBoxes(boxes).map((g) => ({ box: g.box, members: g.members.flatMap((i) => members[i]) }));
  }
  localisation.regions = groups.map((g) => {
    const foot = originalFootprint(pre.properties, g.box) ?? { start: [0, 0, 0] as Vec3, end: [...t2.shape] as Vec3 };
    const cs = g.members.map((i) => loc.components[i]);
    return describeRegion(t2, foot, Math.max(...cs.map((c) => c.maxProbability)), cs.reduce((s, c) => s + c.volumeMm3, 0));
  });
  const restored1 = restoreWindowsToOriginal(probs1!, pre.properties, groups.map((g) => g.box));
  const wt = argmax(restored1.data, n);
  // The component rule (keepComponentsMeeting): each localiser component keeps the largest stage-1
  // component meeting its box (grown by one localiser voxel: its grid is coarse); the largest of
  // those stays, and each other one only from MIN_SECOND_TUMOUR_MM3 (a second tumour, as in NF2);
  // a component no localiser component meets is dropped. `largestComponent: false` keeps all.
  const seedMarginMm = Math.max(...loc.gridSpacing);
  const seeds = loc.components.map((c) => originalFootprint(pre.properties, boxOnGrid(c, pre.shape, pre.spacing, seedMarginMm)));
  const seeded = localisation.regions.map((region, r) => ({
    box: { start: region.start, end: region.end },
    seeds: groups[r].members.map((i) => seeds[i]).filter((b): b is Box => b !== null),
  }));
  const minOtherVoxels = Math.ceil(MIN_SECOND_TUMOUR_MM3 / volumeMm3(1));
  const found: ComponentSummary['components'] = keepComponentsMeeting(wt, t2.shape, seeded, { minOtherVoxels, keepAll: o.largestComponent === false }).map((c) => ({
    volumeMm3: Math.round(volumeMm3(c.voxels) * 1000) / 1000,
    kept: c.kept,
  }));
  found.sort((a, b) => b.volumeMm3 - a.volumeMm3);
  const components: ComponentSummary = { found: found.length, kept: found.filter((c) => c.kept).length, components: found.slice(0, MAX_LISTED) };
  const wholeTumour = volumeLike(t2, wt);
  seconds.stage1 = (performance.now() - t0) / 1000;
  if (components.kept === 0) {
    notes.push(
      components.found === 0
        ? 'stage 1 found no tumour in the localised regions: the label map is empty'
        : `stage 1 found ${components.found} region${components.found === 1 ? '' : 's'} (the largest ${found[0].volumeMm3} mm³) in the localised regions, none meeting a tumour the localiser found: all dropped, the label map is empty`,
    );
    return { label: empty(), wholeTumour, localisation, components, seconds, notes };
  }

  // Stage 2 on a window of its own around each tumour.
  t0 = performance.now();
  const pre2 = preprocessingDifference(models.stage1.plan, models.stage2.plan) === null ? pre : preprocessForInference([t2], models.stage2.plan);
  const props2: CaseProperties = pre2.properties;
  const mask2 = maskToPreprocessedGrid(wholeTumour, props2);
  const n2 = voxelCount(pre2.shape);
  const m = o.stage2Margin ?? 2;
  const boxes2: Box[] = [];
  for (const g of groups) {
    const grid = pre2 === pre ? g.box : boxOnGrid({ fraction: { start: g.box.start.map((s, a) => s / pre.shape[a]) as Vec3, end: g.box.end.map((e, a) => e / pre.shape[a]) as Vec3 } }, pre2.shape, pre2.spacing, 0);
    const sub = cut(mask2, pre2.shape, grid);
    const b = boundingBox(sub.data, sub.shape);
    if (!b) continue;
    const inGrid = { start: b.start.map((s, a) => s + grid.start[a]) as Vec3, end: b.end.map((e, a) => e + grid.start[a]) as Vec3 };
    boxes2.push(expandBox(inGrid, [m, m, m], pre2.shape));
  }
  const input = new Float32Array(2 * n2);
  input.set(pre2.image.subarray(0, n2));
  for (let i = 0; i < n2; i++) input[n2 + i] = mask2[i];
  const probs2 = predictPreprocessed(models.stage2, input, 2, pre2.shape, { ...predictOpts, region: boxes2, tiling: 'region', onProgress: progress('stage 2') });
  const restored2 = restoreWindowsToOriginal(probs2, props2, boxes2);
  seconds.stage2 = (performance.now() - t0) / 1000;
  const p = restored2.data;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (wt[i]) out[i] = p[n + i] >= p[2 * n + i] ? 1 : 2;
  return {
    label: volumeLike(t2, out),
    wholeTumour,
    ...(o.keepProbabilities ? { probabilities: restored2 } : {}),
    localisation,
    components,
    seconds,
    notes,
  };
}
