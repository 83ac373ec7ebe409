/**
 * The MR acquisition: protocol (voxel size, field of view, oblique or flipped grid), the patient's
 * pose in the scanner, the smooth multiplicative bias field and Rician noise.
 *
 * Coordinates: the anatomy lives in head coordinates; the pose maps them to scanner RAS
 * (`ras = R · head + shift`, a small rotation); the NIfTI affine maps voxel `(i, j, k)` to RAS.
 * In a non-oblique protocol the affine's rotation part is diagonal (possibly with the in-plane
 * axes flipped, LPS-like), so array axis 0 (z) is the axial one. An oblique protocol rotates the
 * grid itself by up to `obliqueMaxDeg`, staying below 45° so that array axis 0 is still the axis
 * closest to superior–inferior.
 */

import type { Mat4, Vec3 } from '../../volume/volume.js';
import type { Rng } from '../random.js';
import type { Anatomy, Side } from './anatomy.js';
import { HEAD_GEOMETRIES, type HeadGeometry, type PhantomConfig } from './config.js';
import { type M3, type P3, apply3, identity3, mul3, rotationDeg, sub, transpose3 } from './geometry.js';
import type { RenderGrid } from './render.js';

/** What stays fixed for a patient across timepoints: the scan protocol. */
export interface Protocol {
  spacing: Vec3;
  shape: Vec3;
  /** Rotation of the voxel grid against RAS (identity unless oblique). */
  gridRotation: M3;
  oblique: boolean;
  /** In-plane axes flipped (i → left, j → posterior). */
  flipped: boolean;
  /** Slices stored sagittally: array axis 0 runs left–right, axis 1 superior–inferior, axis 2 anterior–posterior. */
  sagittal: boolean;
  /** The named head geometry, if any. */
  geometry?: string;
  /** Nominal height of the FOV centre above the IAC level, mm (head FOV). */
  centreZ: number;
  /** Contrast exponent γ (signals s → s^γ). */
  contrast: number;
  /** Ghost amplitude (relative) and its shift as a fraction of the phase-encoding extent. */
  ghost: { amplitude: number; shift: number };
}

/** One acquisition: protocol plus this timepoint's pose and field-of-view placement. */
export interface Acquisition extends Protocol {
  /** Head → RAS: `ras = rotation · head + shift`. */
  poseRotation: M3;
  poseShift: P3;
  /** Pose angles about x, y, z, degrees. */
  poseDeg: P3;
  /** Voxel → RAS, row-major 4×4. */
  affine: Mat4;
}

/** Draws the protocol of a patient. */
export function drawProtocol(rng: Rng, c: PhantomConfig): Protocol {
  const sIn = rng.uniform(...(c.fov === 'head' ? c.headInPlaneSpacing : c.inPlaneSpacing));
  const sz = rng.uniform(...c.sliceSpacing);
  let spacing: Vec3 = [sz, sIn, sIn];
  let shape: Vec3 =
    c.fov === 'head'
      ? [...c.headMatrix]
      : [Math.max(1, Math.round(c.cropSizeMm[0] / sz)), Math.max(1, Math.round(c.cropSizeMm[1] / sIn)), Math.max(1, Math.round(c.cropSizeMm[2] / sIn))];
  const oblique = rng.bool(c.obliqueProbability);
  const m = c.obliqueMaxDeg;
  const gridRotation = oblique ? rotationDeg(rng.uniform(-m, m), rng.uniform(-m, m), rng.uniform(-m, m)) : identity3();
  const flipped = rng.bool(c.flipProbability);
  // Draws below come after the original ones, so older configs give the same phantoms.
  let geometry: string | undefined;
  let named: HeadGeometry | undefined;
  if (c.fov === 'head' && c.headGeometry !== undefined) {
    const names = Object.keys(HEAD_GEOMETRIES);
    geometry = c.headGeometry === 'mixed' ? names[rng.int(0, names.length)] : c.headGeometry;
    named = HEAD_GEOMETRIES[geometry];
    shape = [...named.matrix];
    spacing = [...named.spacing];
  }
  const contrast = rng.uniform(...c.contrast);
  const ghost = { amplitude: rng.uniform(...c.ghosting), shift: rng.uniform(0.25, 0.5) };
  return { spacing, shape, gridRotation, oblique, flipped, sagittal: named?.storage === 'sagittal', ...(geometry ? { geometry } : {}), centreZ: named?.centreZ ?? 5, contrast, ghost };
}

/**
 * Places a protocol's grid for one timepoint: a new pose, and for the crop FOV a centre near the
 * affected porus (between it and the brainstem) with some jitter.
 */
