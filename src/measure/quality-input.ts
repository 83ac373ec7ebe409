/**
 * The quality checks of the input against the model (see `quality.ts` for the section they belong
 * to): the scan's voxel size and tumour intensities against the model's training fingerprint
 * (`Plan.fingerprint`, nnU-Net's dataset fingerprint), and how its orientation was handled. Pure.
 */
import { percentile } from '../util/percentile.js';
import { pixdimMismatch, type NiftiImage } from '../volume/nifti.js';
import { axisCodes, linearPart } from '../volume/orientation.js';
import { canonicalReorientation, CANONICAL_ORIENTATION, isIdentityReorientation, reorientVec3 } from '../volume/reorient.js';
import type { Mat4, Volume } from '../volume/volume.js';
import type { QualityCheck, QualityModel } from './quality.js';

/**
 * How far the scan's voxel size may lie outside the training range along an axis, as a fraction
 * of the range's end (25 %: below `min / 1.25` or above `max × 1.25` warns). The pipeline resamples
 * every scan to the plan's spacing, so a small difference only changes the interpolation; a voxel
 * much coarser than any training case carries less detail than the network learned from (thin
 * structures such as the canal blur into their neighbours), and a much finer one comes from an
 * acquisition the model never saw.
 */
export const SPACING_TOLERANCE = 0.25;

/**
 * How much more spread the intensities inside the segmented tumour may have than the training
 * tumours' (1.5×). MR intensities have arbitrary units (scanner and protocol scale them), so only
 * scale-free quantities are compared: the coefficient of variation std / mean and the relative
 * range (p99.5 − p0.5) / mean, of the T2 inside the label here and of the fingerprint's pooled
 * foreground samples. Both are unchanged when every intensity is multiplied by one factor. The
 * check is one-sided: the fingerprint pools every training case, so its spread includes the
 * differences between cases and a single real tumour's spread is normally below it; a region whose
 * spread is well above it mixes tissues (CSF, brain, fat, air) that no training tumour mixed.
 */
export const INTENSITY_SPREAD_FACTOR = 1.5;

/**
 * Largest grid tilt against the patient's axes, degrees, before a warning (20°). The axial diameters
 * are measured in the acquired slices, so on a tilted grid they are measured in tilted planes; the
 * built-in model's phantoms are tilted up to 20° (`obliqueMaxDeg`).
 */
export const MAX_OBLIQUITY_DEG = 20;

const fmt = (v: number, d = 2) => v.toFixed(d);
/** Patient axes in RAS order (x, y, z of the canonical grid). */
const RAS_AXES = ['left–right', 'anterior–posterior', 'superior–inferior'];

/**
 * The angle, degrees, between the scan's grid and the patient's axes: for each world axis, the
 * angle to the voxel axis closest to it, and the largest of the three (nibabel's
 * `nibabel.affines.obliquity`, which returns the three in radians). 0 for a grid stored along the
 * patient's axes, flipped or permuted.
 * @throws Error for a degenerate affine (a zero column).
 * @example obliquityDeg(diagonalAffine([1, 1, 1])) // 0
 */
export function obliquityDeg(affine: Mat4): number {
  const m = linearPart(affine);
  const norms = [0, 1, 2].map((c) => Math.hypot(m[c], m[3 + c], m[6 + c]));
  if (norms.some((n) => !(n > 0))) throw new Error(`obliquityDeg: affine has a zero or non-finite column: [${m.join(', ')}]`);
  let worst = 0;
  for (let row = 0; row < 3; row++) {
    const best = Math.max(...[0, 1, 2].map((c) => Math.abs(m[row * 3 + c]) / norms[c]));
    worst = Math.max(worst, Math.acos(Math.min(1, best)));
  }
  return (worst * 180) / Math.PI;
}

/** The scan's voxel size per patient axis, RAS order (x, y, z of the canonical grid), mm. */
function rasSpacing(v: Volume): number[] {
  return [...reorientVec3(v.spacing, canonicalReorientation(v.affine))].reverse();
}

/**
 * Voxel size against the training spacings, per patient axis in RAS order; warns outside the
 * training range widened by {@link SPACING_TOLERANCE}.
 */
export function spacingCheck(t2: Volume, model: QualityModel): QualityCheck {
  const s = rasSpacing(t2);
  const value = `${s.map((v) => fmt(v)).join(' × ')} mm (RAS: ${RAS_AXES.join(', ')})`;
  const train = model.fingerprint.spacings;
  if (train.length === 0) {
    return { id: 'spacing', status: 'not-applicable', value, expected: 'unknown', message: "The model's training fingerprint lists no voxel sizes to compare the scan with." };
  }
  // Fingerprint spacings are [z, y, x] of the canonical grid: RAS axis r is array axis 2 − r.
  const lo = [0, 1, 2].map((r) => Math.min(...train.map((t) => t[2 - r])));
  const hi = [0, 1, 2].map((r) => Math.max(...train.map((t) => t[2 - r])));
  const expected = `${[0, 1, 2].map((r) => `${fmt(lo[r])}–${fmt(hi[r])}`).join(' × ')} mm in training; warning below ${[0, 1, 2]
    .map((r) => fmt(lo[r] / (1 + SPACING_TOLERANCE)))
    .join(' × ')} or above ${[0, 1, 2].map((r) => fmt(hi[r] * (1 + SPACING_TOLERANCE))).join(' × ')} mm`;
  const outside = [0, 1, 2].filter((r) => s[r] < lo[r] / (1 + SPACING_TOLERANCE) || s[r] > hi[r] * (1 + SPACING_TOLERANCE));
  if (outside.length > 0) {
    const what = outside.map((r) => `${fmt(s[r])} mm ${RAS_AXES[r]} (trained on ${fmt(lo[r])}–${fmt(hi[r])} mm)`).join(', ');
    return {
      id: 'spacing', status: 'warning', value, expected,
      message: `The scan's voxel size is outside what the model was trained on (${what}), so the segmentation may be less accurate than usual.`,
    };
  }
  return { id: 'spacing', status: 'ok', value, expected, message: "The scan's voxel size is within the range the model was trained on." };
}

