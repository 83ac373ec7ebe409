/**
 * The one-call measurement API: everything a clinician reports about a vestibular schwannoma
 * segmented into extrameatal (EM) and intrameatal (IM) parts — volumes, the largest extrameatal
 * axial diameter (the reported tumour size) and the IM part's extent along the canal — as one
 * JSON-friendly object, plus a human-readable rendering for the CLI.
 *
 * The definitions live beside the code that computes them: `volumes.ts` (|det| voxel volume),
 * `diameter.ts` (axial slices from the affine, slice-plane measurement, voxel centres or edges),
 * `canal.ts` (principal-axis canal direction).
 */
import { axialAxis } from '../volume/orientation.js';
import { label as labelComponents } from '../volume/components.js';
import type { Mat4, Vec3, Volume } from '../volume/volume.js';
import { canalNotes, formatEigenRatio, intrameatalExtent, type CanalExtent } from './canal.js';
import { axialDiameter, type AxialDiameter } from './diameter.js';
import { largestDiameter3d, type Diameter3d } from './diameter-3d.js';
import { checkAffine } from './geometry.js';
import { guidelineMeasurements, type GuidelineMeasurements } from './guideline.js';
import type { SliceLine } from './interface-line.js';
import { DEFAULT_LABELS, tumourVolumes, type TumourLabels, type VolumeValue } from './volumes.js';

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Measure distances to voxel edges instead of voxel centres (default false: centres). */
  toVoxelEdges?: boolean;
  /** Label values of the parts (default crossMoDA 2023: 1 extrameatal, 2 intrameatal). */
  labels?: TumourLabels;
  /** Smallest EM diameter perpendicular to the IM/EM interface for a real EM part, mm (default 2). */
  perpendicularMinMm?: number;
}

/** Everything {@link measure} reports. Plain numbers, arrays and strings: `JSON.stringify` keeps it whole. */
export interface Measurements {
  /** Volumes of the parts, mm³ and mL. */
  volumes: { extrameatal: VolumeValue; intrameatal: VolumeValue; wholeTumour: VolumeValue };
  /** Largest extrameatal diameter over the axial slices, mm; `null` without an extrameatal part (report 0). */
  extrameatalAxialDiameter: AxialDiameter | null;
  /** Largest whole-tumour (EM ∪ IM) diameter over the axial slices, mm; `null` for an empty label map. */
  wholeTumourAxialDiameter: AxialDiameter | null;
  /** Largest 3-D diameters (between voxel centres or edges), mm; `null` for an absent part. */
  diameters3d: { extrameatal: Diameter3d | null; wholeTumour: Diameter3d | null };
  /**
   * The guideline measurements: the IM/EM interface line, the IM/EM diameters parallel and the EM
   * diameter perpendicular to it, and the reported size by the authors' rule (`guideline.ts`).
   */
  guideline: GuidelineMeasurements;
  /** Extent of the intrameatal part along the canal axis; `null` without an intrameatal part. */
  intrameatalExtent: CanalExtent | null;
  /** Whether the tumour has an extrameatal part (false: purely intrameatal, or no tumour). */
  extrameatal: boolean;
  /** What distances were measured to: voxel centres (default) or voxel edges. */
  measuredTo: 'voxel centres' | 'voxel edges';
  /** Caveats in plain words (no extrameatal part, ill-defined canal axis, …). */
  notes: string[];
  /**
   * Present when tumour lies on both sides of the head (NF2, or a false detection on one side):
   * each side's tumour measured on its own. The volumes above are then those of both sides together;
   * the diameters, guideline measurements and extent above are the larger tumour's (by whole-tumour
   * volume), since those of both together would span the head; the notes above are each side's.
   * A connected component (26-connected) belongs to the side of its centroid: RAS x < 0 is the
   * patient's left.
   */
  sides?: { left: Measurements; right: Measurements };
  /**
   * The side of the head the tumour lies on when it lies on one side only (RAS x < 0: the patient's
   * left, by the centroid of each 26-connected component, as `sides`); absent without tumour and
   * when `sides` is present. Growth over time follows each side with it (`growth.ts`). Like `sides`
   * it takes the scanner's left–right origin (RAS x = 0) to lie between the ears.
   */
  side?: TumourSide;
}

