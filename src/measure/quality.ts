/**
 * Plausibility checks of one segmentation, said out loud: whether what `meatus segment` found
 * looks like a vestibular schwannoma (size, pieces, distance from the edge of the scan, what the
 * localiser found), and whether the scan and the model suit each other (voxel size and intensities
 * against the model's training fingerprint, orientation, the model's provenance; those input checks
 * live in `quality-input.ts`). Each check says `ok`, `warning` or `not-applicable`, with its value,
 * what was expected and one plain sentence for a clinician. Pure: no torch, no I/O.
 *
 * The checks exist because of a real failure: on a healthy head the built-in model once reported a
 * 369.8 mL "extrameatal tumour" 176 mm across — the brain — with no warning. Each rule (its
 * threshold and why) is documented on the constant that holds it.
 */
import { boundingBox } from '../volume/bbox.js';
import { axisCodes, det3, linearPart, type AxisCode } from '../volume/orientation.js';
import type { Vec3, Volume } from '../volume/volume.js';
import type { Measurements } from './measure.js';
import { intensityCheck, orientationCheck, spacingCheck } from './quality-input.js';

/** What a check concluded. A healthy head (empty label) gives `ok` or `not-applicable`, never a warning by itself. */
export type QualityStatus = 'ok' | 'warning' | 'not-applicable';

/** One check of the quality section. Plain data: `JSON.stringify` keeps it whole. */
export interface QualityCheck {
  /** Stable name: `tumour-size`, `components`, `border-distance`, `localisation`, `spacing`, `intensity`, `orientation`, `model`. */
  id: string;
  status: QualityStatus;
  /** What was measured, with units (e.g. `'369.8 mL; 176.0 mm across'`). */
  value: string;
  /** What a plausible value is (e.g. `'≤ 40 mL and ≤ 50 mm'`). */
  expected: string;
  /** One plain sentence a clinician understands. */
  message: string;
}

/** The quality section of the measurements JSON and of the report. */
export interface QualitySection {
  /** The checks, in the order the report shows them. */
  checks: QualityCheck[];
  /** How many checks warn, and that number in words (`'2 warnings'`, `'no warnings'`). */
  summary: { warnings: number; text: string };
}

/** The stage-1 connected components (`ComponentSummary` of `src/infer/pipeline.ts`; only what the check reads). */
export interface QualityComponents {
  found: number;
  kept: number;
  /** Volume of each component found, mm³, and whether it was kept. */
  components: { volumeMm3: number; kept: boolean }[];
}

/** The localiser pass (`Localisation` of `src/infer/pipeline.ts`; only what the check reads). */
export interface QualityLocalisation {
  /** Regions that may hold a tumour; empty: none (a legitimate result). */
  regions: { centreRas: readonly number[]; sizeMm: readonly number[]; maxProbability: number; localiserVolumeMm3: number }[];
}

/** The model, as the checks need it: its provenance and its training fingerprint (`Plan.fingerprint`). */
export interface QualityModel {
  /** Name as the report gives it. */
  name: string;
  /** Whether it is meatus's built-in model. */
  builtIn: boolean;
  /** What it was trained on (the checkpoint's `config.data`, or the built-in model's phantoms). */
  trainedOn: string;
  /** The plan's target spacing `[z, y, x]` mm (canonical RAS orientation). */
  spacing: Vec3;
  /** The plan's fingerprint: per training case spacing `[z, y, x]` mm (canonical), pooled tumour intensities. */
  fingerprint: {
    spacings: readonly Vec3[];
    foregroundIntensity: { mean: number; std: number; p00_5: number; p99_5: number };
  };
}

/** What {@link assessQuality} looks at. */
export interface QualityInput {
  /** The T2 scan as read; a decoded NIfTI's `header` (with `pixdimSpacing`, `affineSource`) adds the pixdim check. */
  t2: Volume;
  /** The final label map (0 background, > 0 tumour) on the T2's grid. */
  label: Volume<Uint8Array>;
  /** `measure(label)`. */
  measurements: Measurements;
  /** The localiser pass, when one ran. */
  localisation?: QualityLocalisation;
  /** The stage-1 components, when a two-stage pipeline ran. */
  components?: QualityComponents;
  model: QualityModel;
}

