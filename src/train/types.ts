/**
 * The batches the data pipeline (`sampler.ts`, `augment/`, `loader.ts`) hands the trainer. Tasks,
 * plans and preprocessed cases are in `src/preprocess/types.ts`, shared with inference.
 */
/** A batch as the data pipeline produces it (plain arrays; the trainer makes tensors). */
export interface Batch {
  /** `[B, C, Z, Y, X]` float32. */
  image: Float32Array;
  /** `[B, Z, Y, X]` class indices for the task (wholeTumour: 0/1). */
  target: Uint8Array;
  /** `[B, Z, Y, X]` φ in mm for the split task (distance to the IM/EM interface, +Infinity when none). */
  phi?: Float32Array;
  /** `[B, C, Z, Y, X]`. */
  shape: [number, number, number, number, number];
  /** Case ids, one per sample. */
  ids: string[];
}
