/**
 * Growth of a vestibular schwannoma over a patient's scans: per timepoint the volumes (IM, EM,
 * whole tumour), the reported size by the guideline rule (`guideline.ts`), the changes since the
 * previous and the first scan, annualised rates, the volume doubling time, and flags at the
 * thresholds clinicians use.
 *
 * Definitions (Δt in years = days between scan dates / 365.25; V whole-tumour volume, mm³; d the
 * reported diameter, mm):
 * - **Changes**: Δd = d₂ − d₁ (mm) and Δd/d₁ (%); ΔV = V₂ − V₁ (mm³) and ΔV/V₁ (%) for each part
 *   (`null` % when the earlier value is 0).
 * - **Annualised growth rate**: Δd/Δt (mm/year) and the compound volume rate
 *   ((V₂/V₁)^(1/Δt) − 1) · 100 (%/year).
 * - **Volume doubling time** (Schwartz's formula, as used for VS, e.g. Varughese et al. 2012):
 *   VDT = Δt · ln 2 / ln(V₂/V₁) years — negative when the tumour shrinks (|VDT| is then the
 *   halving time); `null` when V₂ = V₁, a volume is 0, or there are no dates.
 * - **Flags** (defaults from the clinical literature and the authors' report tool
 *   `navodini/AutomatedReportGenerationVS`, `ReportGenerationUtils.set_Color_*`): linear growth
 *   is *significant* when Δd ≥ 2 mm (`linearMm`); volume growth is *significant* when ΔV/V₁ ≥ 20 %
 *   (`volumePercent`) and *borderline* when ≥ 10 % (`volumeWatchPercent`, the authors' orange
 *   band); a decrease by as much is *decrease*. The volume flags use the whole-tumour volume (the
 *   authors colour the EM volume; the EM part is absent in Koos I and changes with the IM/EM
 *   split, the whole tumour does not).
 *
 * Without dates, timepoints keep the order they are given in (the `<patient>_t<k>` names), and
 * every per-year quantity is `null`.
 *
 * **Sides**: a tumour is followed on its own side of the head. When a patient's scans hold tumour
 * on both sides (NF2, or a false detection), or on the left at one scan and on the right at another,
 * {@link computeGrowthBySide} gives one series per side, each from that side's measurements
 * (`Measurements.sides`, `Measurements.side`; a scan without tumour on that side counts as no tumour
 * there): a diameter or volume of both sides together would compare different tumours. The side is
 * `measure`'s: by the sign of RAS x at each component's centroid, so it assumes the scanner's
 * left–right origin lies between the two ears, as it does for a head at the isocentre.
 */
import type { Measurements, TumourSide } from './measure.js';
import type { ReportedKind } from './guideline.js';
import { isoTime } from '../data/scan-dates.js';

/** One scan of the series. */
export interface GrowthInput {
  /** Case name (e.g. `VS_p001_t02`). */
  case: string;
  /** Scan date, ISO `YYYY-MM-DD` (or date-time); `null`/absent when unknown. */
  date?: string | null;
  measurements: Measurements;
}

/** Thresholds of the flags (see the file comment). */
export interface GrowthThresholds {
  /** Significant linear growth, mm (default 2). */
  linearMm: number;
  /** Significant volume growth, % (default 20). */
  volumePercent: number;
  /** Borderline volume growth, % (default 10). */
  volumeWatchPercent: number;
}

/** The default thresholds. */
export const DEFAULT_GROWTH_THRESHOLDS: Readonly<GrowthThresholds> = Object.freeze({ linearMm: 2, volumePercent: 20, volumeWatchPercent: 10 });

/** Flag of a change. */
export type GrowthFlag = 'significant' | 'borderline' | 'none' | 'decrease';

/** A change between two timepoints. JSON-friendly. */
export interface GrowthChange {
  /** The earlier timepoint's case. */
  from: string;
  /** Years between the scans; `null` without dates. */
  years: number | null;
  /** Reported diameter change, mm and % (null % from 0). */
  diameterMm: number;
  diameterPercent: number | null;
  /** Volume changes, mm³ and % (null % from 0). */
  volumeMm3: { extrameatal: number; intrameatal: number; wholeTumour: number };
  volumePercent: { extrameatal: number | null; intrameatal: number | null; wholeTumour: number | null };
  /** Δd/Δt, mm/year. */
  diameterMmPerYear: number | null;
  /** Compound whole-tumour volume growth, %/year. */
  volumePercentPerYear: number | null;
  /** Whole-tumour volume doubling time, years (negative: halving time of a shrinking tumour). */
  doublingTimeYears: number | null;
  /** Flags at the thresholds. */
  linearFlag: GrowthFlag;
  volumeFlag: GrowthFlag;
  /**
   * Whether the reported diameter is a different measurement at the two scans (EM vs whole tumour;
   * not when one of them has no tumour).
   */
  kindChanged: boolean;
}

