/**
 * One model over one image: preprocessing from the model's plan, sliding-window prediction, softmax,
 * and the class probabilities mapped back onto the input's exact geometry.
 */
import { F, torch, type Tensor } from '../torch/index.js';
import type { Box } from '../volume/bbox.js';
import type { Vec3, Volume } from '../volume/volume.js';
import { preprocessForInference, restoreToOriginal, type CaseProperties } from '../preprocess/preprocess.js';
import { thinImageReason } from '../preprocess/input-check.js';
import { padToPatch, slidingWindow } from './sliding-window.js';
import type { Model } from './model.js';

/** Options of the predictors. */
export interface PredictOptions {
  /** Test-time mirroring along all three axes (8 passes; nnU-Net's default). Default false. */
  mirror?: boolean;
  /** Tile step as a fraction of the patch (0.5). */
  stepSize?: number;
  /** Tiles per network call. */
  tileBatch?: number;
  /** Only tiles intersecting this box (or any of these boxes) of the preprocessed grid. */
  region?: Box | readonly Box[];
  /** How the region is tiled (`slidingWindow`'s `tiling`; default `'grid'`). */
  tiling?: 'grid' | 'region';
  onProgress?: (done: number, total: number) => void;
}

/**
 * The class of highest probability at each voxel of probabilities `[K, n]` (channel-major,
 * `n` voxels per channel); ties go to the lower class.
 */
export function argmax(p: Float32Array, n: number): Uint8Array {
  const k = p.length / n;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[c * n + i] > p[best * n + i]) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * Class probabilities `[K, z, y, x]` over a preprocessed image `[C, z, y, x]` (float32, CPU). For an
 * ensemble (`model.ensemble`), the softmax of the members' mean logits.
 * @throws Error if `channels` differs from the model's input channels.
 */
export function predictPreprocessed(model: Model, image: Float32Array, channels: number, shape: Vec3, o: PredictOptions = {}): Float32Array {
  const want = model.net.config.inChannels;
  if (channels !== want) throw new Error(`predict: the model (${model.task}) takes ${want} channel(s), got ${channels}`);
  const patch = model.plan.patchSize;
  const amp = model.device !== 'cpu';
  return torch.noGrad(() =>
    torch.scope(() => {
      const x = torch.tensor(image, { shape: [channels, ...shape], device: model.device });
      const { padded, before } = padToPatch(x, patch);
      const shift = (b: Box): Box => ({ start: b.start.map((s, a) => s + before[a]) as Vec3, end: b.end.map((e, a) => e + before[a]) as Vec3 });
      const region = o.region === undefined ? undefined : Array.isArray(o.region) ? (o.region as readonly Box[]).map(shift) : shift(o.region as Box);
      const one = (m: Model) => {
        const onnx = m.onnx;
        return onnx ? (t: Tensor) => onnx.forward(t) : (t: Tensor) => torch.autocast(() => m.net.forward(t)[0], { enabled: amp });
      };
      const members = [model, ...(model.ensemble ?? [])].map(one);
      // An ensemble: the members' mean logits (`loadEnsemble`).
      const forward =
        members.length === 1
          ? members[0]
          : (t: Tensor) => members.slice(1).reduce((sum, f) => sum.add(f(t).float()), members[0](t).float()).div(members.length);
      const logits = slidingWindow(forward, padded, patch, {
        stepSize: o.stepSize,
        mirrorAxes: o.mirror ? [0, 1, 2] : [],
        tileBatch: o.tileBatch,
        region,
        tiling: o.tiling,
        onProgress: o.onProgress,
      });
      const cropped = logits.slice(1, before[0], before[0] + shape[0]).slice(2, before[1], before[1] + shape[1]).slice(3, before[2], before[2] + shape[2]);
      return F.softmax(cropped, 0).toFloat32Array();
    }),
  );
}

/**
 * Preprocesses `images` with the model's plan, predicts, and returns the probabilities in the
 * geometry of `images[0]` (`channels` = number of classes), plus the preprocessing properties.
 * @throws Error if the image is too thin for the model (`thinImageReason`), has non-finite voxels
 *   or is constant (`checkInputImage`).
 */
export function predictCase(
  model: Model,
  images: Volume[],
  o: PredictOptions & { extraChannels?: (p: CaseProperties) => Float32Array[] } = {},
): { probabilities: Volume<Float32Array>; properties: CaseProperties } {
  const thin = thinImageReason(images, model.plan);
  if (thin) throw new Error(`predict: the image ${thin}`);
  const pre = preprocessForInference(images, model.plan);
  const extra = o.extraChannels?.(pre.properties) ?? [];
  let image = pre.image;
  if (extra.length) {
    image = new Float32Array(pre.image.length + extra.reduce((a, e) => a + e.length, 0));
    image.set(pre.image);
    let off = pre.image.length;
    for (const e of extra) {
      image.set(e, off);
      off += e.length;
    }
  }
  const probs = predictPreprocessed(model, image, images.length + extra.length, pre.shape, o);
  const probabilities = restoreToOriginal(probs, pre.properties) as Volume<Float32Array>;
  return { probabilities, properties: pre.properties };
}
