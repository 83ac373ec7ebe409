/**
 * `PhantomConfig`: every knob of the synthetic VS phantom, with defaults. A config is a plain
 * object; pass a partial one and {@link resolvePhantomConfig} fills in the rest and checks it.
 */

import type { Vec3 } from '../../volume/volume.js';
import type { Side } from './anatomy.js';
import type { Koos } from './tumour.js';

/** Field of view: a crop around the affected IAC, or a whole-head (or posterior-fossa slab) volume as scanners write it. */
export type FieldOfView = 'crop' | 'head';

/**
 * A head-FOV protocol at the geometry of a public VS dataset or a clinical routine: matrix
 * `[slices, rows, columns]` in storage order, voxel size in mm in the same order, how the slices
 * are stored (axial: array axis 0 runs inferior–superior; sagittal: it runs left–right, axis 1
 * superior–inferior, axis 2 anterior–posterior), and where the slab is centred. Its contrast and
 * ghosting ranges are {@link VARIED_LOOK}'s unless the config sets them.
 */
export interface HeadGeometry {
  matrix: Vec3;
  spacing: Vec3;
  storage: 'axial' | 'sagittal';
  /** Where the slab is centred, mm above the IAC level (head coordinates); jittered by `headJitterMm`. */
  centreZ: number;
}

/**
 * The named head geometries. `ciss`: 384 × 384 × 80 at 0.41 × 0.41 × 1.5 mm (3D CISS, as in the
 * crossMoDA hrT2 scans); `fiesta`: 512 × 512 × 120 at 0.47 × 0.47 × 1.0 mm (3D FIESTA); `iso`:
 * 256 × 256 × 176 at 1 mm isotropic, stored sagittally (3D SPACE/CUBE); `tse`: 224 × 224 × 60 at
 * 1 × 1 × 2 mm (clinical 2D TSE); `slab`: 448 × 448 × 40 at 0.45 × 0.45 × 1.0 mm (a posterior-fossa
 * slab around the IACs).
 */
export const HEAD_GEOMETRIES: Readonly<Record<string, HeadGeometry>> = Object.freeze({
  ciss: { matrix: [80, 384, 384], spacing: [1.5, 0.41, 0.41], storage: 'axial', centreZ: 0 },
  fiesta: { matrix: [120, 512, 512], spacing: [1.0, 0.47, 0.47], storage: 'axial', centreZ: 5 },
  iso: { matrix: [176, 256, 256], spacing: [1, 1, 1], storage: 'sagittal', centreZ: 25 },
  tse: { matrix: [60, 224, 224], spacing: [2, 1, 1], storage: 'axial', centreZ: 5 },
  slab: { matrix: [40, 448, 448], spacing: [1.0, 0.45, 0.45], storage: 'axial', centreZ: 0 },
} satisfies Record<string, HeadGeometry>);

