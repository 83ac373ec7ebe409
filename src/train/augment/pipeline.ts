/**
 * The training augmentation pipeline with nnU-Net v2's defaults (`nnUNetTrainer.
 * get_training_transforms` with batchgeneratorsv2), in nnU-Net's order:
 *
 * | step | nnU-Net v2 | here |
 * | --- | --- | --- |
 * | rotation | p 0.2; ±30° about each axis (3D), ±180° in-plane (dummy 2D) | same |
 * | scaling | p 0.2; one factor U(0.7, 1.4) for all axes (in-plane only in dummy 2D) | same |
 * | elastic | off | off |
 * | spatial interpolation | image linear; label one-hot linear, threshold/argmax | image trilinear; label and masks nearest |
 * | Gaussian noise | p 0.1; σ U(0, 0.1) (named "variance", used as σ) | same |
 * | Gaussian blur | p 0.2; σ U(0.5, 1) per axis; p 0.5 per channel | same |
 * | brightness (multiplicative) | p 0.15; BGContrast(0.75, 1.25) per channel | same |
 * | contrast | p 0.15; BGContrast(0.75, 1.25); preserve range | same |
 * | low resolution | p 0.25; zoom U(0.5, 1) shared by the axes (z kept in dummy 2D); p 0.5 per channel; nearest down, linear up | same |
 * | gamma, inverted | p 0.1; BGContrast(0.7, 1.5); retain stats | same |
 * | gamma | p 0.3; BGContrast(0.7, 1.5); retain stats | same |
 * | mirroring | p 0.5 per axis, all axes | same |
 *
 * **Dummy 2D** (nnU-Net's rule): when `max(patch) / patch_z > 3` the patch is strongly
 * anisotropic; rotation and scaling then act in the (y, x) plane only (rotation ±180°), the input
 * size keeps the patch's z, and low-resolution simulation leaves z alone.
 *
 * Intensity transforms apply to the image channels only (T2); mask channels (the stage-2
 * whole-tumour input) and the label are only moved by the spatial transform and mirroring.
 * Every draw comes from the `Rng` passed in: the same seed gives the same bytes.
 */
import type { Rng } from '../../data/random.js';
import type { Vec3 } from '../../volume/volume.js';
import type { Sample } from '../sampler.js';
import {
  addGaussianNoise,
  adjustContrast,
  bgContrastFactor,
  gammaTransform,
  gaussianBlur,
  multiplyBrightness,
} from './intensity.js';
import { mirror } from './mirror.js';
import { simulateLowResolution } from './resolution.js';
import { initialPatchSize, spatialMatrix, spatialTransform, type Mat3 } from './spatial.js';

/** nnU-Net's `ANISO_THRESHOLD`: dummy-2D augmentation when `max(patch) / patch_z` exceeds it. */
export const ANISO_THRESHOLD = 3;

type Range = [number, number];

/** Every parameter of {@link augment}. Probabilities are per sample unless named per channel. */
export interface AugmentParams {
  /** Final patch size `[z, y, x]`. */
  patchSize: Vec3;
  /** The size cut from the case before the spatial transform (nnU-Net's `initial_patch_size`). */
  inputSize: Vec3;
  /** Rotate and scale in the (y, x) plane only (see the file header). */
  dummy2D: boolean;
  pRotation: number;
  /** Largest rotation, degrees (uniform in ±). */
  rotationDeg: number;
  pScaling: number;
  scaling: Range;
  pNoise: number;
  /** Range of the noise standard deviation. */
  noiseSigma: Range;
  pBlur: number;
  /** Range of the blur σ in voxels, drawn per axis. */
  blurSigma: Range;
  blurPerChannel: number;
  pBrightness: number;
  brightness: Range;
  pContrast: number;
  contrast: Range;
  pLowRes: number;
  lowResZoom: Range;
  lowResPerChannel: number;
  pGammaInverted: number;
  pGamma: number;
  gamma: Range;
  /** Probability of flipping each axis of `mirrorAxes`. */
  pMirror: number;
  mirrorAxes: (0 | 1 | 2)[];
}

/** Whether nnU-Net would use dummy-2D augmentation for this patch. */
export function isDummy2D(patchSize: Vec3): boolean {
  return Math.max(...patchSize) / patchSize[0] > ANISO_THRESHOLD;
}

/**
 * nnU-Net v2's defaults for `patchSize`, with `overrides` applied; `inputSize` is derived from the
 * (overridden) rotation and scaling unless given.
 * @example augmentationParams([40, 128, 128]) // dummy2D, inputSize [40, 182, 182]
 */
