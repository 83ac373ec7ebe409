/**
 * The vocabulary training and inference share: tasks, the plan (a readable, editable JSON file)
 * and preprocessed cases. Planning and preprocessing (`plan.ts`, `preprocess.ts`), the trainer
 * (`src/train/`) and inference (`src/infer/`) all speak these types.
 */
import type { Vec3 } from '../volume/volume.js';

/**
 * What a model learns:
 * - `wholeTumour` (stage 1): T2 → background / tumour (2 classes);
 * - `split` (stage 2): [T2, whole-tumour mask] → background / extrameatal / intrameatal, with the
 *   Boundary Distance Loss;
 * - `baseline`: T2 → background / extrameatal / intrameatal directly.
 */
export type Task = 'wholeTumour' | 'split' | 'baseline';

/** Input channels and output classes of a task. */
export function taskShape(task: Task): { inChannels: number; numClasses: number } {
  switch (task) {
    case 'wholeTumour':
      return { inChannels: 1, numClasses: 2 };
    case 'split':
      return { inChannels: 2, numClasses: 3 };
    case 'baseline':
      return { inChannels: 1, numClasses: 3 };
    default:
      throw new Error(`unknown task '${String(task)}' (expected wholeTumour, split or baseline)`);
  }
}

/** The network topology of a plan (see `UNetConfig`). */
export interface NetworkPlan {
  features: number[];
  kernels: Vec3[];
  strides: Vec3[];
}

/** Dataset fingerprint (nnU-Net's dataset_fingerprint.json, in our units). */
export interface Fingerprint {
  /** Per case: spacing `[z, y, x]` mm and shape after cropping to non-zero, in the canonical orientation. */
  spacings: Vec3[];
  shapesAfterCrop: Vec3[];
  /** Intensity statistics of the image inside the foreground (label > 0), over all cases. */
  foregroundIntensity: { mean: number; std: number; p00_5: number; p99_5: number; min: number; max: number };
  /** Median volume fraction kept by cropping to non-zero. */
  medianRelativeSizeAfterCrop: number;
}

/** A training plan: everything needed to preprocess data and build the network. JSON. */
export interface Plan {
  version: 1;
  /** The dataset folder it was made from (informative). */
  dataset: string;
  /** Target spacing `[z, y, x]` mm. */
  spacing: Vec3;
  /** Patch size `[z, y, x]` voxels (a multiple of the stride product). */
  patchSize: Vec3;
  batchSize: number;
  network: NetworkPlan;
  /** Memory budget the patch and topology were fitted to, MB of activations (a setting). */
  memoryBudgetMB: number;
  /** Median shape of the cases at the target spacing. */
  medianShape: Vec3;
  normalization: { scheme: 'zscore'; useMaskForNorm: boolean };
  fingerprint: Fingerprint;
  /**
   * The orientation the network sees every volume in (array axes x, y, z towards R, A, S; see
   * `src/volume/reorient.ts`). Plans written before it was recorded lack it and mean the same:
   * the phantoms they were made from are stored RAS or with flipped in-plane axes, z superior.
   */
  orientation?: 'RAS';
}

/** One preprocessed case: cropped, resampled to the plan's spacing, z-scored. */
export interface PreprocessedCase {
  id: string;
  /** Patient identity (all timepoints of a patient share it). */
  patient: string;
  /** `[channels, z, y, x]` float32, x fastest. Channel 0 is T2. */
  image: Float32Array;
  channels: number;
  /** `[z, y, x]` uint8 labels (0 BG, 1 EM, 2 IM). */
  label: Uint8Array;
  shape: Vec3;
  spacing: Vec3;
  /**
   * Optional stage-1 whole-tumour prediction `[z, y, x]` (0/1), used instead of the reference mask as
   * the stage-2 input channel when training "on stage-1 predictions".
   */
  wholeTumourPrediction?: Uint8Array;
}