/** The phantom's parameters. Ranges `[lo, hi]` are drawn uniformly per patient. */
export interface PhantomConfig {
  /** `crop` (default): `cropSizeMm` around the affected IAC; `head`: a `headMatrix` volume. */
  fov: FieldOfView;
  /** Crop extent in mm along `[z, y, x]` (default 48 × 64 × 64). */
  cropSizeMm: Vec3;
  /** Whole-head matrix `[slices, rows, columns]` (default 100 × 384 × 384). */
  headMatrix: Vec3;
  /** In-plane voxel size range, mm (crop; default 0.4–0.6). */
  inPlaneSpacing: [number, number];
  /** In-plane voxel size range for the whole-head FOV, mm (default 0.5–0.55, so 384 voxels cover a head). */
  headInPlaneSpacing: [number, number];
  /**
   * Head FOV only: a named geometry of {@link HEAD_GEOMETRIES}, `mixed` (one drawn per patient),
   * or undefined (default) for `headMatrix` at `headInPlaneSpacing` × `sliceSpacing`.
   */
  headGeometry?: string;
  /** Largest random shift of the head-FOV centre from its nominal place, mm (default 8). */
  headJitterMm: number;
  /** Probability that a patient has no tumour (a healthy head; default 0). */
  healthyProbability: number;
  /** Probability that a patient with a tumour has one on each side (NF2; default 0). */
  bilateralProbability: number;
  /**
   * Range of the protocol's contrast exponent γ: each anatomical tissue signal s (CSF = 1) becomes
   * s^γ — above 1 darker brain (CISS-like), below 1 flatter contrast (TSE-like). The tumour keeps
   * its own drawn signal (0.5–0.62 of CSF), so its contrast against the brain varies with γ too.
   * Default [1, 1] (none); with a named `headGeometry`, {@link VARIED_LOOK}'s.
   */
  contrast: [number, number];
  /**
   * Range of the amplitude of motion-like ghosting: a copy of the image shifted by a drawn fraction
   * of the field of view along the phase-encoding axis (array axis 1), relative to the image.
   * Default [0, 0] (none); with a named `headGeometry`, {@link VARIED_LOOK}'s.
   */
  ghosting: [number, number];
  /** Probability that the patient has vessels (basilar and vertebral arteries, an AICA loop) drawn as flow voids (default 1). */
  vesselProbability: number;
  /** Slice spacing range, mm (default 1.0–1.5). */
  sliceSpacing: [number, number];
  /** A fixed Koos grade, or undefined to draw one from `koosWeights`. */
  koos?: Koos;
  /** Relative frequency of Koos I–IV when `koos` is not fixed (default 0.25, 0.35, 0.25, 0.15). */
  koosWeights: [number, number, number, number];
  /** The tumour side, or undefined for either. */
  side?: Side;
  /** Probability that a patient's protocol is oblique: the voxel grid is rotated against RAS (default 0.25). */
  obliqueProbability: number;
  /** Largest oblique rotation, degrees (default 20; below 45 so array axis 0 stays the axial one). */
  obliqueMaxDeg: number;
  /** Probability that the in-plane axes run right-to-left and anterior-to-posterior (LPS-like storage; default 0.5). */
  flipProbability: number;
  /** Largest head rotation in the scanner about each axis, degrees (default 6). */
  poseMaxDeg: number;
  /** Largest head shift, mm (default 3). */
  poseMaxShiftMm: number;
  /** Largest random offset of the crop centre from its nominal place, mm (default 4). */
  cropJitterMm: number;
  /** Largest relative amplitude of the smooth multiplicative bias field (default 0.25). */
  biasStrength: number;
  /** Rician noise σ relative to the CSF signal, range (default 0.02–0.05). */
  noise: [number, number];
  /** Scanner gain: CSF signal in image units, range (default 400–1500). */
  gain: [number, number];
  /** Subsamples per voxel along `[z, y, x]` at tissue boundaries; default 3×2×2 (crop), 2×2×2 (head). */
  supersample?: Vec3;
  /**
   * How a voxel's label is decided: `centre` (default) — the label of the continuous scene at the
   * voxel centre; `majority` — the most frequent label among its subsamples (ties: the centre's).
   */
  labelRule: 'centre' | 'majority';
}

/** The contrast and ghosting ranges a named head geometry gets unless the config sets them. */
export const VARIED_LOOK: Readonly<{ contrast: [number, number]; ghosting: [number, number] }> = Object.freeze({ contrast: [0.8, 1.3], ghosting: [0, 0.05] });

/** The defaults. */
export const DEFAULT_PHANTOM_CONFIG: Readonly<PhantomConfig> = Object.freeze({
  fov: 'crop',
  cropSizeMm: [48, 64, 64],
  headMatrix: [100, 384, 384],
  inPlaneSpacing: [0.4, 0.6],
  headInPlaneSpacing: [0.5, 0.55],
  sliceSpacing: [1.0, 1.5],
  headJitterMm: 8,
  healthyProbability: 0,
  bilateralProbability: 0,
  contrast: [1, 1],
  ghosting: [0, 0],
  vesselProbability: 1,
  koosWeights: [0.25, 0.35, 0.25, 0.15],
  obliqueProbability: 0.25,
  obliqueMaxDeg: 20,
  flipProbability: 0.5,
  poseMaxDeg: 6,
  poseMaxShiftMm: 3,
  cropJitterMm: 4,
  biasStrength: 0.25,
  noise: [0.02, 0.05],
  gain: [400, 1500],
  labelRule: 'centre',
} as PhantomConfig);

function range(name: string, v: unknown, min: number, max: number): void {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`PhantomConfig.${name}: expected [lo, hi] numbers, got ${JSON.stringify(v)}`);
  }
  if (!(v[0] <= v[1] && v[0] >= min && v[1] <= max)) {
    throw new Error(`PhantomConfig.${name}: expected ${min} ≤ lo ≤ hi ≤ ${max}, got [${v.join(', ')}]`);
  }
}

