/**
 * Longitudinal series: several scans of one patient, as in surveillance imaging (the paper's 227
 * timepoints of 137 patients). Anatomy, tumour side, tissue signals and scan protocol stay fixed;
 * each scan has a new pose, bias field and noise; the tumour changes between scans.
 *
 * Growth, drawn (default): with probability 0.3 a tumour is stable; otherwise its volume doubles
 * every 1.5–6 years (linear size factor `2^(years / (3 · doubling))`, years = months / 12). Scans
 * are 6–18 months apart.
 *
 * Growth, set ({@link SeriesGrowth}): the extrameatal (EM) part's volume changes by a set
 * percentage p per year — it grows for p > 0 and shrinks for p < 0 (e.g. after radiotherapy) —
 * so the truth of a growth report is known: the linear size factor since the first scan is
 * `f = (1 + p/100)^(years / 3)` with years = days between the scan dates / 365.25; the EM part is
 * scaled by f about the porus (`growTumour`), so its largest diameter is multiplied by f and its
 * volume by f³ (exactly in the continuous scene; on the label map within the voxel
 * discretisation), and its volume doubling time is ln 2 / ln(1 + p/100) years. The intrameatal
 * part lengthens or shortens along the canal (not a similarity: only the EM part has a set rate).
 *
 * Scan dates: the first scan is on `startDate` (default 2020-01-01); scan k is `months_k` calendar
 * months later (same day of the month, clamped to the month's end).
 */

import { Rng, type Seed } from '../random.js';
import { type PhantomConfig, resolvePhantomConfig } from './config.js';
import { type Phantom, drawPatient, renderPhantom } from './generate.js';
import { growTumour } from './tumour.js';

/** A set growth of the tumour over a series (see the file comment). */
export interface SeriesGrowth {
  /** EM volume change per year, % (> −100): 20 grows 20 %/year, −15 shrinks 15 %/year. */
  volumePercentPerYear: number;
  /** Months between consecutive scans (default: drawn, 6–18). */
  intervalMonths?: number;
}

/** The default date of a series' first scan. */
export const DEFAULT_START_DATE = '2020-01-01';

/** Options of {@link generateSeries}. */
export interface SeriesOptions {
  /** A set growth (default: drawn, see the file comment). */
  growth?: SeriesGrowth;
  /** ISO date (YYYY-MM-DD) of the first scan (default {@link DEFAULT_START_DATE}). */
  startDate?: string;
}

/**
 * The ISO date `months` calendar months after `start` (YYYY-MM-DD), the day clamped to the end of
 * the month. @throws Error for a date that is not YYYY-MM-DD.
 * @example addMonths('2020-01-31', 1) // '2020-02-29'
 */
export function addMonths(start: string, months: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(start);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || !Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== start) {
    throw new Error(`phantom series: startDate: expected an ISO date YYYY-MM-DD, got '${start}'`);
  }
  const total = Number(m[1]) * 12 + Number(m[2]) - 1 + months;
  const y = Math.floor(total / 12);
  const mo = total - 12 * y;
  const last = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, mo, Math.min(Number(m[3]), last))).toISOString().slice(0, 10);
}

/** Days from ISO date `a` to ISO date `b`. */
export function daysBetween(a: string, b: string): number {
  return (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;
}

/** The linear size factor of a set growth after `years` (see the file comment). */
export function setGrowthFactor(volumePercentPerYear: number, years: number): number {
  return (1 + volumePercentPerYear / 100) ** (years / 3);
}

/**
 * Checks series options before any rendering.
 * @throws Error naming the field and the expected value.
 */
export function checkSeriesOptions(opts: SeriesOptions): void {
  if (opts.growth) checkGrowth(opts.growth);
  addMonths(opts.startDate ?? DEFAULT_START_DATE, 0);
}

function checkGrowth(g: SeriesGrowth): void {
  if (!(Number.isFinite(g.volumePercentPerYear) && g.volumePercentPerYear > -100 && g.volumePercentPerYear <= 1000)) {
    throw new Error(`phantom series: growth.volumePercentPerYear: expected a number in (−100, 1000] (% per year), got ${g.volumePercentPerYear}`);
  }
  if (g.intervalMonths !== undefined && !(Number.isInteger(g.intervalMonths) && g.intervalMonths >= 1 && g.intervalMonths <= 120)) {
    throw new Error(`phantom series: growth.intervalMonths: expected an integer in [1, 120], got ${g.intervalMonths}`);
  }
}

/**
 * Generates `timepoints` scans of the patient drawn from `seed`. Timepoint 0 equals
 * `generatePhantom(config, seed)`; each scan's meta has its `months` since the first and its `date`.
 * @throws Error for a non-positive `timepoints`, an invalid config, growth or start date.
 */
export function generateSeries(config: Partial<PhantomConfig>, seed: Seed, timepoints: number, opts: SeriesOptions = {}): Phantom[] {
  if (!Number.isInteger(timepoints) || timepoints < 1) throw new Error(`generateSeries: timepoints: expected a positive integer, got ${timepoints}`);
  checkSeriesOptions(opts);
  const start = opts.startDate ?? DEFAULT_START_DATE;
  const patient = drawPatient(resolvePhantomConfig(config), seed);
  const rng = new Rng(patient.seed).fork('growth');
  const stable = rng.bool(0.3);
  const doublingYears = rng.uniform(1.5, 6);
  const ear = patient.anatomy.ears[patient.side];
  const out: Phantom[] = [];
  let months = 0;
  for (let t = 0; t < timepoints; t++) {
    if (t > 0) months += opts.growth?.intervalMonths ?? Math.round(rng.uniform(6, 18));
    const date = addMonths(start, months);
    const f = opts.growth
      ? setGrowthFactor(opts.growth.volumePercentPerYear, daysBetween(start, date) / 365.25)
      : stable
        ? 1
        : 2 ** (months / 12 / (3 * doublingYears));
    out.push(renderPhantom(patient, growTumour(patient.tumour, ear, f), t, { timepoint: t, months, date, sizeFactor: f }));
  }
  return out;
}
