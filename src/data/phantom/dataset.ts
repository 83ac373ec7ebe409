/**
 * Generates a synthetic nnU-Net raw dataset of VS phantoms: `cases` scans of `patients`
 * patients (each patient at least one timepoint; the rest spread at random), named
 * `VS_p<3-digit patient>_t<2-digit timepoint>` (both 1-based), all in `imagesTr/`/`labelsTr/`,
 * plus `dataset.json`, `phantoms.json` (the meta data of every case), `dates.csv` (each scan's
 * date, `case,date`, see `data/scan-dates.ts`) and `hard-negatives.json` (the middle of every normal
 * internal auditory canal inside the scan, RAS mm, per case: {@link normalCanalPoints}; for `meatus
 * train --hard-negatives`). Same options and seed →
 * bit-identical files.
 */

import { makeDirs } from '../../util/output-path.js';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../nnunet.js';
import { Rng } from '../random.js';
import type { PhantomConfig } from './config.js';
import { type Phantom, type PhantomMeta, normalCanalPoints } from './generate.js';
import { checkSeriesOptions, generateSeries, type SeriesOptions } from './longitudinal.js';
import { formatScanDates } from '../scan-dates.js';
import { siblingModule, startModuleWorker } from '../../util/worker.js';

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
  /** Worker threads generating patients in parallel (default 1); the files are the same for any value. */
  jobs?: number;
  /** Called after each case is written (progress, previews). */
  onCase?: (name: string, meta: PhantomMeta, phantom: Phantom | null) => void | Promise<void>;
  /** Keep each case's volumes for `onCase` (forces `jobs` = 1; e.g. for previews). */
  keepPhantoms?: boolean;
  /** Longitudinal options of every patient's series: a set growth and the first scan date. */
  series?: SeriesOptions;
  /**
   * Number of the first patient (default 1): patients are `VS_p<first>…`, patient k drawn from seed
   * `<seed>:patient:<k − 1>` — so a second dataset with the same seed and `firstPatient` one past the
   * first's last patient holds new patients that a larger first dataset would have held (to add
   * cases of a chosen kind, e.g. `koos`, to a training set without renaming).
   */
  firstPatient?: number;
}

/** What was generated. */
export interface PhantomDatasetSummary {
  out: string;
  patients: number;
  cases: { name: string; meta: PhantomMeta }[];
  seconds: number;
}

/** The most scans one dataset may hold (a bound that keeps the case list in memory; each scan is ~1 MB on disk). */
export const MAX_PHANTOM_CASES = 100_000;

/** The default number of patients of `cases` scans: the paper's ratio, 137 patients for 227 scans, at least 1. */
export function defaultPatients(cases: number): number {
  return Math.max(1, Math.round((cases * 137) / 227));
}

/** How many timepoints each patient gets. */
export function timepointsPerPatient(cases: number, patients: number, seed: number): number[] {
  if (!Number.isInteger(cases) || cases < 1 || cases > MAX_PHANTOM_CASES) {
    throw new Error(`phantom dataset: cases: expected an integer from 1 to ${MAX_PHANTOM_CASES}, got ${cases}`);
  }
  if (!Number.isInteger(patients) || patients < 1 || patients > cases) {
    throw new Error(`phantom dataset: patients: expected an integer in [1, ${cases}] (the number of cases), got ${patients}`);
  }
  const rng = new Rng(`timepoints:${seed}`);
  const tp = new Array<number>(patients).fill(1);
  for (let i = patients; i < cases; i++) tp[rng.int(0, patients)]++;
  return tp;
}

/** One patient's share of the work (posted to a worker). */
export interface PatientJob {
  out: string;
  config: Partial<PhantomConfig>;
  seed: number;
  patient: number;
  timepoints: number;
  series?: SeriesOptions;
}

/** A written case; `phantom` only when the caller asked for it (not sent back from workers). */
interface PatientCase {
  name: string;
  meta: PhantomMeta;
  /** {@link normalCanalPoints} inside the scan. */
  hardNegatives: [number, number, number][];
  phantom?: Phantom;
}

