/**
 * `generatePhantom`: one synthetic T2 volume — a crop around the cerebellopontine angle, or a whole
 * head (or posterior-fossa slab) at a public dataset's geometry — with its exact IM/EM label map:
 * one vestibular schwannoma, none (a healthy head: an all-0 label, `meta.tumours` empty), or one in
 * each ear (NF2, `bilateralProbability`), among the anatomy of `anatomy.ts` with the arteries as flow
 * voids.
 *
 * Pipeline: draw a patient (anatomy, tumour side, Koos grade, tumour, tissue signals raised to the
 * protocol's contrast exponent, scan protocol; then, from a stream of their own so that older
 * configs draw the same patients, healthy or NF2 and the arteries) → place the scan (pose, FOV,
 * storage order: axial, or sagittal for `iso`) → render with partial volume (render.ts) → scale by
 * the scanner gain → add a motion-like ghost → multiply by a bias field → add Rician noise. Every
 * step draws from its own seeded stream, so the same `(config, seed)` gives bit-identical output.
 */

import type { Vec3, Volume } from '../../volume/volume.js';
import { nearestVoxel } from '../../volume/orientation.js';
import { Rng, type Seed } from '../random.js';
import { type Anatomy, type Side, type Vessels, drawAnatomy, drawVessels } from './anatomy.js';
import { type Acquisition, type Protocol, addRicianNoise, applyBiasField, drawAcquisition, drawProtocol, headToRas, renderGrid } from './acquisition.js';
import { type FieldOfView, type PhantomConfig, resolvePhantomConfig, supersampling } from './config.js';
import { type P3, apply3 } from './geometry.js';
import { renderScene } from './render.js';
import { type PlacedTumour, buildScene, drawSignals } from './scene.js';
import { type Koos, type Tumour, drawTumour, emDiameter, imLength, koosOf } from './tumour.js';

/** One tumour of a phantom. */
export interface PhantomTumourMeta {
  side: Side;
  /** Koos grade implied by the tumour size. */
  koos: Koos;
  /** Nominal length of the IM part along the canal, mm. */
  imLengthMm: number;
  /** Nominal largest EM diameter, mm; absent for Koos I. */
  emDiameterMm?: number;
  /** The porus centre and the canal direction (lateral) of its ear in RAS mm. */
  porusRas: P3;
  canalAxisRas: P3;
}

/** One ear of a phantom (both are always drawn), with or without a tumour. */
export interface PhantomEarMeta {
  side: Side;
  /** A tumour fills (part of) this ear's canal. */
  tumour: boolean;
  /** The porus centre and the canal direction (lateral, unit) in RAS mm. */
  porusRas: P3;
  canalAxisRas: P3;
  /** Length of the internal auditory canal, porus to fundus, mm. */
  canalLengthMm: number;
}

/** What describes a phantom besides its voxels. */
export interface PhantomMeta {
  /** The seed of the patient. */
  seed: number;
  /** A healthy head: no tumour (then `koos` is absent, `imLengthMm` is 0, `tumours` is empty). */
  healthy: boolean;
  /** Every tumour (two for an NF2 patient), the first one being the one `koos`, `side`, … describe. */
  tumours: PhantomTumourMeta[];
  /** Koos grade implied by the (first) tumour's size; absent for a healthy head. */
  koos?: Koos;
  /** The side of the (first) tumour; for a healthy head, the side whose porus `porusRas` gives. */
  side: Side;
  /** Nominal length of the IM part along the canal, mm. */
  imLengthMm: number;
  /** Nominal largest EM diameter, mm (generator parameter, not measured); absent for Koos I. */
  emDiameterMm?: number;
  /** Label volumes in mm³, counted on the label map. */
  volumes: { extrameatal: number; intrameatal: number; total: number };
  fov: FieldOfView;
  /** The named head geometry (`HEAD_GEOMETRIES`), if one was used. */
  geometry?: string;
  /** Slices stored sagittally. */
  sagittal: boolean;
  /** Protocol look: contrast exponent and ghost amplitude. */
  contrast: number;
  ghosting: number;
  /** Grid rotated against RAS. */
  oblique: boolean;
  /** In-plane axes stored right-to-left / anterior-to-posterior. */
  flipped: boolean;
  spacing: Vec3;
  shape: Vec3;
  /** Head rotation in the scanner, degrees about x, y, z. */
  poseDeg: P3;
  /** The porus centre and the canal direction (lateral) in RAS mm. */
  porusRas: P3;
  canalAxisRas: P3;
  /** Both ears, right then left: where the normal canals are (see {@link normalCanalPoints}). */
  ears: PhantomEarMeta[];
  /** Timepoint index (0 = baseline) and months since baseline, for longitudinal series. */
  timepoint: number;
  months: number;
  /** Scan date, ISO YYYY-MM-DD (longitudinal series; absent for a single phantom). */
  date?: string;
  /** Linear size factor of the extrameatal part since the first scan (1 at baseline). */
  sizeFactor?: number;
}