/** A side of the patient's head. */
export type TumourSide = 'left' | 'right';

/**
 * How a side is stated to a reader, with its basis: the sign of RAS x, which names the side right
 * when the scanner's left–right origin lies between the ears (a head at the isocentre).
 */
export const SIDE_TEXT: Readonly<Record<TumourSide, string>> = Object.freeze({
  left: "the patient's left (RAS x < 0 in the scan's coordinates; check it on the images)",
  right: "the patient's right (RAS x ≥ 0 in the scan's coordinates; check it on the images)",
});

/**
 * Measures a label map (0 background, 1 extrameatal, 2 intrameatal by default).
 * @param label - The label map; its affine decides which slices are axial and the mm scale.
 * @param opts - `toVoxelEdges` (default false) and `labels` (default `{ extrameatal: 1, intrameatal: 2 }`).
 * @returns Volumes (mm³, mL), largest axial diameters of the EM part and of the whole tumour (mm),
 *   the IM extent along the canal (mm), the `extrameatal` flag and notes.
 * @throws Error if the volume has more than one channel or data of the wrong length, if a voxel
 *   holds a value other than 0 and the two labels (the message names the value and the voxel), or
 *   if the affine is degenerate.
 * @example
 * const m = measure(await readNifti('seg.nii.gz'));
 * console.log(formatMeasurements(m)); // "Extrameatal volume: 1234.5 mm³ (1.23 mL)" …
 */
export function measure(label: Volume, opts: MeasureOptions = {}): Measurements {
  const m = measureOne(label, opts);
  const split = splitSides(label.data, label.shape, label.affine);
  if (split === null) return m;
  if ('side' in split) return { ...m, side: split.side };
  const side = (data: Uint8Array) => measureOne({ ...label, data }, opts);
  const sides = { left: side(split.left), right: side(split.right) };
  const ml = (x: Measurements) => `${x.volumes.wholeTumour.ml.toFixed(2)} mL`;
  // The diameters, guideline measurements and extent of both together would span the head: the
  // larger tumour's stand at the top level, the volumes stay those of both.
  const larger = largerSide(sides);
  const notes = [
    `tumour on both sides of the head (left ${ml(sides.left)}, right ${ml(sides.right)}: NF2, or a false detection on one side): ` +
      `each side is measured on its own; the volumes are of both together, the diameters and the reported size those of the larger tumour (${larger} side)`,
    ...(['left', 'right'] as const).flatMap((s) => sides[s].notes.map((n) => `${s} side: ${n}`)),
  ];
  return { ...sides[larger], volumes: m.volumes, extrameatal: sides.left.extrameatal || sides.right.extrameatal, notes, sides };
}

/** The side whose tumour is the larger by whole-tumour volume (left on a tie): the top level's. */
export function largerSide(sides: { left: Measurements; right: Measurements }): TumourSide {
  return sides.left.volumes.wholeTumour.mm3 >= sides.right.volumes.wholeTumour.mm3 ? 'left' : 'right';
}

/**
 * The label map split into the patient's left and right (RAS x < 0 and ≥ 0, by the centroid of each
 * 26-connected tumour component); `{ side }` when all the tumour is on one side; null without tumour.
 * @param data - The label map, `[z, y, x]` with x fastest, of `shape`; any non-zero value is tumour.
 * @param affine - Voxel `(x, y, z)` → RAS+ mm, row-major 4 × 4.
 * @returns Two label maps of `data`'s length holding each side's voxels with their values, others 0.
 */