/**
 * Largest plausible whole-tumour volume, mL. Vestibular schwannomas are small: in 235 tumours
 * treated by radiosurgery the Koos grade IV ones measured 4.17 ± 2.75 cm³ (Mindermann & Schlegel,
 * "Grading of vestibular schwannomas and corresponding tumor volumes: ramifications for
 * radiosurgery", Acta Neurochir 2013;155:71–74, doi:10.1007/s00701-012-1553-4), and in a surgical
 * series of large tumours the largest was 34.9 cm³ (Daniel et al., "Preserving normal facial nerve
 * function and improving hearing outcome in large vestibular schwannomas with a combined approach",
 * Acta Neurochir 2017, doi:10.1007/s00701-017-3194-0: mean 12.5, range 1.47–34.9 cm³). Above 40 mL a
 * segmentation has almost certainly taken in other tissue.
 */
export const MAX_TUMOUR_ML = 40;

/**
 * Largest plausible whole-tumour axial diameter, mm. "Giant" vestibular schwannomas are those above
 * 40 mm in maximal extrameatal diameter; a surgical series of 50 of them had a mean of 44 mm
 * ("Functional outcome after complete surgical removal of giant vestibular schwannomas",
 * J Neurosurg 2010;112:860–867, doi:10.3171/2009.7.JNS0989). Above 50 mm is beyond nearly all.
 */
export const MAX_TUMOUR_DIAMETER_MM = 50;

/**
 * Below this whole-tumour volume (mL) a segmented tumour is tens of voxels, the size of the false
 * detections a model makes in a normal canal (the built-in model's reach 0.08 mL on unseen healthy
 * phantom heads, bench/head-eval.ts), so it is flagged for confirmation on the images; small
 * intracanalicular tumours are as small (Koos I, from a few tens of mm³).
 */
export const SMALL_TUMOUR_ML = 0.1;

/**
 * Closest plausible distance of the tumour to the edge of the field of view, mm (between voxel
 * centres, perpendicular to the face of the grid). Closer, the tumour may continue outside the scan
 * and its measurements are then too small.
 */
export const MIN_BORDER_DISTANCE_MM = 3;

/**
 * A component the largest-component rule dropped is "large" when its volume is at least this many
 * mm³ (0.1 mL: a small intracanalicular tumour, so possibly a second tumour, as in NF2; the localised
 * pipeline keeps a second tumour from the same volume, `MIN_SECOND_TUMOUR_MM3` in
 * src/infer/segment-localised.ts, so there only components that met no localiser region warn) …
 */
export const DROPPED_COMPONENT_MM3 = 100;
/**
 * … or at least this fraction of the kept volume (the rule then chose between comparable
 * candidates). More than one region kept (one per localised region: both sides in NF2; or all of
 * them with `--keep-all-components`) warns too; when they lie on both sides of the head the size check
 * judges each side (`Measurements.sides`), else the volume only, since the diameters span the gap.
 */
export const DROPPED_COMPONENT_FRACTION = 0.1;

/** More localiser regions than this is implausible: a vestibular schwannoma is on one side, or both (NF2). */
export const MAX_LOCALISER_REGIONS = 2;

const fmt = (v: number, d = 1) => v.toFixed(d);
const rasText = (p: readonly number[]) => `(${p.map((c) => fmt(c)).join(', ')})`;

const SMALL_TEXT =
  `under ${SMALL_TUMOUR_ML} mL a segmented tumour is tens of voxels, as small as a model's false detections in a normal internal auditory canal; ` +
  'it may be a small intracanalicular tumour or none: confirm it on the images.';