function num(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !(v >= min && v <= max)) {
    throw new Error(`PhantomConfig.${name}: expected a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
}

function vec(name: string, v: unknown, min: number, max: number, integer: boolean): void {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && x >= min && x <= max && (!integer || Number.isInteger(x)))) {
    throw new Error(`PhantomConfig.${name}: expected [z, y, x] ${integer ? 'integers' : 'numbers'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
}

/**
 * The full config: defaults overridden by `partial`, validated.
 * @throws Error naming the field and the expected value for any bad entry or unknown key.
 */
export function resolvePhantomConfig(partial: Partial<PhantomConfig> = {}): PhantomConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_PHANTOM_CONFIG) && key !== 'koos' && key !== 'side' && key !== 'supersample' && key !== 'headGeometry') {
      throw new Error(`PhantomConfig.${key}: unknown option`);
    }
  }
  const c: PhantomConfig = { ...DEFAULT_PHANTOM_CONFIG, ...partial };
  // A named head geometry stands for scans as they come: their look varies unless told otherwise.
  if (c.fov === 'head' && c.headGeometry !== undefined) {
    if (partial.contrast === undefined) c.contrast = [...VARIED_LOOK.contrast];
    if (partial.ghosting === undefined) c.ghosting = [...VARIED_LOOK.ghosting];
  }
  if (c.fov !== 'crop' && c.fov !== 'head') throw new Error(`PhantomConfig.fov: expected 'crop' or 'head', got ${JSON.stringify(c.fov)}`);
  vec('cropSizeMm', c.cropSizeMm, 8, 400, false);
  vec('headMatrix', c.headMatrix, 8, 1024, true);
  range('inPlaneSpacing', c.inPlaneSpacing, 0.05, 5);
  range('headInPlaneSpacing', c.headInPlaneSpacing, 0.05, 5);
  range('sliceSpacing', c.sliceSpacing, 0.05, 10);
  if (c.headGeometry !== undefined && c.headGeometry !== 'mixed' && !Object.hasOwn(HEAD_GEOMETRIES, c.headGeometry)) {
    throw new Error(`PhantomConfig.headGeometry: expected ${[...Object.keys(HEAD_GEOMETRIES), 'mixed'].join(', ')}, got ${JSON.stringify(c.headGeometry)}`);
  }
  num('headJitterMm', c.headJitterMm, 0, 50);
  num('healthyProbability', c.healthyProbability, 0, 1);
  num('bilateralProbability', c.bilateralProbability, 0, 1);
  range('contrast', c.contrast, 0.3, 3);
  range('ghosting', c.ghosting, 0, 0.5);
  num('vesselProbability', c.vesselProbability, 0, 1);
  if (c.koos !== undefined && ![1, 2, 3, 4].includes(c.koos)) throw new Error(`PhantomConfig.koos: expected 1, 2, 3 or 4, got ${JSON.stringify(c.koos)}`);
  if (!Array.isArray(c.koosWeights) || c.koosWeights.length !== 4 || !c.koosWeights.every((w) => w >= 0) || !c.koosWeights.some((w) => w > 0)) {
    throw new Error(`PhantomConfig.koosWeights: expected four non-negative numbers, not all zero, got ${JSON.stringify(c.koosWeights)}`);
  }
  if (c.side !== undefined && c.side !== 'left' && c.side !== 'right') throw new Error(`PhantomConfig.side: expected 'left' or 'right', got ${JSON.stringify(c.side)}`);
  num('obliqueProbability', c.obliqueProbability, 0, 1);
  num('obliqueMaxDeg', c.obliqueMaxDeg, 0, 40);
  num('flipProbability', c.flipProbability, 0, 1);
  num('poseMaxDeg', c.poseMaxDeg, 0, 30);
  num('poseMaxShiftMm', c.poseMaxShiftMm, 0, 50);
  num('cropJitterMm', c.cropJitterMm, 0, 50);
  num('biasStrength', c.biasStrength, 0, 0.9);
  range('noise', c.noise, 0, 1);
  range('gain', c.gain, 1e-6, 1e9);
  if (c.supersample !== undefined) vec('supersample', c.supersample, 1, 8, true);
  if (c.labelRule !== 'centre' && c.labelRule !== 'majority') {
    throw new Error(`PhantomConfig.labelRule: expected 'centre' or 'majority', got ${JSON.stringify(c.labelRule)}`);
  }
  return c;
}

/** The supersampling factors in effect for a config. */
export function supersampling(c: PhantomConfig): Vec3 {
  return c.supersample ?? (c.fov === 'head' ? [2, 2, 2] : [3, 2, 2]);
}