/** Generates and writes the timepoints of one patient. */
export async function writePatient(job: PatientJob, keepPhantoms = false): Promise<PatientCase[]> {
  const out: PatientCase[] = [];
  const series = generateSeries(job.config, `${job.seed}:patient:${job.patient}`, job.timepoints, job.series);
  for (const ph of series) {
    const name = `VS_p${String(job.patient + 1).padStart(3, '0')}_t${String(ph.meta.timepoint + 1).padStart(2, '0')}`;
    await writeNnunetCase(job.out, name, [ph.image], ph.label);
    out.push({ name, meta: ph.meta, hardNegatives: normalCanalPoints(ph.meta, ph.image), ...(keepPhantoms ? { phantom: ph } : {}) });
  }
  return out;
}

/** Runs the patient jobs on `n` worker threads, reporting each patient as it finishes. */
async function runPatientWorkers(jobs: PatientJob[], n: number, report: (p: number, c: PatientCase[]) => Promise<void>): Promise<void> {
  const workers = Array.from({ length: n }, () => startModuleWorker(siblingModule(import.meta.url, 'dataset-worker'), {}, 'main'));
  let next = 0;
  try {
    await Promise.all(
      workers.map(async (w) => {
        while (next < jobs.length) {
          const job = jobs[next++];
          const reply = await new Promise<{ cases?: PatientCase[]; error?: string }>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
            w.postMessage(job);
          });
          w.removeAllListeners('error');
          if (reply.error) throw new Error(reply.error);
          await report(job.patient, reply.cases!);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Generates and writes the dataset; see the module comment. */
export async function generatePhantomDataset(o: PhantomDatasetOptions): Promise<PhantomDatasetSummary> {
  const t0 = performance.now();
  const seed = o.seed ?? 0;
  const patients = o.patients ?? defaultPatients(o.cases);
  const tp = timepointsPerPatient(o.cases, patients, seed);
  checkSeriesOptions(o.series ?? {});
  const first = o.firstPatient ?? 1;
  if (!Number.isInteger(first) || first < 1 || first + patients - 1 > 999) {
    throw new Error(`phantom dataset: firstPatient: expected an integer ≥ 1 with the last patient ≤ 999, got ${o.firstPatient} (${patients} patients)`);
  }
  makeDirs(o.out);
  const jobs: PatientJob[] = tp.map((timepoints, p) => ({ out: o.out, config: o.config ?? {}, seed, patient: first - 1 + p, timepoints, series: o.series }));
  const nJobs = o.keepPhantoms ? 1 : Math.min(o.jobs ?? 1, patients);
  if (!Number.isInteger(nJobs) || nJobs < 1) throw new Error(`phantom dataset: jobs: expected a positive integer, got ${o.jobs}`);
  const perPatient: PatientCase[][] = new Array(patients);
  const report = async (p: number, written: PatientCase[]) => {
    perPatient[p - (first - 1)] = written;
    if (o.onCase) for (const c of written) await o.onCase(c.name, c.meta, c.phantom ?? null);
  };
  if (nJobs === 1) {
    for (const job of jobs) await report(job.patient, await writePatient(job, Boolean(o.keepPhantoms)));
  } else {
    await runPatientWorkers(jobs, nJobs, report);
  }
  const cases: PhantomDatasetSummary['cases'] = perPatient.flat().map(({ name, meta }) => ({ name, meta }));
  await writeDatasetJson(
    o.out,
    datasetJson(cases.length, { name: 'VS_phantom', description: `meatus synthetic VS phantoms, seed ${seed}`, reference: 'meatus phantom', licence: 'CC0' }),
  );
  await writeFileAtomic(join(o.out, 'phantoms.json'), JSON.stringify({ seed, cases }, null, 2) + '\n');
  const negatives = Object.fromEntries(perPatient.flat().map((c) => [c.name, c.hardNegatives]));
  await writeFileAtomic(join(o.out, 'hard-negatives.json'), JSON.stringify({ coordinates: 'RAS', cases: negatives }) + '\n');
  await writeFileAtomic(join(o.out, 'dates.csv'), formatScanDates(cases.map((c) => [c.name, c.meta.date ?? ''])));
  return { out: o.out, patients, cases, seconds: (performance.now() - t0) / 1000 };
}