function tumourSizeCheck(m: Measurements, c: QualityComponents | undefined): QualityCheck {
  const ml = m.volumes.wholeTumour.ml;
  const mm = m.wholeTumourAxialDiameter?.mm ?? 0;
  if (m.volumes.wholeTumour.mm3 === 0) {
    const expected = `≤ ${MAX_TUMOUR_ML} mL and ≤ ${MAX_TUMOUR_DIAMETER_MM} mm across (axial)`;
    return { id: 'tumour-size', status: 'ok', value: 'no tumour', expected, message: 'No tumour was segmented, so there is no size to check.' };
  }
  if (m.sides) {
    // Tumour on both sides of the head (NF2): each side is judged on its own.
    const expected = `each side ${SMALL_TUMOUR_ML}–${MAX_TUMOUR_ML} mL and ≤ ${MAX_TUMOUR_DIAMETER_MM} mm across (axial)`;
    const sides = (['left', 'right'] as const).map((name) => {
      const s = m.sides![name];
      return { name, ml: s.volumes.wholeTumour.ml, mm: s.wholeTumourAxialDiameter?.mm ?? 0 };
    });
    const value = sides.map((x) => `${x.name} ${fmt(x.ml, 2)} mL, ${fmt(x.mm)} mm across (axial)`).join('; ');
    const big = sides.filter((x) => x.ml > MAX_TUMOUR_ML || x.mm > MAX_TUMOUR_DIAMETER_MM);
    if (big.length > 0) {
      return {
        id: 'tumour-size', status: 'warning', value, expected,
        message: `The tumour on the ${big.map((x) => x.name).join(' and the ')} side measures ${big.map((x) => `${fmt(x.ml, 1)} mL and ${fmt(x.mm)} mm across`).join(', and ')}, larger than vestibular schwannomas grow (rarely above ${MAX_TUMOUR_ML} mL or ${MAX_TUMOUR_DIAMETER_MM} mm): the segmentation has probably taken in other tissue, so review it before using any measurement.`,
      };
    }
    const small = sides.filter((x) => x.ml < SMALL_TUMOUR_ML);
    if (small.length > 0) {
      return {
        id: 'tumour-size', status: 'warning', value, expected,
        message: `The ${small.length > 1 ? 'tumours on the left and the right sides are' : `tumour on the ${small[0].name} side is`} only ${small.map((x) => `${fmt(x.ml, 2)} mL`).join(' and ')}: ${SMALL_TEXT}`,
      };
    }
    return { id: 'tumour-size', status: 'ok', value, expected, message: `The tumour's size on each side (${value}) is within the range of vestibular schwannomas.` };
  }
  // Separate regions kept on one side: the diameters span the gap between them, so only the volume is checked.
  const pieces = c !== undefined && c.kept > 1 ? c.kept : 1;
  const expected = pieces > 1 ? `${SMALL_TUMOUR_ML}–${MAX_TUMOUR_ML} mL (the diameter spans separate regions and is not checked)` : `${SMALL_TUMOUR_ML}–${MAX_TUMOUR_ML} mL and ≤ ${MAX_TUMOUR_DIAMETER_MM} mm across (axial)`;
  const value = pieces > 1 ? `${fmt(ml, 2)} mL in ${pieces} separate regions` : `${fmt(ml, 2)} mL; ${fmt(mm)} mm across (axial)`;
  const size = pieces > 1 ? `${fmt(ml, 1)} mL in ${pieces} separate regions` : `${fmt(ml, 1)} mL and ${fmt(mm)} mm across`;
  if (ml > MAX_TUMOUR_ML || (pieces === 1 && mm > MAX_TUMOUR_DIAMETER_MM)) {
    return {
      id: 'tumour-size', status: 'warning', value, expected,
      message: `The segmented tumour measures ${size}, larger than vestibular schwannomas grow (rarely above ${MAX_TUMOUR_ML} mL or ${MAX_TUMOUR_DIAMETER_MM} mm): the segmentation has probably taken in other tissue, so review it before using any measurement.`,
    };
  }
  if (ml < SMALL_TUMOUR_ML) {
    return { id: 'tumour-size', status: 'warning', value, expected, message: `The segmented tumour is only ${fmt(ml, 2)} mL: ${SMALL_TEXT}` };
  }
  const okSize = pieces > 1 ? `${fmt(ml, 2)} mL in ${pieces} separate regions` : `${fmt(ml, 2)} mL, ${fmt(mm)} mm across`;
  return { id: 'tumour-size', status: 'ok', value, expected, message: `The tumour's size (${okSize}) is within the range of vestibular schwannomas.` };
}

