/**
 * Longitudinal series: several scans of one patient, as in surveillance imaging (the paper's 227
 * timepoints of 137 patients). Anatomy, tumour side, tissue signals and scan protocol stay fixed;
 * each scan has a new pose, bias field and noise; the tumour grows between scans.
 *
 * Growth: with probability 0.3 a tumour is stable; otherwise its volume doubles every 1.5–6
 * years (linear size factor `2^(years / (3 · doubling))`). Scans are 6–18 months apart.
 */

import { Rng, type Seed } from '../random.js';
import { type PhantomConfig, resolvePhantomConfig } from './config.js';
import { type Phantom, drawPatient, renderPhantom } from './generate.js';
import { growTumour } from './tumour.js';

/**
 * Generates `timepoints` scans of the patient drawn from `seed`. Timepoint 0 equals
 * `generatePhantom(config, seed)`.
 * @throws Error for a non-positive `timepoints` or an invalid config.
 */
export function generateSeries(config: Partial<PhantomConfig>, seed: Seed, timepoints: number): Phantom[] {
  if (!Number.isInteger(timepoints) || timepoints < 1) throw new Error(`generateSeries: timepoints: expected a positive integer, got ${timepoints}`);
  const patient = drawPatient(resolvePhantomConfig(config), seed);
  const rng = new Rng(patient.seed).fork('growth');
  const stable = rng.bool(0.3);
  const doublingYears = rng.uniform(1.5, 6);
  const ear = patient.anatomy.ears[patient.side];
  const out: Phantom[] = [];
  let months = 0;
  for (let t = 0; t < timepoints; t++) {
    if (t > 0) months += Math.round(rng.uniform(6, 18));
    const f = stable ? 1 : 2 ** (months / 12 / (3 * doublingYears));
    out.push(renderPhantom(patient, growTumour(patient.tumour, ear, f), t, { timepoint: t, months }));
  }
  return out;
}