/** Scale-free spread of some intensities: coefficient of variation and relative 0.5–99.5 % range. */
interface Spread {
  mean: number;
  cv: number;
  range: number;
}

function spreadOf(values: Float64Array): Spread {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const std = Math.sqrt(ss / values.length);
  values.sort();
  return { mean, cv: std / mean, range: (percentile(values, 99.5) - percentile(values, 0.5)) / mean };
}

/**
 * The T2 intensities inside the label against the training tumours' (see
 * {@link INTENSITY_SPREAD_FACTOR} for what is compared and why); not applicable without a tumour.
 */
export function intensityCheck(t2: Volume, label: Volume<Uint8Array>, model: QualityModel): QualityCheck {
  const f = model.fingerprint.foregroundIntensity;
  const train = { cv: f.std / f.mean, range: (f.p99_5 - f.p00_5) / f.mean };
  const k = INTENSITY_SPREAD_FACTOR;
  const expected = `coefficient of variation ≤ ${fmt(k * train.cv)} and relative range ≤ ${fmt(k * train.range)} (${k} × the training tumours' ${fmt(train.cv)} and ${fmt(train.range)})`;
  let n = 0;
  for (const v of label.data) if (v > 0) n++;
  if (n === 0) {
    return { id: 'intensity', status: 'not-applicable', value: 'no tumour', expected, message: 'No tumour was segmented, so there are no tumour intensities to compare with the training data.' };
  }
  if (!(f.mean > 0)) {
    return { id: 'intensity', status: 'not-applicable', value: 'no training intensities', expected: 'unknown', message: "The model's training fingerprint has no tumour intensities to compare the scan with." };
  }
  const values = new Float64Array(n);
  for (let i = 0, j = 0; i < label.data.length; i++) if (label.data[i] > 0) values[j++] = t2.data[i];
  const s = spreadOf(values);
  if (!(s.mean > 0)) {
    return { id: 'intensity', status: 'warning', value: `mean ${fmt(s.mean)}`, expected, message: 'The segmented region has no signal (its mean intensity is not above zero), so it cannot be a tumour.' };
  }
  const value = `coefficient of variation ${fmt(s.cv)}, relative range ${fmt(s.range)}`;
  if (s.cv > k * train.cv || s.range > k * train.range) {
    return {
      id: 'intensity', status: 'warning', value, expected,
      message: `The intensities inside the segmented region vary much more than in the tumours the model was trained on (coefficient of variation ${fmt(s.cv)} against ${fmt(train.cv)}), so it probably includes tissue other than tumour.`,
    };
  }
  return { id: 'intensity', status: 'ok', value, expected, message: 'The intensities inside the segmented tumour vary no more than in the tumours the model was trained on.' };
}

/**
 * How the scan's orientation was handled: its orientation code (i, j, k: e.g. `RAS`, `LPS`, `PIR`),
 * whether it was reoriented (permutation and flips only) for the model, the grid's tilt
 * ({@link obliquityDeg}), and a header note when a NIfTI's pixdim disagrees with its affine
 * (`pixdimMismatch`). Warns above {@link MAX_OBLIQUITY_DEG} or on a pixdim mismatch.
 */
export function orientationCheck(t2: Volume): QualityCheck {
  const code = [...axisCodes(t2.affine)].reverse().join('');
  const reoriented = !isIdentityReorientation(canonicalReorientation(t2.affine));
  const tilt = obliquityDeg(t2.affine);
  const header = (t2 as Partial<NiftiImage>).header;
  const mismatch = header?.pixdimSpacing && header.affineSource ? pixdimMismatch(t2 as NiftiImage) : null;
  const value = `${code}${reoriented ? `, reoriented to ${CANONICAL_ORIENTATION} for the model` : ''}; grid tilted ${fmt(tilt, 1)}°${mismatch ? '; pixdim disagrees with the affine' : ''}`;
  const expected = `any orientation (reordered without interpolation); tilt ≤ ${MAX_OBLIQUITY_DEG}°; pixdim agreeing with the affine`;
  const stored = reoriented
    ? `The scan is stored ${code} and was reordered to ${CANONICAL_ORIENTATION} for the model without interpolation, the labels being put back in its own order`
    : `The scan is stored ${code}, the model's own orientation`;
  if (mismatch) {
    return { id: 'orientation', status: 'warning', value, expected, message: `The scan's header is inconsistent: ${mismatch}.` };
  }
  if (tilt > MAX_OBLIQUITY_DEG) {
    return {
      id: 'orientation', status: 'warning', value, expected,
      message: `${stored}, but its slices are tilted ${fmt(tilt, 1)}° from the patient's axes, so the axial diameters are measured in tilted planes and the segmentation may be less accurate.`,
    };
  }
  return { id: 'orientation', status: 'ok', value, expected, message: `${stored}; its slices are tilted ${fmt(tilt, 1)}° from the patient's axes.` };
}