function componentsCheck(c: QualityComponents | undefined): QualityCheck {
  const expected = `one region kept; none dropped of ≥ ${DROPPED_COMPONENT_MM3} mm³ or ≥ ${DROPPED_COMPONENT_FRACTION * 100} % of the kept volume`;
  if (c === undefined) {
    return { id: 'components', status: 'not-applicable', value: 'not recorded', expected, message: 'No stage-1 regions were recorded for this scan (a one-stage model has none), so there is nothing to count.' };
  }
  const ml = (mm3: number) => `${fmt(mm3 / 1000, 2)} mL`;
  const keptMm3 = c.components.filter((x) => x.kept).reduce((s, x) => s + x.volumeMm3, 0);
  const dropped = c.components.filter((x) => !x.kept).sort((a, b) => b.volumeMm3 - a.volumeMm3);
  const value = `${c.found} found, ${c.kept} kept (${ml(keptMm3)})` + (dropped.length ? `; largest dropped ${ml(dropped[0].volumeMm3)}` : '');
  const result = (status: QualityStatus, message: string): QualityCheck => ({ id: 'components', status, value, expected, message });
  if (c.found === 0) return result('ok', 'Stage 1 found no tumour.');
  const regions = `${c.found} separate region${c.found === 1 ? '' : 's'}`;
  if (c.kept === 0) {
    // Localised: no stage-1 region met a region the localiser found (the localiser fired elsewhere).
    return result(
      'warning',
      `Stage 1 found ${regions} (the largest ${ml(dropped[0].volumeMm3)}) but kept none: none met a tumour the localiser found, so the label map is empty. A tumour may have been missed: review the scan, or segment it with --no-localise.`,
    );
  }
  const large = dropped.length > 0 && (dropped[0].volumeMm3 >= DROPPED_COMPONENT_MM3 || dropped[0].volumeMm3 >= DROPPED_COMPONENT_FRACTION * keptMm3);
  if (large) {
    const kept = c.kept === 1 ? `kept only the largest (${ml(keptMm3)})` : `kept ${c.kept} (${ml(keptMm3)} together)`;
    const why =
      dropped[0].volumeMm3 >= DROPPED_COMPONENT_MM3
        ? 'is large enough to be a second tumour (both sides are affected in NF2) or part of this one'
        : `is comparable in size to what was kept (at least ${DROPPED_COMPONENT_FRACTION * 100} % of it), so the choice between them is uncertain`;
    return result('warning', `Stage 1 found ${regions} and ${kept}, but a dropped one of ${ml(dropped[0].volumeMm3)} ${why}: review the scan.`);
  }
  if (c.kept > 1) {
    return result(
      'warning',
      `Stage 1 kept ${c.kept} separate regions (${ml(keptMm3)} together: tumours on both sides, as in NF2, or a false detection): the measurements give them together and, when they lie on both sides of the head, each side on its own; review each.`,
    );
  }
  if (dropped.length === 0) return result('ok', 'Stage 1 found one connected tumour region and kept it.');
  return result('ok', `Stage 1 found ${regions} and kept the largest (${ml(keptMm3)}); the ${dropped.length} dropped were small (at most ${ml(dropped[0].volumeMm3)}).`);
}

/**
 * Distance, mm, between neighbouring voxel planes perpendicular to each array axis `[z, y, x]`:
 * |det A| / |c₁ × c₂| for the two other columns of the affine's 3×3 `A` (the spacing on a
 * non-sheared grid, less on a sheared one).
 */
function planeSpacing(affine: number[]): Vec3 {
  const m = linearPart(affine);
  const col = (c: number) => [m[c], m[3 + c], m[6 + c]];
  const cross = (a: number[], b: number[]) => Math.hypot(a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]);
  const det = Math.abs(det3(m));
  // Array axis a is voxel column 2 − a.
  return [det / cross(col(0), col(1)), det / cross(col(0), col(2)), det / cross(col(1), col(2))];
}

const SIDE: Record<AxisCode, string> = { R: 'right', L: 'left', A: 'anterior', P: 'posterior', S: 'superior', I: 'inferior' };
const OPPOSITE: Record<AxisCode, AxisCode> = { R: 'L', L: 'R', A: 'P', P: 'A', S: 'I', I: 'S' };

/**
 * The distance, mm, from the tumour to the nearest face of the field of view (between voxel
 * centres, perpendicular to the face), and which face (`'inferior'`, `'left'`, …, named by the
 * patient direction the face looks to); null for an empty label.
 * @example borderDistance(labelTouchingSlice0) // { mm: 0, side: 'inferior' } for a RAS-stored scan
 */
export function borderDistance(label: Volume<Uint8Array>): { mm: number; side: string } | null {
  const box = boundingBox(label.data, label.shape);
  if (box === null) return null;
  const step = planeSpacing(label.affine);
  const codes = axisCodes(label.affine);
  let best = { mm: Infinity, side: '' };
  for (let a = 0; a < 3; a++) {
    const low = box.start[a] * step[a];
    const high = (label.shape[a] - box.end[a]) * step[a];
    if (low < best.mm) best = { mm: low, side: SIDE[OPPOSITE[codes[a]]] };
    if (high < best.mm) best = { mm: high, side: SIDE[codes[a]] };
  }
  return best;
}