export function augmentationParams(patchSize: Vec3, overrides: Partial<AugmentParams> = {}): AugmentParams {
  const dummy2D = overrides.dummy2D ?? isDummy2D(patchSize);
  const p: Omit<AugmentParams, 'inputSize'> = {
    patchSize: [...patchSize] as Vec3,
    dummy2D,
    pRotation: 0.2,
    rotationDeg: dummy2D ? 180 : 30,
    pScaling: 0.2,
    scaling: [0.7, 1.4],
    pNoise: 0.1,
    noiseSigma: [0, 0.1],
    pBlur: 0.2,
    blurSigma: [0.5, 1],
    blurPerChannel: 0.5,
    pBrightness: 0.15,
    brightness: [0.75, 1.25],
    pContrast: 0.15,
    contrast: [0.75, 1.25],
    pLowRes: 0.25,
    lowResZoom: [0.5, 1],
    lowResPerChannel: 0.5,
    pGammaInverted: 0.1,
    pGamma: 0.3,
    gamma: [0.7, 1.5],
    pMirror: 0.5,
    mirrorAxes: [0, 1, 2],
    ...overrides,
  };
  const inputSize =
    overrides.inputSize ??
    initialPatchSize(p.patchSize, (p.rotationDeg * Math.PI) / 180, p.scaling, p.dummy2D);
  return { ...p, inputSize };
}

/** The probabilities of {@link AugmentParams} (per sample and per channel). */
export const PROBABILITY_KEYS = [
  'pRotation',
  'pScaling',
  'pNoise',
  'pBlur',
  'blurPerChannel',
  'pBrightness',
  'pContrast',
  'pLowRes',
  'lowResPerChannel',
  'pGammaInverted',
  'pGamma',
  'pMirror',
] as const;

/** Every probability of `params` set to `p` (e.g. 0: the augmentation is a centre crop). */
export function withProbabilities(params: AugmentParams, p: number): AugmentParams {
  const out = { ...params };
  for (const k of PROBABILITY_KEYS) out[k] = p;
  return out;
}

/** Draws the spatial matrix, or null when neither rotation nor scaling is drawn. */
function drawSpatial(rng: Rng, p: AugmentParams): Mat3 | null {
  const rotate = rng.next() < p.pRotation;
  const scale = rng.next() < p.pScaling;
  if (!rotate && !scale) return null;
  const r = (p.rotationDeg * Math.PI) / 180;
  const angle = (): number => (rotate ? rng.uniform(-r, r) : 0);
  const angles: Vec3 = p.dummy2D ? [angle(), 0, 0] : [angle(), angle(), angle()];
  const s = scale ? rng.uniform(p.scaling[0], p.scaling[1]) : 1;
  return spatialMatrix(angles, p.dummy2D ? [1, s, s] : [s, s, s]);
}

/**
 * Augments one sample: spatial transform of the `inputSize` sample to `patchSize`, intensity
 * transforms on the image channels, mirroring. Returns a new sample of `patchSize`; the input is
 * not modified.
 * @throws Error naming the case if the sample's shape is smaller than `patchSize`.
 */
export function augment(sample: Sample, rng: Rng, params: AugmentParams): Sample {
  const p = params;
  const out = spatialTransform(sample, drawSpatial(rng, p), p.patchSize);
  const n = out.shape[0] * out.shape[1] * out.shape[2];
  const channels = Array.from({ length: out.channels }, (_, c) => out.image.subarray(c * n, (c + 1) * n));

  if (rng.next() < p.pNoise) {
    const sigma = rng.uniform(p.noiseSigma[0], p.noiseSigma[1]); // synchronised across channels
    for (const ch of channels) addGaussianNoise(ch, sigma, rng);
  }
  if (rng.next() < p.pBlur) {
    for (const ch of channels) {
      if (rng.next() >= p.blurPerChannel) continue;
      const sigmas = [0, 1, 2].map(() => rng.uniform(p.blurSigma[0], p.blurSigma[1])) as Vec3;
      gaussianBlur(ch, out.shape, sigmas);
    }
  }
  if (rng.next() < p.pBrightness)
    for (const ch of channels) multiplyBrightness(ch, bgContrastFactor(rng, p.brightness));
  if (rng.next() < p.pContrast)
    for (const ch of channels) adjustContrast(ch, bgContrastFactor(rng, p.contrast));
  if (rng.next() < p.pLowRes) {
    for (const ch of channels) {
      if (rng.next() >= p.lowResPerChannel) continue;
      const z = rng.uniform(p.lowResZoom[0], p.lowResZoom[1]);
      simulateLowResolution(ch, out.shape, p.dummy2D ? [1, z, z] : [z, z, z]);
    }
  }
  if (rng.next() < p.pGammaInverted)
    for (const ch of channels) gammaTransform(ch, bgContrastFactor(rng, p.gamma), true);
  if (rng.next() < p.pGamma)
    for (const ch of channels) gammaTransform(ch, bgContrastFactor(rng, p.gamma), false);

  const flips = [false, false, false] as [boolean, boolean, boolean];
  for (const a of p.mirrorAxes) flips[a] = rng.next() < p.pMirror;
  mirror(out, flips);
  return out;
}
