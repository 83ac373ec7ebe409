/**
 * Sliding-window prediction with nnU-Net's defaults: tiles of the patch size with a step of half
 * a patch, a Gaussian importance map (σ = patch/8) weighting each tile's logits, optional test-time
 * mirroring (logits averaged over all flips of the chosen axes), several tiles per network call.
 * The accumulator is one `[K, Z, Y, X]` logit sum plus one `[Z, Y, X]` weight sum on the device —
 * memory grows with the volume, not with the number of tiles.
 *
 * Restricting to a `region` (one box or several) keeps, by default (`tiling: 'grid'`), exactly the
 * tiles of the full grid that intersect it: inside the region every voxel receives the same
 * contributions as in a full-volume pass (bit for bit), which is how stage 2 runs only around the
 * predicted tumour in `segment()` without a localiser. With `tiling: 'region'` each box gets its own
 * tile grid instead, laid over the box grown to at least the patch (nnU-Net's sliding window on a
 * crop of the image, as the crossMoDA 2023 winners run it around the inner ear): a box of about one
 * patch costs one tile, not the up to 27 grid tiles that meet it, and the values differ from a
 * full-volume pass's only in which tiles overlap there. That is how both stages run in the regions
 * the localiser found.
 */
import { F, torch, type Tensor } from '../torch/index.js';
import type { Box } from '../volume/bbox.js';
import type { Vec3 } from '../volume/volume.js';

/** Rounds like numpy's `np.round`: halves to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Tile start positions along each axis (nnU-Net's compute_steps_for_sliding_window, np.round). */
export function tileStarts(shape: Vec3, patch: Vec3, stepSize = 0.5): [number[], number[], number[]] {
  if (!(stepSize > 0 && stepSize <= 1)) throw new RangeError(`tileStarts: stepSize must be in (0, 1], got ${stepSize}`);
  return shape.map((size, a) => {
    const p = patch[a];
    if (size < p) throw new RangeError(`tileStarts: image size ${size} < patch ${p} on axis ${a}; pad first`);
    const target = p * stepSize;
    const n = Math.ceil((size - p) / target) + 1;
    const step = n > 1 ? (size - p) / (n - 1) : 0;
    return Array.from({ length: n }, (_, i) => roundHalfEven(step * i));
  }) as [number[], number[], number[]];
}

/** The Gaussian importance map `[pz, py, px]`, σ = patch/8 per axis, peak 1 (float32). */
export function gaussianImportance(patch: Vec3): Float32Array {
  const axis = patch.map((p) => {
    const c = Math.floor(p / 2);
    const s = p / 8;
    return Float64Array.from({ length: p }, (_, i) => Math.exp(-((i - c) ** 2) / (2 * s * s)));
  });
  const out = new Float32Array(patch[0] * patch[1] * patch[2]);
  let i = 0;
  for (let z = 0; z < patch[0]; z++) for (let y = 0; y < patch[1]; y++) for (let x = 0; x < patch[2]; x++) out[i++] = axis[0][z] * axis[1][y] * axis[2][x];
  return out;
}

/**
 * The tile starts of a sliding window over each box on its own (`tiling: 'region'`): per box, the box
 * grown to at least `patch` on each axis (evenly on both sides, shifted to stay inside `shape`), then
 * {@link tileStarts} over that crop. Tiles repeated by overlapping boxes are listed once.
 * @throws RangeError if `shape` is smaller than `patch` on an axis (pad first), or a box is empty or
 *   reaches outside the image.
 */
export function regionTiles(shape: Vec3, patch: Vec3, boxes: readonly Box[], stepSize = 0.5): Vec3[] {
  const seen = new Set<string>();
  const out: Vec3[] = [];
  for (const b of boxes) {
    if (!b.start.every((v, a) => Number.isInteger(v) && Number.isInteger(b.end[a]) && v >= 0 && v < b.end[a] && b.end[a] <= shape[a])) {
      throw new RangeError(`regionTiles: box [${b.start.join(', ')}] – [${b.end.join(', ')}] is empty or outside the image ${shape.join('×')}; expected 0 ≤ start < end ≤ size on every axis`);
    }
    // The box lies inside the image and the image is at least a patch: the crop fits.
    const size = [0, 1, 2].map((a) => {
      if (shape[a] < patch[a]) throw new RangeError(`regionTiles: image size ${shape[a]} < patch ${patch[a]} on axis ${a}; pad first`);
      return Math.max(patch[a], b.end[a] - b.start[a]);
    }) as Vec3;
    // The crop: the box grown evenly on both sides to `size`, then shifted to lie inside the image.
    const lo = size.map((s, a) => Math.min(Math.max(0, b.start[a] - Math.floor((s - (b.end[a] - b.start[a])) / 2)), shape[a] - s));
    const starts = tileStarts(size, patch, stepSize);
    for (const z of starts[0]) {
      for (const y of starts[1]) {
        for (const x of starts[2]) {
          const t: Vec3 = [lo[0] + z, lo[1] + y, lo[2] + x];
          const key = t.join(',');
          if (!seen.has(key)) {
            seen.add(key);
            out.push(t);
          }
        }
      }
    }
  }
  return out;
}