function borderCheck(label: Volume<Uint8Array>): QualityCheck {
  const d = borderDistance(label);
  const expected = `≥ ${MIN_BORDER_DISTANCE_MM} mm`;
  if (d === null) {
    return { id: 'border-distance', status: 'not-applicable', value: 'no tumour', expected, message: 'No tumour was segmented, so there is no distance to the edge of the scan.' };
  }
  const value = `${fmt(d.mm)} mm (${d.side} edge)`;
  if (d.mm < MIN_BORDER_DISTANCE_MM) {
    return {
      id: 'border-distance', status: 'warning', value, expected,
      message: `The tumour comes within ${fmt(d.mm)} mm of the ${d.side} edge of the scan, so part of it may lie outside the images and its size may be underestimated.`,
    };
  }
  return { id: 'border-distance', status: 'ok', value, expected, message: `The tumour lies ${fmt(d.mm)} mm from the nearest edge of the scan (${d.side}).` };
}

function localisationCheck(l: QualityLocalisation | undefined): QualityCheck {
  const expected = `0 to ${MAX_LOCALISER_REGIONS} regions (no tumour, one side, or both sides in NF2)`;
  if (l === undefined) {
    return { id: 'localisation', status: 'not-applicable', value: 'no localiser pass', expected, message: 'The whole scan was segmented, without a localiser pass.' };
  }
  const n = l.regions.length;
  if (n === 0) {
    return { id: 'localisation', status: 'ok', value: '0 regions', expected, message: 'The localiser found no region that may hold a tumour, so the scan is reported as having none.' };
  }
  const where = l.regions
    .map((r) => `centred at RAS ${rasText(r.centreRas)} mm, ${r.sizeMm.map((s) => fmt(s, 0)).join(' × ')} mm (z × y × x), probability up to ${fmt(r.maxProbability, 2)}`)
    .join('; ');
  const value = `${n} region${n === 1 ? '' : 's'}: ${where}`;
  if (n > MAX_LOCALISER_REGIONS) {
    return {
      id: 'localisation', status: 'warning', value, expected,
      message: `The localiser found ${n} regions that may hold a tumour, more than the two sides a vestibular schwannoma can occupy, so some are probably other structures: ${where}.`,
    };
  }
  return { id: 'localisation', status: 'ok', value, expected, message: `The localiser found ${n === 1 ? 'one region' : 'two regions'} that may hold a tumour: ${where}.` };
}

function modelCheck(m: QualityModel): QualityCheck {
  const trained = m.trainedOn.trim() || 'unknown';
  const expected = "meatus's built-in model, or a model whose training data are known";
  if (m.builtIn) {
    return { id: 'model', status: 'ok', value: `built-in; trained on ${trained}`, expected, message: "meatus's built-in model made this segmentation; it was trained on synthetic phantoms, not on patient scans." };
  }
  return {
    id: 'model', status: 'warning', value: `${m.name}; trained on ${trained}`, expected,
    message:
      trained === 'unknown'
        ? `This segmentation comes from ${m.name}, not meatus's built-in model, and its training data are not recorded, so meatus cannot say what scans it suits.`
        : `This segmentation comes from ${m.name}, not meatus's built-in model; it was trained on ${trained}, and meatus has not checked it.`,
  };
}

/**
 * Runs every plausibility check on one segmentation (see the file comment and each rule's
 * constant). The section is plain data for the measurements JSON and the report.
 * @throws Error if the label and the T2 differ in shape, or an affine is degenerate.
 * @example
 * const q = assessQuality({ t2, label, measurements: measure(label), model });
 * q.summary.text; // 'no warnings'
 */
export function assessQuality(input: QualityInput): QualitySection {
  const { t2, label } = input;
  if (t2.shape.some((s, a) => s !== label.shape[a])) {
    throw new Error(`assessQuality: label: shape ${label.shape.join('×')} differs from the T2 shape ${t2.shape.join('×')}`);
  }
  const checks = [
    tumourSizeCheck(input.measurements, input.components),
    componentsCheck(input.components),
    borderCheck(label),
    localisationCheck(input.localisation),
    spacingCheck(t2, input.model),
    intensityCheck(t2, label, input.model),
    orientationCheck(t2),
    modelCheck(input.model),
  ];
  const warnings = checks.filter((c) => c.status === 'warning').length;
  return { checks, summary: { warnings, text: warnings === 0 ? 'no warnings' : `${warnings} warning${warnings === 1 ? '' : 's'}` } };
}

/**
 * The warnings of a quality section as console lines, `warning: <case>: <message>`, in check order.
 * @example qualityWarningLines(q, 'case01') // ['warning: case01: The segmented tumour measures 369.8 mL …']
 */
export function qualityWarningLines(q: QualitySection, caseId: string): string[] {
  return q.checks.filter((c) => c.status === 'warning').map((c) => `warning: ${caseId}: ${c.message}`);
}
