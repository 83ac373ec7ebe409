/**
 * `generatePhantom`: one synthetic T2 volume of the cerebellopontine angle with a vestibular
 * schwannoma and its exact IM/EM label map.
 *
 * Pipeline: draw a patient (anatomy, tumour side, Koos grade, tumour, tissue signals, scan
 * protocol) → place the scan (pose, FOV) → render with partial volume (render.ts) → scale by the
 * scanner gain → multiply by a bias field → add Rician noise. Every step draws from its own
 * seeded stream, so the same `(config, seed)` gives bit-identical output.
 */

import type { Vec3, Volume } from '../../volume/volume.js';
import { Rng, type Seed } from '../random.js';
import { type Anatomy, type Side, drawAnatomy } from './anatomy.js';
import { type Acquisition, type Protocol, addRicianNoise, applyBiasField, drawAcquisition, drawProtocol, headToRas, renderGrid } from './acquisition.js';
import { type FieldOfView, type PhantomConfig, resolvePhantomConfig, supersampling } from './config.js';
import { type P3, apply3 } from './geometry.js';
import { renderScene } from './render.js';
import { buildScene, drawSignals } from './scene.js';
import { type Koos, type Tumour, drawTumour, emDiameter, imLength, koosOf } from './tumour.js';

/** What describes a phantom besides its voxels. */
export interface PhantomMeta {
  /** The seed of the patient. */
  seed: number;
  /** Koos grade implied by the tumour size. */
  koos: Koos;
  side: Side;
  /** Nominal length of the IM part along the canal, mm. */
  imLengthMm: number;
  /** Nominal largest EM diameter, mm (generator parameter, not measured); absent for Koos I. */
  emDiameterMm?: number;
  /** Label volumes in mm³, counted on the label map. */
  volumes: { extrameatal: number; intrameatal: number; total: number };
  fov: FieldOfView;
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
  return {
    seed: rng.seed,
    config,
    anatomy,
    side,
    koos,
    tumour: drawTumour(rng.fork('tumour'), anatomy.ears[side], koos),
    signals: drawSignals(rng.fork('signals')),
    protocol: drawProtocol(rng.fork('protocol'), config),
    gain: pick.uniform(...config.gain),
    noise: pick.uniform(...config.noise),
  };
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
  const scene = buildScene(patient.anatomy, patient.side, tumour, patient.signals);
  const r = renderScene(scene, renderGrid(acq), { supersample: supersampling(c), labelRule: c.labelRule });
  const signal = r.signal;
  const gain = patient.gain;
  for (let v = 0; v < signal.length; v++) signal[v] *= gain;
  applyBiasField(signal, acq.shape, rng.fork('bias'), c.biasStrength);
  addRicianNoise(signal, patient.noise * gain, rng.fork('noise'));
  const geometry = { shape: [...acq.shape] as Vec3, spacing: [...acq.spacing] as Vec3, affine: [...acq.affine] };
  const image: Volume<Float32Array> = { data: signal, ...geometry };
  const label: Volume<Uint8Array> = { data: r.label, shape: [...acq.shape] as Vec3, spacing: [...acq.spacing] as Vec3, affine: [...acq.affine] };
  const counts = [0, 0, 0];
  for (let v = 0; v < r.label.length; v++) counts[r.label[v]]++;
  const voxelMm3 = acq.spacing[0] * acq.spacing[1] * acq.spacing[2];
  const ear = patient.anatomy.ears[patient.side];
  const em = emDiameter(tumour);
  return {
    image,
    label,
    meta: {
      seed: patient.seed,
      koos: koosOf(tumour),
      side: patient.side,
      imLengthMm: round(imLength(tumour)),
      ...(em > 0 ? { emDiameterMm: round(em) } : {}),
      volumes: { extrameatal: round(counts[1] * voxelMm3), intrameatal: round(counts[2] * voxelMm3), total: round((counts[1] + counts[2]) * voxelMm3) },
      fov: c.fov,
      oblique: acq.oblique,
      flipped: acq.flipped,
      spacing: acq.spacing.map(round) as Vec3,
      shape: [...acq.shape] as Vec3,
      poseDeg: acq.poseDeg.map(round) as P3,
      porusRas: headToRas(acq, ear.porus).map(round) as P3,
      canalAxisRas: apply3(acq.poseRotation, ear.axis).map((v) => Math.round(v * 1e4) / 1e4) as P3,
      timepoint: timing.timepoint,
      months: timing.months,
      ...(timing.date !== undefined ? { date: timing.date } : {}),
      ...(timing.sizeFactor !== undefined ? { sizeFactor: timing.sizeFactor } : {}),
    },
  };
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
