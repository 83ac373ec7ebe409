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
import type { Volume } from '../volume/volume.js';
import { canalNotes, intrameatalExtent, type CanalExtent } from './canal.js';
import { axialDiameter, type AxialDiameter } from './diameter.js';
import { checkAffine } from './geometry.js';
import { DEFAULT_LABELS, tumourVolumes, type TumourLabels, type VolumeValue } from './volumes.js';

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Measure distances to voxel edges instead of voxel centres (default false: centres). */
  toVoxelEdges?: boolean;
  /** Label values of the parts (default crossMoDA 2023: 1 extrameatal, 2 intrameatal). */
  labels?: TumourLabels;
}

/** Everything {@link measure} reports. Plain numbers, arrays and strings: `JSON.stringify` keeps it whole. */
export interface Measurements {
  /** Volumes of the parts, mm³ and mL. */
  volumes: { extrameatal: VolumeValue; intrameatal: VolumeValue; wholeTumour: VolumeValue };
  /** Largest extrameatal diameter over the axial slices, mm; `null` without an extrameatal part (report 0). */
  extrameatalAxialDiameter: AxialDiameter | null;
  /** Largest whole-tumour (EM ∪ IM) diameter over the axial slices, mm; `null` for an empty label map. */
  wholeTumourAxialDiameter: AxialDiameter | null;
  /** Extent of the intrameatal part along the canal axis; `null` without an intrameatal part. */
  intrameatalExtent: CanalExtent | null;
  /** Whether the tumour has an extrameatal part (false: purely intrameatal, or no tumour). */
  extrameatal: boolean;
  /** What distances were measured to: voxel centres (default) or voxel edges. */
  measuredTo: 'voxel centres' | 'voxel edges';
  /** Caveats in plain words (no extrameatal part, ill-defined canal axis, …). */
  notes: string[];
}

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

  return {
    volumes: { extrameatal: v.extrameatal, intrameatal: v.intrameatal, wholeTumour: v.wholeTumour },
    extrameatalAxialDiameter: hasEm ? axialDiameter(em, shape, affine, { toVoxelEdges: edges }) : null,
    wholeTumourAxialDiameter:
      hasEm || hasIm ? axialDiameter(wt, shape, affine, { toVoxelEdges: edges }) : null,
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

function formatDiameter(what: string, d: AxialDiameter | null, absent: string): string {
  if (d === null) return `${what}: 0.0 mm (${absent})`;
  return (
    `${what}: ${d.mm.toFixed(1)} mm (slice ${d.sliceIndex} along array axis ${d.axis} (${AXIS_NAMES[d.axis]}), ` +
    `between RAS (${d.endpoints.ras[0].map((c) => c.toFixed(1)).join(', ')}) and ` +
    `(${d.endpoints.ras[1].map((c) => c.toFixed(1)).join(', ')}) mm)`
  );
}

/**
 * Renders measurements as human-readable lines (no trailing newline) for the CLI: volumes in
 * mm³ and mL, diameters and extents in mm with one decimal, then the notes.
 * @example
 * formatMeasurements(measure(label)).split('\n')[0]; // "Extrameatal volume: 1234.5 mm³ (1.23 mL)"
 */
export function formatMeasurements(m: Measurements): string {
  const lines = [
    formatVolume('Extrameatal', m.volumes.extrameatal),
    formatVolume('Intrameatal', m.volumes.intrameatal),
    formatVolume('Whole tumour', m.volumes.wholeTumour),
    formatDiameter('Largest extrameatal axial diameter', m.extrameatalAxialDiameter, 'no extrameatal part'),
    formatDiameter('Largest whole-tumour axial diameter', m.wholeTumourAxialDiameter, 'no tumour'),
  ];
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
        `eigenvalue ratio ${e.eigenRatio.toFixed(1)}${depth})`,
    );
  }
  lines.push(`Distances measured to ${m.measuredTo}, in the plane of each acquired axial slice.`);
  for (const n of m.notes) lines.push(`Note: ${n}`);
  return lines.join('\n');
}