/** One timepoint of a {@link GrowthSeries}. */
export interface GrowthTimepoint {
  case: string;
  date: string | null;
  /** Years since the first scan (`null` without dates). */
  years: number | null;
  /** Volumes, mm³. */
  volumes: { extrameatal: number; intrameatal: number; wholeTumour: number };
  /** The reported diameter (guideline rule), mm, and which measurement it is. */
  reportedMm: number;
  reportedKind: ReportedKind;
  koosI: boolean;
  sincePrevious: GrowthChange | null;
  sinceFirst: GrowthChange | null;
}

/** A patient's growth over time. */
export interface GrowthSeries {
  patient: string;
  /**
   * The side of the head this series follows: the side of every scan's tumour when they are on one
   * side, or that of one of {@link computeGrowthBySide}'s two series; absent when no scan holds
   * tumour, or (from `computeGrowth`) when they hold it on both sides.
   */
  side?: TumourSide;
  /** Where the order and times come from. */
  timeFrom: 'dates' | 'names';
  thresholds: GrowthThresholds;
  timepoints: GrowthTimepoint[];
  /** One sentence for the clinician, e.g. "Extrameatal axial diameter grew 3.1 mm in 14 months: significant …". */
  summary: string;
}

const YEAR_MS = 365.25 * 86_400_000;

function pct(a: number, b: number): number | null {
  return a === 0 ? null : ((b - a) / a) * 100;
}

/**
 * Volume doubling time in years: Δt · ln 2 / ln(V₂/V₁); `null` when undefined (see the file comment).
 * @example doublingTime(1000, 2000, 1.5) // 1.5
 */
export function doublingTime(v1: number, v2: number, years: number | null): number | null {
  if (years === null || !(v1 > 0 && v2 > 0) || v1 === v2 || !(years > 0)) return null;
  return (years * Math.LN2) / Math.log(v2 / v1);
}

function flag(value: number | null, significant: number, borderline: number | null): GrowthFlag {
  if (value === null) return 'none';
  if (value >= significant) return 'significant';
  if (borderline !== null && value >= borderline) return 'borderline';
  if (value <= -significant) return 'decrease';
  return 'none';
}

function change(a: GrowthTimepoint, b: GrowthTimepoint, t: GrowthThresholds): GrowthChange {
  const years = a.years === null || b.years === null ? null : b.years - a.years;
  const perYear = years !== null && years > 0;
  const dv = (k: keyof GrowthTimepoint['volumes']) => b.volumes[k] - a.volumes[k];
  const wtPct = pct(a.volumes.wholeTumour, b.volumes.wholeTumour);
  const ratio = a.volumes.wholeTumour > 0 ? b.volumes.wholeTumour / a.volumes.wholeTumour : NaN;
  return {
    from: a.case,
    years,
    diameterMm: b.reportedMm - a.reportedMm,
    diameterPercent: pct(a.reportedMm, b.reportedMm),
    volumeMm3: { extrameatal: dv('extrameatal'), intrameatal: dv('intrameatal'), wholeTumour: dv('wholeTumour') },
    volumePercent: {
      extrameatal: pct(a.volumes.extrameatal, b.volumes.extrameatal),
      intrameatal: pct(a.volumes.intrameatal, b.volumes.intrameatal),
      wholeTumour: wtPct,
    },
    diameterMmPerYear: perYear ? (b.reportedMm - a.reportedMm) / years : null,
    volumePercentPerYear: perYear && ratio > 0 ? (ratio ** (1 / years) - 1) * 100 : null,
    doublingTimeYears: doublingTime(a.volumes.wholeTumour, b.volumes.wholeTumour, years),
    linearFlag: flag(b.reportedMm - a.reportedMm, t.linearMm, null),
    volumeFlag: flag(wtPct, t.volumePercent, t.volumeWatchPercent),
    kindChanged: a.reportedKind !== b.reportedKind && a.reportedKind !== 'none' && b.reportedKind !== 'none',
  };
}

/**
 * Checks thresholds: positive finite numbers, the borderline band below the significant one.
 * @throws Error naming the field.
 */
export function resolveGrowthThresholds(partial: Partial<GrowthThresholds> = {}): GrowthThresholds {
  const t = { ...DEFAULT_GROWTH_THRESHOLDS, ...partial };
  for (const k of ['linearMm', 'volumePercent', 'volumeWatchPercent'] as const) {
    if (!(Number.isFinite(t[k]) && t[k] > 0)) throw new Error(`growth thresholds: ${k}: expected a positive number, got ${t[k]}`);
  }
  if (t.volumeWatchPercent > t.volumePercent) {
    throw new Error(`growth thresholds: volumeWatchPercent (${t.volumeWatchPercent}) must not exceed volumePercent (${t.volumePercent})`);
  }
  return t;
}

