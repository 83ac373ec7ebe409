/**
 * Scan dates of a dataset: a CSV file `case,date` (header required), one row per case, the date
 * in ISO form `YYYY-MM-DD` (a time part `THH:MM[:SS]` is allowed and kept). `meatus phantom`
 * writes one (`dates.csv`) for its longitudinal series; a DICOM import writes one from the study
 * dates; `meatus growth` reads it to place each timepoint in time.
 *
 * Fields may be quoted with `"` (RFC 4180, `""` for a quote; `util/csv.ts`); blank lines are
 * skipped (line numbers in messages count the non-blank ones); other columns after `case,date` are
 * ignored.
 */
import { csvLines, splitCsv } from '../util/csv.js';

/** Case name → ISO date (as written in the file). */
export type ScanDates = Map<string, string>;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?Z?)?$/;

/**
 * Milliseconds since 1970 (UTC) of an ISO date or date-time; NaN when it is not a real calendar
 * date in the form above.
 * @example isoTime('2021-02-29') // NaN (2021 is not a leap year)
 */
export function isoTime(s: string): number {
  const m = ISO.exec(s);
  if (!m) return NaN;
  const t = Date.parse(m[4] === undefined ? `${s}T00:00:00Z` : s.endsWith('Z') ? s : `${s}Z`);
  if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`) return NaN;
  return t;
}

/**
 * Parses a `case,date` CSV.
 * @param text - The file's text.
 * @param file - The file name, for messages.
 * @throws Error naming the file, the line and what was expected: a missing `case,date` header, a
 *   row without a date, a date that is not ISO `YYYY-MM-DD`, a case listed twice.
 * @example parseScanDates('case,date\nVS_p001_t01,2020-01-01\n', 'dates.csv').get('VS_p001_t01') // '2020-01-01'
 */
export function parseScanDates(text: string, file: string): ScanDates {
  const rows = splitCsv(text.replace(/^\uFEFF/, '')).map((r) => r.map((f) => f.trim()));
  const header = (rows[0] ?? []).map((h) => h.toLowerCase());
  if (header[0] !== 'case' || header[1] !== 'date') {
    throw new Error(`${file}: line 1: expected the header 'case,date', got '${(rows[0] ?? []).join(',')}'`);
  }
  const out: ScanDates = new Map();
  for (let i = 1; i < rows.length; i++) {
    const [name, date] = rows[i];
    if (!name) throw new Error(`${file}: line ${i + 1}: case: expected a case name, got an empty field`);
    if (date === undefined || !Number.isFinite(isoTime(date))) {
      throw new Error(`${file}: line ${i + 1}: date of '${name}': expected an ISO date YYYY-MM-DD, got '${date ?? ''}'`);
    }
    if (out.has(name)) throw new Error(`${file}: line ${i + 1}: case '${name}' is listed twice`);
    out.set(name, date);
  }
  return out;
}

/** Renders `case,date` rows as CSV text (header first, names quoted when they need it). */
export function formatScanDates(rows: Iterable<[string, string]>): string {
  return csvLines(['case', 'date'], [...rows]);
}