export function splitSides(data: ArrayLike<number>, shape: Vec3, affine: Mat4): { left: Uint8Array; right: Uint8Array } | { side: TumourSide } | null {
  const [nz, ny, nx] = shape;
  const rasX = (x: number, y: number, z: number) => affine[0] * x + affine[1] * y + affine[2] * z + affine[3];
  // A cheap pass first: most label maps hold tumour on one side only.
  let left = false;
  let right = false;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (data[i] === 0) continue;
        if (rasX(x, y, z) < 0) left = true;
        else right = true;
      }
    }
  }
  if (!(left && right)) return left ? { side: 'left' } : right ? { side: 'right' } : null;
  const wt = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) wt[i] = 1;
  const { labels, count } = labelComponents(wt, shape, 26);
  const sum = new Float64Array(count + 1);
  const n = new Float64Array(count + 1);
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (labels[i] === 0) continue;
        sum[labels[i]] += rasX(x, y, z);
        n[labels[i]]++;
      }
    }
  }
  const out = { left: new Uint8Array(data.length), right: new Uint8Array(data.length) };
  for (let i = 0; i < data.length; i++) {
    const k = labels[i];
    if (k !== 0) (sum[k] / n[k] < 0 ? out.left : out.right)[i] = data[i];
  }
  // A component across the midline belongs to its centroid's side: all may be on one side.
  if (!out.right.some((v) => v !== 0)) return { side: 'left' };
  if (!out.left.some((v) => v !== 0)) return { side: 'right' };
  return out;
}

/** {@link measure} of one label map as a whole. */
function measureOne(label: Volume, opts: MeasureOptions): Measurements {
  if ((label.channels ?? 1) !== 1) {
    throw new Error(`measure: label map must have one channel, got ${label.channels}`);
  }
  checkAffine('measure', label.affine);
  const ids = opts.labels ?? DEFAULT_LABELS;
  const { shape, affine, data } = label;
  const v = tumourVolumes(data, shape, affine, ids);
  const hasEm = v.voxels.extrameatal > 0;
  const hasIm = v.voxels.intrameatal > 0;
  const edges = opts.toVoxelEdges === true;

  const em = new Uint8Array(data.length);
  const wt = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    if (data[i] === ids.extrameatal) em[i] = 1;
    if (data[i] !== 0) wt[i] = 1;
  }
  const extent = intrameatalExtent(data, shape, affine, { labels: ids, toVoxelEdges: edges });

  const notes: string[] = [];
  if (!hasEm && !hasIm) notes.push('no tumour voxels: every measurement is 0 or absent');
  else if (!hasEm) {
    notes.push('purely intrameatal tumour: no extrameatal part, so extrameatal volume and diameter are 0');
  }
  if (hasEm && !hasIm) notes.push('no intrameatal part: no extent along the canal');
  notes.push(...canalNotes(extent, hasEm));

  const emDiameter = hasEm ? axialDiameter(em, shape, affine, { toVoxelEdges: edges }) : null;
  const wtDiameter = hasEm || hasIm ? axialDiameter(wt, shape, affine, { toVoxelEdges: edges }) : null;
  const axis = axialAxis(affine);
  const guideline = guidelineMeasurements(data, shape, affine, { extrameatal: emDiameter, wholeTumour: wtDiameter }, {
    labels: ids,
    toVoxelEdges: edges,
    perpendicularMinMm: opts.perpendicularMinMm,
  });
  if (hasEm && guideline.reportedSize.koosI) {
    notes.push(`the extrameatal voxels do not make a real extrameatal part by the guideline rule: ${guideline.reportedSize.reason}`);
  }
  return {
    volumes: { extrameatal: v.extrameatal, intrameatal: v.intrameatal, wholeTumour: v.wholeTumour },
    extrameatalAxialDiameter: emDiameter,
    wholeTumourAxialDiameter: wtDiameter,
    diameters3d: {
      extrameatal: hasEm ? largestDiameter3d(em, shape, affine, axis, { toVoxelEdges: edges }) : null,
      wholeTumour: hasEm || hasIm ? largestDiameter3d(wt, shape, affine, axis, { toVoxelEdges: edges }) : null,
    },
    guideline,
    intrameatalExtent: extent,
    extrameatal: hasEm,
    measuredTo: edges ? 'voxel edges' : 'voxel centres',
    notes,
  };
}

const AXIS_NAMES = ['z', 'y', 'x'];

function formatVolume(what: string, v: VolumeValue): string {
  return `${what} volume: ${v.mm3.toFixed(1)} mm³ (${v.ml.toFixed(2)} mL)`;
}

const ras = (p: readonly number[]) => `(${p.map((c) => c.toFixed(1)).join(', ')})`;