export function drawAcquisition(rng: Rng, c: PhantomConfig, p: Protocol, anatomy: Anatomy, side: Side): Acquisition {
  const m = c.poseMaxDeg;
  const poseDeg: P3 = [rng.uniform(-m, m), rng.uniform(-m, m), rng.uniform(-m, m)];
  const poseRotation = rotationDeg(...poseDeg);
  const sh = c.poseMaxShiftMm;
  const poseShift: P3 = [rng.uniform(-sh, sh), rng.uniform(-sh, sh), rng.uniform(-sh, sh)];
  let centreHead: P3;
  if (c.fov === 'head') {
    centreHead = [0, -5, p.centreZ];
  } else {
    const porus = anatomy.ears[side].porus;
    const s = side === 'right' ? 1 : -1;
    const j = c.cropJitterMm;
    centreHead = [porus[0] - s * 9 + rng.uniform(-j, j), porus[1] - 2 + rng.uniform(-j, j), porus[2] + rng.uniform(-j, j)];
  }
  if (c.fov === 'head' && c.headGeometry !== undefined) {
    const j = c.headJitterMm;
    centreHead = [centreHead[0] + rng.uniform(-j, j) * 0.5, centreHead[1] + rng.uniform(-j, j), centreHead[2] + rng.uniform(-j, j)];
  }
  const centreRas = apply3(poseRotation, centreHead).map((v, i) => v + poseShift[i]) as P3;
  const [sz, sy, sx] = p.spacing;
  const fx = p.flipped ? -1 : 1;
  // Columns: the RAS direction (times the voxel size) of array axes i (fastest), j, k.
  const scaleM: M3 = p.sagittal
    ? // i → anterior-to-posterior (or back), j → superior-to-inferior, k → left-to-right
      [0, 0, sz, -fx * sx, 0, 0, 0, -sy, 0]
    : [fx * sx, 0, 0, 0, fx * sy, 0, 0, 0, sz];
  const D = mul3(p.gridRotation, scaleM);
  const [nz, ny, nx] = p.shape;
  const mid = apply3(D, [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2]);
  const o = sub(centreRas, mid);
  const affine: Mat4 = [D[0], D[1], D[2], o[0], D[3], D[4], D[5], o[1], D[6], D[7], D[8], o[2], 0, 0, 0, 1];
  return { ...p, poseRotation, poseShift, poseDeg, affine };
}

/** The render grid of an acquisition: voxel → head coordinates (`Rᵀ · (affine · v − shift)`). */
export function renderGrid(a: Acquisition): RenderGrid {
  const Rt = transpose3(a.poseRotation);
  const A = a.affine;
  const D: M3 = [A[0], A[1], A[2], A[4], A[5], A[6], A[8], A[9], A[10]];
  const H = mul3(Rt, D);
  const o = apply3(Rt, sub([A[3], A[7], A[11]], a.poseShift));
  return { shape: a.shape, toHead: [H[0], H[1], H[2], o[0], H[3], H[4], H[5], o[1], H[6], H[7], H[8], o[2]] };
}

/** A head point in RAS under the acquisition's pose. */
export function headToRas(a: Acquisition, p: P3): P3 {
  return apply3(a.poseRotation, p).map((v, i) => v + a.poseShift[i]) as P3;
}

function axisField(rng: Rng, n: number, strength: number): Float32Array {
  const a1 = rng.uniform(-1, 1) * strength * 0.5;
  const a2 = rng.uniform(-1, 1) * strength * 0.4;
  const a3 = rng.uniform(-1, 1) * strength * 0.3;
  const w = rng.uniform(0.5, 1.2);
  const ph = rng.uniform(0, 2 * Math.PI);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = n > 1 ? (2 * i) / (n - 1) - 1 : 0;
    out[i] = Math.exp(a1 * u + a2 * (u * u - 1 / 3) + a3 * Math.cos(Math.PI * w * u + ph));
  }
  return out;
}

/**
 * Multiplies `signal` (x fastest, `shape` = [z, y, x]) in place by a smooth bias field
 * `bx(i) · by(j) · bz(k)`, each factor the exponential of a low-order polynomial plus one slow
 * cosine, with relative amplitude about `strength`.
 */
export function applyBiasField(signal: Float32Array, shape: Vec3, rng: Rng, strength: number): void {
  const [nz, ny, nx] = shape;
  const bx = axisField(rng, nx, strength);
  const by = axisField(rng, ny, strength);
  const bz = axisField(rng, nz, strength * 0.6);
  let v = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const f = bz[k] * by[j];
      for (let i = 0; i < nx; i++, v++) signal[v] *= f * bx[i];
    }
  }
}

/**
 * Rician noise in place: each value `s` becomes `|s + σ(n₁ + i n₂)|` with independent standard
 * normal `n₁`, `n₂` (the magnitude of a complex signal with Gaussian noise in both channels).
 */
export function addRicianNoise(signal: Float32Array, sigma: number, rng: Rng): void {
  const chunk = 1 << 15;
  const n = new Float32Array(2 * chunk);
  for (let start = 0; start < signal.length; start += chunk) {
    const end = Math.min(signal.length, start + chunk);
    rng.fillNormal(n);
    for (let v = start, q = 0; v < end; v++, q += 2) {
      const re = signal[v] + sigma * n[q];
      const im = sigma * n[q + 1];
      signal[v] = Math.sqrt(re * re + im * im);
    }
  }
}