/** A generated case. */
export interface Phantom {
  image: Volume<Float32Array>;
  label: Volume<Uint8Array>;
  meta: PhantomMeta;
}

/** A patient: everything that stays the same across timepoints. */
export interface PhantomPatient {
  seed: number;
  config: PhantomConfig;
  anatomy: Anatomy;
  side: Side;
  koos: Koos;
  tumour: Tumour;
  /** No tumour is rendered (a healthy head; `tumour` is drawn but not shown). */
  healthy: boolean;
  /** NF2: a second tumour in the other ear. */
  contralateral?: { koos: Koos; tumour: Tumour };
  /** Arteries, or null when the patient has none drawn. */
  vessels: Vessels | null;
  signals: Float32Array;
  protocol: Protocol;
  gain: number;
  noise: number;
}

/** Draws a patient from `seed` (its own streams: anatomy, tumour, signals, protocol). */
export function drawPatient(config: PhantomConfig, seed: Seed): PhantomPatient {
  const rng = new Rng(seed);
  const anatomy = drawAnatomy(rng.fork('anatomy'));
  const pick = rng.fork('case');
  const side: Side = config.side ?? (pick.bool() ? 'left' : 'right');
  const koos = config.koos ?? ((pick.weighted(config.koosWeights) + 1) as Koos);
  const protocol = drawProtocol(rng.fork('protocol'), config);
  const signals = drawSignals(rng.fork('signals')).map((v) => v ** protocol.contrast);
  const patient: PhantomPatient = {
    seed: rng.seed,
    config,
    anatomy,
    side,
    koos,
    tumour: drawTumour(rng.fork('tumour'), anatomy.ears[side], koos),
    healthy: false,
    vessels: null,
    signals,
    protocol,
    gain: pick.uniform(...config.gain),
    noise: pick.uniform(...config.noise),
  };
  // Draws added after the original ones (their own streams), so older configs give the same patients.
  const more = rng.fork('cohort');
  patient.healthy = more.bool(config.healthyProbability);
  if (!patient.healthy && more.bool(config.bilateralProbability)) {
    const other: Side = side === 'left' ? 'right' : 'left';
    const k2 = (more.weighted(config.koosWeights) + 1) as Koos;
    patient.contralateral = { koos: k2, tumour: drawTumour(rng.fork('tumour-2'), anatomy.ears[other], k2) };
  }
  if (more.bool(config.vesselProbability)) patient.vessels = drawVessels(rng.fork('vessels'));
  return patient;
}

/** The tumours of a scan: none (healthy), the patient's (possibly grown) one, and an NF2 patient's second. */
function placedTumours(patient: PhantomPatient, tumour: Tumour): PlacedTumour[] {
  if (patient.healthy) return [];
  const out: PlacedTumour[] = [{ side: patient.side, tumour }];
  if (patient.contralateral) out.push({ side: patient.side === 'left' ? 'right' : 'left', tumour: patient.contralateral.tumour });
  return out;
}

/**
 * Adds a motion-like ghost in place: `amplitude` times the image shifted by `shift` of its extent
 * along array axis 1 (the phase-encoding direction), wrapping around as a Fourier ghost does.
 */
export function addGhost(signal: Float32Array, shape: Vec3, amplitude: number, shift: number): void {
  if (amplitude <= 0) return;
  const [nz, ny, nx] = shape;
  const d = Math.round(shift * ny) % ny;
  if (d === 0) return;
  const plane = new Float32Array(ny * nx);
  for (let k = 0; k < nz; k++) {
    const off = k * ny * nx;
    plane.set(signal.subarray(off, off + ny * nx));
    for (let j = 0; j < ny; j++) {
      const src = ((j + d) % ny) * nx;
      const dst = off + j * nx;
      for (let i = 0; i < nx; i++) signal[dst + i] += amplitude * plane[src + i];
    }
  }
}

/**
 * Renders one scan of `patient` with `tumour` (the patient's own, or a grown one); `scanKey`
 * selects the pose, bias and noise streams (e.g. the timepoint index).
 */