/**
 * The growth of one patient's scans (see the file comment).
 * @param patient - The patient's name (for the report).
 * @param inputs - The scans, in timepoint order (used as the order when there are no dates).
 * @throws Error for no scans, a case listed twice, some scans dated and others not (naming an
 *   undated case), a date that is not ISO, two scans on the same date, or bad thresholds.
 * @example computeGrowth('VS_p001', [{ case: 'VS_p001_t01', date: '2020-01-01', measurements: m1 }, …]).summary
 */
export function computeGrowth(patient: string, inputs: readonly GrowthInput[], thresholds: Partial<GrowthThresholds> = {}): GrowthSeries {
  const sides = sidesOf(inputs);
  return growthOf(patient, inputs, thresholds, null, sides.length === 1 ? sides[0] : undefined);
}

/** The sides of the head that hold tumour in any of the scans, left first. */
function sidesOf(inputs: readonly GrowthInput[]): TumourSide[] {
  const held = new Set<TumourSide>();
  for (const { measurements: m } of inputs) {
    if (m.sides) {
      held.add('left');
      held.add('right');
    } else if (m.side) held.add(m.side);
  }
  return (['left', 'right'] as const).filter((s) => held.has(s));
}

/**
 * The growth of one patient's scans side by side (see the file comment): one series per side when
 * the scans hold tumour on both sides of the head (at one scan, or one side at one scan and the
 * other at another), each with its `side`; else `[computeGrowth(…)]`.
 * @throws As {@link computeGrowth}.
 * @example computeGrowthBySide('VS_p007', scans).map((s) => `${s.side}: ${s.summary}`)
 */
export function computeGrowthBySide(patient: string, inputs: readonly GrowthInput[], thresholds: Partial<GrowthThresholds> = {}): GrowthSeries[] {
  const sides = sidesOf(inputs);
  if (sides.length < 2) return [computeGrowth(patient, inputs, thresholds)];
  return sides.map((side) => growthOf(patient, inputs, thresholds, side, side));
}

/** Volumes and reported size of one scan, or of one side of it (`null`: no tumour there). */
function sidePart(m: Measurements, side: TumourSide | null): Pick<Measurements, 'volumes' | 'guideline'> | null {
  if (side === null) return m;
  if (m.sides) return m.sides[side];
  return m.side === side ? m : null;
}

/**
 * A patient's scans in time order (by date when dated, else as given) with each one's time (ms),
 * after the checks of {@link computeGrowth}: no scans, a case twice, a dated/undated mix, a date
 * that is not ISO, two scans on one date. Callers check dates with it before expensive work.
 * @throws Error naming the patient and the case.
 * @example orderScans('P', [{ case: 'P_t2', date: '2021-01-01' }, { case: 'P_t1', date: '2020-01-01' }]).order[0].case // 'P_t1'
 */
export function orderScans<T extends { case: string; date?: string | null }>(patient: string, inputs: readonly T[]): { order: T[]; times: Map<string, number> | null } {
  if (inputs.length === 0) throw new Error(`growth of ${patient}: no scans`);
  const seen = new Set<string>();
  for (const s of inputs) {
    if (seen.has(s.case)) throw new Error(`growth of ${patient}: case '${s.case}' is given twice`);
    seen.add(s.case);
  }
  const dated = inputs.filter((s) => s.date != null);
  if (dated.length > 0 && dated.length < inputs.length) {
    const missing = inputs.find((s) => s.date == null)!;
    throw new Error(`growth of ${patient}: case '${missing.case}' has no date while ${dated.length} other scan(s) have one; give every scan a date (dates CSV: case,date) or none`);
  }
  const times = new Map<string, number>();
  for (const s of dated) {
    const ms = isoTime(s.date!);
    if (!Number.isFinite(ms)) throw new Error(`growth of ${patient}: date of '${s.case}': expected an ISO date YYYY-MM-DD, got '${s.date}'`);
    times.set(s.case, ms);
  }
  const order = dated.length > 0 ? [...inputs].sort((a, b) => times.get(a.case)! - times.get(b.case)!) : [...inputs];
  for (let i = 1; i < order.length && dated.length > 0; i++) {
    if (times.get(order[i].case) === times.get(order[i - 1].case)) {
      throw new Error(`growth of ${patient}: '${order[i - 1].case}' and '${order[i].case}' have the same date ${order[i].date}`);
    }
  }
  return { order, times: dated.length > 0 ? times : null };
}

