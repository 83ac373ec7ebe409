/**
 * Tissue classes of the phantom and their T2 (hrT2/CISS-like) signal, relative to CSF = 1.
 *
 * On heavily T2-weighted images fluid (CSF, the fluid in the internal auditory canal, the
 * labyrinth, the vitreous) is bright, brain is intermediate (white matter darker than grey
 * matter), bone and air are dark, and a vestibular schwannoma lies between brain and CSF, with
 * brighter cystic parts.
 */

/** Tissue ids (Uint8). Tumour ids come in extrameatal/intrameatal pairs. */
export const Tissue = {
  air: 0,
  scalp: 1,
  bone: 2,
  muscle: 3,
  csf: 4,
  grey: 5,
  white: 6,
  cerebellum: 7,
  brainstem: 8,
  petrous: 9,
  nerve: 10,
  canalFluid: 11,
  labyrinth: 12,
  vitreous: 13,
  tumourEM: 14,
  tumourIM: 15,
  cystEM: 16,
  cystIM: 17,
  vessel: 18,
} as const;

/** Number of tissue ids. */
export const TISSUE_COUNT = 19;

/** Relative T2 signal of each tissue id before per-patient jitter (CSF = 1). */
export const BASE_SIGNAL: readonly number[] = [
  0, // air
  0.62, // scalp (fat, skin)
  0.04, // cortical bone
  0.2, // muscle
  1.0, // CSF
  0.44, // grey matter
  0.3, // white matter
  0.4, // cerebellum (before folia)
  0.32, // brainstem
  0.03, // petrous bone
  0.22, // cranial nerves VII/VIII
  0.96, // fluid in the internal auditory canal
  0.9, // cochlea, vestibule, semicircular canals
  1.0, // vitreous
  0.56, // solid tumour, extrameatal
  0.56, // solid tumour, intrameatal
  0.88, // cyst, extrameatal
  0.88, // cyst, intrameatal
  0.05, // arteries: flow voids
];

/**
 * The segmentation label of a tissue id: 1 (extrameatal) or 2 (intrameatal) for tumour, else 0
 * (crossMoDA 2023 convention, see shared/DESIGN.md).
 */
export function labelOfTissue(tissue: number): number {
  if (tissue === Tissue.tumourEM || tissue === Tissue.cystEM) return 1;
  if (tissue === Tissue.tumourIM || tissue === Tissue.cystIM) return 2;
  return 0;
}

/** A lookup table tissue id → label. */
export const LABEL_OF_TISSUE: Uint8Array = Uint8Array.from({ length: TISSUE_COUNT }, (_, t) => labelOfTissue(t));