/** Options of {@link slidingWindow}. */
export interface SlidingWindowOptions {
  /** Fraction of the patch between tile starts (0.5). */
  stepSize?: number;
  /** Spatial axes (0 z, 1 y, 2 x) to mirror for test-time augmentation (none by default). */
  mirrorAxes?: number[];
  /** Tiles per network call (1). */
  tileBatch?: number;
  /** Only tiles intersecting this box, or any of these boxes (voxels, end exclusive). */
  region?: Box | readonly Box[];
  /**
   * How a `region` is tiled: `'grid'` (default) the tiles of the full image's grid that intersect
   * it; `'region'` a grid of its own per box, over the box grown (centred, within the image) to at
   * least the patch ({@link regionTiles}).
   */
  tiling?: 'grid' | 'region';
  /** Called after each network call with (tiles done, tiles total). */
  onProgress?: (done: number, total: number) => void;
}

function mirrorSets(axes: number[]): number[][] {
  const sets: number[][] = [[]];
  for (const a of axes) for (const s of [...sets]) sets.push([...s, a + 2]);
  return sets;
}

/**
 * Predicts logits over a whole image by sliding `forward` over it.
 * @param forward the network: `[B, C, pz, py, px]` → `[B, K, pz, py, px]` logits.
 * @param image `[C, Z, Y, X]` on the network's device; each spatial size ≥ the patch's (pad first).
 * @returns `[K, Z, Y, X]` float32 averaged logits (voxels no tile reached: 0).
 */
export function slidingWindow(forward: (x: Tensor) => Tensor, image: Tensor, patch: Vec3, o: SlidingWindowOptions = {}): Tensor {
  const [, Z, Y, X] = image.shape;
  const shape: Vec3 = [Z, Y, X];
  if (o.tiling !== undefined && o.tiling !== 'grid' && o.tiling !== 'region') throw new RangeError(`slidingWindow: tiling '${String(o.tiling)}', expected 'grid' or 'region'`);
  const boxes = o.region === undefined ? null : Array.isArray(o.region) ? (o.region as readonly Box[]) : [o.region as Box];
  let chosen: Vec3[];
  if (boxes && o.tiling === 'region') chosen = regionTiles(shape, patch, boxes, o.stepSize ?? 0.5);
  else {
    const starts = tileStarts(shape, patch, o.stepSize ?? 0.5);
    const tiles: Vec3[] = [];
    for (const z of starts[0]) for (const y of starts[1]) for (const x of starts[2]) tiles.push([z, y, x]);
    chosen = boxes ? tiles.filter((t) => boxes.some((r) => t.every((s, a) => s < r.end[a] && s + patch[a] > r.start[a]))) : tiles;
  }
  const batch = Math.max(1, o.tileBatch ?? 1);
  const flips = mirrorSets(o.mirrorAxes ?? []);
  const device = image.device;
  return torch.noGrad(() => {
    const gauss = torch.tensor(gaussianImportance(patch), { shape: [1, ...patch], device });
    let acc: Tensor | null = null;
    const weight = torch.zeros([1, Z, Y, X], { device });
    for (let i = 0; i < chosen.length; i += batch) {
      const group = chosen.slice(i, i + batch);
      torch.scope(() => {
        const crops = group.map(([z, y, x]) => image.slice(1, z, z + patch[0]).slice(2, y, y + patch[1]).slice(3, x, x + patch[2]));
        const input = torch.stack(crops, 0);
        let logits: Tensor | null = null;
        for (const dims of flips) {
          const xin = dims.length ? input.flip(...dims) : input;
          let out = forward(xin).float();
          if (dims.length) out = out.flip(...dims);
          logits = logits ? logits.add(out) : out;
        }
        const mean = flips.length > 1 ? logits!.div(flips.length) : logits!;
        if (acc === null) acc = torch.keep(torch.zeros([mean.shape[1], Z, Y, X], { device }));
        group.forEach(([z, y, x], b) => {
          const region = (t: Tensor) => t.slice(1, z, z + patch[0]).slice(2, y, y + patch[1]).slice(3, x, x + patch[2]);
          region(acc!).add_(mean.select(0, b).mul(gauss));
          region(weight).add_(gauss);
        });
      });
      o.onProgress?.(Math.min(i + batch, chosen.length), chosen.length);
    }
    if (acc === null) {
      weight.dispose();
      gauss.dispose();
      throw new Error('slidingWindow: no tile intersects the region');
    }
    // Voxels no tile reached have weight 0 and logit sum 0: the tiny clamp only keeps them 0 (not NaN).
    const out = torch.scope(() => (acc as Tensor).div(weight.clamp(1e-30)));
    for (const t of [acc as Tensor, weight, gauss]) t.dispose();
    return out;
  });
}

/** Pads `[C, Z, Y, X]` with zeros (symmetrically, like nnU-Net) so that every axis is ≥ `patch`. */
export function padToPatch(image: Tensor, patch: Vec3): { padded: Tensor; before: Vec3 } {
  const sp = image.shape.slice(1);
  const before = sp.map((s, a) => Math.max(0, Math.floor((patch[a] - s) / 2))) as Vec3;
  const after = sp.map((s, a) => Math.max(0, patch[a] - s - before[a]));
  if (before.every((v) => v === 0) && after.every((v) => v === 0)) return { padded: image, before };
  const padded = F.pad(image, [before[2], after[2], before[1], after[1], before[0], after[0]]);
  return { padded, before };
}