/** {@link computeGrowth} of the scans' `part` (`null`: all of each scan), the series labelled `side`. */
function growthOf(patient: string, inputs: readonly GrowthInput[], thresholds: Partial<GrowthThresholds>, part: TumourSide | null, side: TumourSide | undefined): GrowthSeries {
  const t = resolveGrowthThresholds(thresholds);
  const { order, times } = orderScans(patient, inputs);
  const t0 = times !== null ? times.get(order[0].case)! : 0;
  const tps: GrowthTimepoint[] = order.map((s) => {
    const m = sidePart(s.measurements, part);
    const r = m?.guideline.reportedSize;
    return {
      case: s.case,
      date: s.date ?? null,
      years: times !== null ? (times.get(s.case)! - t0) / YEAR_MS : null,
      volumes: m ? { extrameatal: m.volumes.extrameatal.mm3, intrameatal: m.volumes.intrameatal.mm3, wholeTumour: m.volumes.wholeTumour.mm3 } : { extrameatal: 0, intrameatal: 0, wholeTumour: 0 },
      reportedMm: r?.mm ?? 0,
      reportedKind: r?.kind ?? 'none',
      koosI: r?.koosI ?? false,
      sincePrevious: null,
      sinceFirst: null,
    };
  });
  for (let i = 1; i < tps.length; i++) {
    tps[i].sincePrevious = change(tps[i - 1], tps[i], t);
    tps[i].sinceFirst = change(tps[0], tps[i], t);
  }
  const series: GrowthSeries = { patient, ...(side ? { side } : {}), timeFrom: times !== null ? 'dates' : 'names', thresholds: t, timepoints: tps, summary: '' };
  series.summary = growthSummary(series);
  return series;
}

const FLAG_WORDS: Record<GrowthFlag, string> = { significant: 'significant', borderline: 'borderline', none: 'not significant', decrease: 'significant decrease' };

/**
 * The summary sentence of a series: the reported diameter's change from the first to the last
 * scan with its flag, then the whole-tumour volume's with its flag and doubling time; after the
 * series' side ("Right side: ") when it has one.
 * @example "Extrameatal axial diameter grew 3.1 mm (12.0 → 15.1 mm) in 14 months: significant (≥ 2 mm). …"
 */
export function growthSummary(s: GrowthSeries): string {
  const first = s.timepoints[0];
  const last = s.timepoints[s.timepoints.length - 1];
  const on = s.side ? `${s.side[0].toUpperCase()}${s.side.slice(1)} side: ` : '';
  if (s.timepoints.every((t) => t.reportedKind === 'none')) return `${on}No tumour at ${s.timepoints.length === 1 ? 'the scan' : `any of the ${s.timepoints.length} scans`}.`;
  if (s.timepoints.length < 2 || last.sinceFirst === null) {
    return `${on}One scan (${first.case}): reported size ${first.reportedMm.toFixed(1)} mm; growth needs two or more scans.`;
  }
  const c = last.sinceFirst;
  const span = c.years === null ? `over ${s.timepoints.length} scans` : `in ${Math.round(c.years * 12)} months`;
  const kind = last.reportedKind === 'none' ? 'Reported size' : last.reportedKind[0].toUpperCase() + last.reportedKind.slice(1);
  const verb = c.diameterMm > 0 ? 'grew' : c.diameterMm < 0 ? 'shrank' : 'did not change';
  const dd = c.diameterMm === 0 ? '' : ` ${Math.abs(c.diameterMm).toFixed(1)} mm`;
  const linear = `${kind} ${verb}${dd} (${first.reportedMm.toFixed(1)} → ${last.reportedMm.toFixed(1)} mm) ${span}: ${FLAG_WORDS[c.linearFlag]} (threshold ${s.thresholds.linearMm} mm)`;
  const vp = c.volumePercent.wholeTumour;
  const vol =
    vp === null
      ? 'whole-tumour volume from 0'
      : `whole-tumour volume ${vp >= 0 ? '+' : '−'}${Math.abs(vp).toFixed(0)} % (${first.volumes.wholeTumour.toFixed(0)} → ${last.volumes.wholeTumour.toFixed(0)} mm³): ${FLAG_WORDS[c.volumeFlag]} (threshold ${s.thresholds.volumePercent} %)`;
  const dt = c.doublingTimeYears === null ? '' : c.doublingTimeYears > 0 ? `, doubling time ${c.doublingTimeYears.toFixed(1)} years` : `, halving time ${(-c.doublingTimeYears).toFixed(1)} years`;
  const switched = s.timepoints.some((tp) => tp.sincePrevious?.kindChanged) ? ' The reported measurement changes between scans (extrameatal vs whole-tumour diameter): compare with care.' : '';
  return `${on}${linear}; ${vol}${dt}.${switched}`;
}