function formatDiameter(what: string, d: SliceLine | AxialDiameter | null, absent: string): string {
  if (d === null) return `${what}: 0.0 mm (${absent})`;
  return (
    `${what}: ${d.mm.toFixed(1)} mm (axial slice ${d.sliceIndex} (0-based) along array axis ${AXIS_NAMES[d.axis]}, ` +
    `between RAS ${ras(d.endpoints.ras[0])} and ${ras(d.endpoints.ras[1])} mm)`
  );
}

function format3d(what: string, d: Diameter3d | null): string {
  if (d === null) return `${what}: none`;
  return `${what}: ${d.mm.toFixed(1)} mm (between RAS ${ras(d.endpoints.ras[0])} on axial slice ${d.sliceIndices[0]} and ${ras(d.endpoints.ras[1])} on slice ${d.sliceIndices[1]}, 0-based)`;
}

/**
 * Renders measurements as human-readable lines (no trailing newline) for the CLI: volumes in
 * mm³ and mL, diameters and extents in mm with one decimal, then the notes. Tumour on both sides
 * (`sides`): each side in full, then the volumes of both together (their diameters would span the head).
 * @example
 * formatMeasurements(measure(label)).split('\n')[0]; // "Extrameatal volume: 1234.5 mm³ (1.23 mL)"
 */
export function formatMeasurements(m: Measurements): string {
  if (m.sides) {
    // Tumour on both sides: each side in full; of the two together only the volumes are given.
    const v = m.volumes;
    return [
      'Tumour on both sides of the head (NF2, or a false detection on one side): each side measured on its own.',
      ...([['Left', m.sides.left], ['Right', m.sides.right]] as const).flatMap(([name, side]) => [`${name} side:`, ...formatMeasurements(side).split('\n').map((l) => `  ${l}`)]),
      'Both sides together (volumes only; diameters across the head measure no tumour):',
      `  ${formatVolume('Extrameatal', v.extrameatal)}`,
      `  ${formatVolume('Intrameatal', v.intrameatal)}`,
      `  ${formatVolume('Whole tumour', v.wholeTumour)}`,
    ].join('\n');
  }
  const lines = [
    formatVolume('Extrameatal', m.volumes.extrameatal),
    formatVolume('Intrameatal', m.volumes.intrameatal),
    formatVolume('Whole tumour', m.volumes.wholeTumour),
    formatDiameter('Largest extrameatal axial diameter', m.extrameatalAxialDiameter, 'no extrameatal part'),
    formatDiameter('Largest whole-tumour axial diameter', m.wholeTumourAxialDiameter, 'no tumour'),
    format3d('Largest extrameatal 3-D diameter', m.diameters3d.extrameatal),
    format3d('Largest whole-tumour 3-D diameter', m.diameters3d.wholeTumour),
  ];
  const g = m.guideline;
  const noLine = 'no IM/EM interface';
  lines.push(
    formatDiameter('IM/EM interface line', g.interfaceLine, noLine),
    formatDiameter('Intrameatal diameter parallel to the interface', g.intrameatalParallel, noLine),
    formatDiameter('Extrameatal diameter parallel to the interface', g.extrameatalParallel, noLine),
    formatDiameter('Extrameatal diameter perpendicular to the interface', g.extrameatalPerpendicular, noLine),
    `Reported size: ${g.reportedSize.mm.toFixed(1)} mm, the ${g.reportedSize.kind} — ${g.reportedSize.reason}`,
  );
  const e = m.intrameatalExtent;
  if (e === null) lines.push('Intrameatal extent along the canal: none (no intrameatal part)');
  else {
    const dir = e.direction.map((c) => c.toFixed(2)).join(', ');
    const depth =
      e.interfaceToLateralMm === null
        ? ''
        : `; ${e.interfaceToLateralMm.toFixed(1)} mm from the IM/EM interface`;
    lines.push(
      `Intrameatal extent along the canal: ${e.mm.toFixed(1)} mm (axis RAS (${dir}), ` +
        `eigenvalue ratio ${formatEigenRatio(e.eigenRatio)}${depth})`,
    );
  }
  lines.push(`Distances measured to ${m.measuredTo}, in the plane of each acquired axial slice.`);
  if (m.side) lines.push(`Side: ${SIDE_TEXT[m.side]}`);
  for (const n of m.notes) lines.push(`Note: ${n}`);
  return lines.join('\n');
}
