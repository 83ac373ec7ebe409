/**
 * Generates a synthetic nnU-Net raw dataset of VS phantoms: `cases` scans of `patients`
 * patients (each patient at least one timepoint; the rest spread at random), named
 * `VS_p<3-digit patient>_t<2-digit timepoint>` (both 1-based), all in `imagesTr/`/`labelsTr/`,
 * plus `dataset.json` and `phantoms.json` (the meta data of every case). Same options and seed →
 * bit-identical files.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../nnunet.js';
import { Rng } from '../random.js';
import type { PhantomConfig } from './config.js';
import type { Phantom, PhantomMeta } from './generate.js';
import { generateSeries } from './longitudinal.js';

/** Options of {@link generatePhantomDataset}. */
export interface PhantomDatasetOptions {
  /** Output folder (created). */
  out: string;
  /** Number of scans (timepoints over all patients). */
  cases: number;
  /** Number of patients (default: cases × 137/227, the paper's ratio, at least 1). */
  patients?: number;
  seed?: number;
  config?: Partial<PhantomConfig>;
  /** Called after each case is written (progress, previews). */
  onCase?: (name: string, phantom: Phantom) => void | Promise<void>;
}

/** What was generated. */
export interface PhantomDatasetSummary {
  out: string;
  patients: number;
  cases: { name: string; meta: PhantomMeta }[];
  seconds: number;
}

/** How many timepoints each patient gets. */
export function timepointsPerPatient(cases: number, patients: number, seed: number): number[] {
  if (!Number.isInteger(cases) || cases < 1) throw new Error(`phantom dataset: cases: expected a positive integer, got ${cases}`);
  if (!Number.isInteger(patients) || patients < 1 || patients > cases) {
    throw new Error(`phantom dataset: patients: expected an integer in [1, ${cases}] (the number of cases), got ${patients}`);
  }
  const rng = new Rng(`timepoints:${seed}`);
  const tp = new Array<number>(patients).fill(1);
  for (let i = patients; i < cases; i++) tp[rng.int(0, patients)]++;
  return tp;
}

/** Generates and writes the dataset; see the module comment. */
export async function generatePhantomDataset(o: PhantomDatasetOptions): Promise<PhantomDatasetSummary> {
  const t0 = performance.now();
  const seed = o.seed ?? 0;
  const patients = o.patients ?? Math.max(1, Math.round((o.cases * 137) / 227));
  const tp = timepointsPerPatient(o.cases, patients, seed);
  await mkdir(o.out, { recursive: true });
  const cases: PhantomDatasetSummary['cases'] = [];
  for (let p = 0; p < patients; p++) {
    const series = generateSeries(o.config ?? {}, `${seed}:patient:${p}`, tp[p]);
    for (const ph of series) {
      const name = `VS_p${String(p + 1).padStart(3, '0')}_t${String(ph.meta.timepoint + 1).padStart(2, '0')}`;
      await writeNnunetCase(o.out, name, [ph.image], ph.label);
      cases.push({ name, meta: ph.meta });
      await o.onCase?.(name, ph);
    }
  }
  await writeDatasetJson(
    o.out,
    datasetJson(cases.length, { name: 'VS_phantom', description: `meatus synthetic VS phantoms, seed ${seed}`, reference: 'meatus phantom', licence: 'CC0' }),
  );
  await writeFileAtomic(join(o.out, 'phantoms.json'), JSON.stringify({ seed, cases }, null, 2) + '\n');
  return { out: o.out, patients, cases, seconds: (performance.now() - t0) / 1000 };
}