export function renderPhantom(
  patient: PhantomPatient,
  tumour: Tumour,
  scanKey: Seed,
  timing: { timepoint: number; months: number; date?: string; sizeFactor?: number } = { timepoint: 0, months: 0 },
): Phantom {
  const c = patient.config;
  const rng = new Rng(patient.seed).fork(`scan:${scanKey}`);
  const acq: Acquisition = drawAcquisition(rng.fork('pose'), c, patient.protocol, patient.anatomy, patient.side);
  const placed = placedTumours(patient, tumour);
  const scene = buildScene(patient.anatomy, placed, patient.signals, patient.vessels);
  const r = renderScene(scene, renderGrid(acq), { supersample: supersampling(c), labelRule: c.labelRule });
  const signal = r.signal;
  const gain = patient.gain;
  for (let v = 0; v < signal.length; v++) signal[v] *= gain;
  addGhost(signal, acq.shape, acq.ghost.amplitude, acq.ghost.shift);
  applyBiasField(signal, acq.shape, rng.fork('bias'), c.biasStrength);
  addRicianNoise(signal, patient.noise * gain, rng.fork('noise'));
  const geometry = { shape: [...acq.shape] as Vec3, spacing: [...acq.spacing] as Vec3, affine: [...acq.affine] };
  const image: Volume<Float32Array> = { data: signal, ...geometry };
  const label: Volume<Uint8Array> = { data: r.label, shape: [...acq.shape] as Vec3, spacing: [...acq.spacing] as Vec3, affine: [...acq.affine] };
  const counts = [0, 0, 0];
  for (let v = 0; v < r.label.length; v++) counts[r.label[v]]++;
  const voxelMm3 = acq.spacing[0] * acq.spacing[1] * acq.spacing[2];
  const ear = patient.anatomy.ears[patient.side];
  const tumours: PhantomTumourMeta[] = placed.map((p) => {
    const e = patient.anatomy.ears[p.side];
    const d = emDiameter(p.tumour);
    return {
      side: p.side,
      koos: koosOf(p.tumour),
      imLengthMm: round(imLength(p.tumour)),
      ...(d > 0 ? { emDiameterMm: round(d) } : {}),
      porusRas: headToRas(acq, e.porus).map(round) as P3,
      canalAxisRas: apply3(acq.poseRotation, e.axis).map((v) => Math.round(v * 1e4) / 1e4) as P3,
    };
  });
  const ears: PhantomEarMeta[] = (['right', 'left'] as const).map((side) => {
    const e = patient.anatomy.ears[side];
    return {
      side,
      tumour: placed.some((p) => p.side === side),
      porusRas: headToRas(acq, e.porus).map(round) as P3,
      canalAxisRas: apply3(acq.poseRotation, e.axis).map((v) => Math.round(v * 1e4) / 1e4) as P3,
      canalLengthMm: round(e.canalLength),
    };
  });
  const first = tumours[0];
  return {
    image,
    label,
    meta: {
      seed: patient.seed,
      healthy: patient.healthy,
      tumours,
      ...(first ? { koos: first.koos } : {}),
      side: patient.side,
      imLengthMm: first?.imLengthMm ?? 0,
      ...(first?.emDiameterMm !== undefined ? { emDiameterMm: first.emDiameterMm } : {}),
      volumes: { extrameatal: round(counts[1] * voxelMm3), intrameatal: round(counts[2] * voxelMm3), total: round((counts[1] + counts[2]) * voxelMm3) },
      fov: c.fov,
      ...(acq.geometry ? { geometry: acq.geometry } : {}),
      sagittal: acq.sagittal,
      contrast: round(acq.contrast),
      ghosting: round(acq.ghost.amplitude),
      oblique: acq.oblique,
      flipped: acq.flipped,
      spacing: acq.spacing.map(round) as Vec3,
      shape: [...acq.shape] as Vec3,
      poseDeg: acq.poseDeg.map(round) as P3,
      porusRas: headToRas(acq, ear.porus).map(round) as P3,
      canalAxisRas: apply3(acq.poseRotation, ear.axis).map((v) => Math.round(v * 1e4) / 1e4) as P3,
      ears,
      timepoint: timing.timepoint,
      months: timing.months,
      ...(timing.date !== undefined ? { date: timing.date } : {}),
      ...(timing.sizeFactor !== undefined ? { sizeFactor: timing.sizeFactor } : {}),
    },
  };
}

/**
 * The middle of every normal internal auditory canal of a phantom (RAS mm): one point per ear
 * without a tumour — two in a healthy head, one beside a unilateral tumour, none in NF2 — and, given
 * the scan's grid, only those inside it (a crop holds one ear). The canal is where a model most often
 * finds a tumour that is not there, so these are the phantom's hard negatives (`hard-negatives.json`
 * of `meatus phantom`, `meatus train --hard-negatives`).
 */
export function normalCanalPoints(meta: Pick<PhantomMeta, 'ears'>, grid?: Pick<Volume, 'shape' | 'affine'>): P3[] {
  return meta.ears
    .filter((e) => !e.tumour)
    .map((e) => e.porusRas.map((v, a) => round(v + (e.canalAxisRas[a] * e.canalLengthMm) / 2)) as P3)
    .filter((p) => !grid || nearestVoxel(grid.affine, grid.shape, p).inside);
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/**
 * Generates one phantom (the baseline scan of the patient drawn from `seed`).
 * @param config a partial {@link PhantomConfig}; missing fields take the defaults.
 * @throws Error naming the config field for an invalid option.
 * @example
 * const { image, label, meta } = generatePhantom({ koos: 3 }, 7);
 * meta.volumes.extrameatal; // mm³
 */
export function generatePhantom(config: Partial<PhantomConfig> = {}, seed: Seed = 0): Phantom {
  const patient = drawPatient(resolvePhantomConfig(config), seed);
  return renderPhantom(patient, patient.tumour, 0);
}
