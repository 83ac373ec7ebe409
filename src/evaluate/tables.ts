/**
 * Paper-style tables of evaluation results, as Markdown and CSV (Wijethilake et al., 2022):
 * Table 1 (Dice mean ± SD per class), Table 2 (ASSD median, p75, p25 per class), the pairwise
 * two-sided Wilcoxon signed-rank p-values, and the per-case CSV (`cases.csv`) that
 * `meatus evaluate` writes and `meatus compare` reads back.
 *
 * Non-finite numbers are written `inf`, `-inf` and `nan` in CSV and tables, and read back from
 * those (and `Infinity`, `NaN`, any case).
 */
import type { DistanceDefinition } from './surface.js';
import { CLASSES, type CaseMetrics, type ClassMetrics, type ClassName } from './metrics.js';
import { summarize, type Summary } from './stats.js';
import { wilcoxon } from './wilcoxon.js';
import { csvLines, splitCsv } from '../util/csv.js';

/** The metrics of one class, in CSV column order. */
export const METRICS: readonly (keyof ClassMetrics)[] = ['dice', 'assd', 'hd95'];

/** The classes of the paper's tables and figures (background is left out). */
export const TABLE_CLASSES: readonly ClassName[] = ['extrameatal', 'intrameatal', 'wholeTumour'];

/** Short column labels of the classes, as in the paper. */
export const CLASS_LABELS: Readonly<Record<ClassName, string>> = {
  background: 'BG',
  extrameatal: 'EM',
  intrameatal: 'IM',
  wholeTumour: 'WT',
};

/** One evaluated method: a name and its per-case metrics. */
export interface MethodCases {
  name: string;
  cases: CaseMetrics[];
  /** The ASSD/HD95 definition the cases were scored with, when known (from `summary.json`). */
  distance?: DistanceDefinition;
}

/** A table in both formats. */
export interface Table {
  markdown: string;
  csv: string;
}

/** A number as written in CSV: shortest round-trip form, or `inf`, `-inf`, `nan`. */
export function csvNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/** A number for a table: `digits` decimals, or `inf`, `-inf`, `nan`. */
export function fmt(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toFixed(digits) : csvNumber(v);
}

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
function mdLines(header: string[], rows: string[][], align: string[] = header.map((_, i) => (i === 0 ? '---' : '---:'))): string {
  const line = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), `|${align.map((a) => ` ${a} `).join('|')}|`, ...rows.map(line)].join('\n') + '\n';
}

/** The header of `cases.csv`: `id`, `<class>_<metric>` for every class and metric, `boundary_assd`. */
export function casesHeader(): string[] {
  return ['id', ...CLASSES.flatMap((c) => METRICS.map((m) => `${c}_${m}`)), 'boundary_assd'];
}

/** Per-case metrics as CSV (one row per case, columns {@link casesHeader}). */
export function casesToCsv(cases: CaseMetrics[]): string {
  const rows = cases.map((c) => [
    c.id,
    ...CLASSES.flatMap((k) => METRICS.map((m) => csvNumber(c.classes[k][m]))),
    csvNumber(c.boundaryAssd),
  ]);
  return csvLines(casesHeader(), rows);
}

/**
 * Parses a number written by {@link csvNumber} (also `Infinity`, `NaN`, any case).
 * @throws Error naming `where` if the text is not a number.
 */
export function parseCsvNumber(s: string, where: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  const v = Number(t);
  if (t === '' || Number.isNaN(v)) throw new Error(`${where}: expected a number, inf or nan, got '${s}'`);
  return v;
}

/**
 * Reads `cases.csv` back (columns may come in any order; extra columns are ignored).
 * @param file - Named in errors.
 * @throws Error naming the file, line and column for a missing column, a short row or a bad number.
 */
export function parseCasesCsv(text: string, file = 'cases.csv'): CaseMetrics[] {
  const rows = splitCsv(text);
  if (rows.length === 0) throw new Error(`${file}: empty; expected a header ${casesHeader().slice(0, 3).join(',')},...`);
  const header = rows[0].map((h) => h.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: header: missing column '${name}'; expected the columns of meatus evaluate's cases.csv`);
    return i;
  };
  const idCol = col('id');
  const cols = CLASSES.map((c) => METRICS.map((m) => col(`${c}_${m}`)));
  const boundaryCol = col('boundary_assd');
  return rows.slice(1).map((r, ri) => {
    const line = ri + 2;
    if (r.length < header.length) throw new Error(`${file}: line ${line}: ${r.length} fields, expected ${header.length}`);
    const num = (i: number) => parseCsvNumber(r[i], `${file}: line ${line}, column '${header[i]}'`);
    const classes = {} as Record<ClassName, ClassMetrics>;
    CLASSES.forEach((c, ci) => {
      classes[c] = { dice: num(cols[ci][0]), assd: num(cols[ci][1]), hd95: num(cols[ci][2]) };
    });
    return { id: r[idCol], classes, boundaryAssd: num(boundaryCol) };
  });
}

/** The values of one class and metric over a method's cases. */
export function column(cases: CaseMetrics[], cls: ClassName, metric: keyof ClassMetrics): number[] {
  return cases.map((c) => c.classes[cls][metric]);
}

/** `summarize` of one class and metric. */
function stat(m: MethodCases, cls: ClassName, metric: keyof ClassMetrics): Summary {
  return summarize(column(m.cases, cls, metric));
}

/** " (k NaN)" when some values were left out of a statistic. */
function nanNote(s: Summary): string {
  return s.nanCount > 0 ? ` (${s.nanCount} NaN)` : '';
}

/**
 * Table 1: Dice mean ± SD per class, one row per method.
 * @example table1([{ name: 'baseline', cases }]).markdown
 * // | Method | n | EM | IM | WT |
 * // | --- | ---: | ---: | ---: | ---: |
 * // | baseline | 12 | 0.7939 ± 0.2325 | 0.7475 ± 0.1346 | 0.8813 ± 0.0888 |
 */
export function table1(methods: MethodCases[], classes: readonly ClassName[] = TABLE_CLASSES): Table {
  const stats = methods.map((m) => classes.map((c) => stat(m, c, 'dice')));
  const md = mdLines(
    ['Method', 'n', ...classes.map((c) => CLASS_LABELS[c])],
    methods.map((m, i) => [m.name, String(m.cases.length), ...stats[i].map((s) => `${fmt(s.mean)} ± ${fmt(s.sd)}${nanNote(s)}`)]),
  );
  const csv = csvLines(
    ['method', 'n', ...classes.flatMap((c) => [`${c}_mean`, `${c}_sd`, `${c}_nan`])],
    methods.map((m, i) => [m.name, String(m.cases.length), ...stats[i].flatMap((s) => [csvNumber(s.mean), csvNumber(s.sd), String(s.nanCount)])]),
  );
  return { markdown: 'Dice score, mean ± SD (Table 1)\n\n' + md, csv };
}

/**
 * Table 2: ASSD (mm) median, 75th and 25th percentile per class, one row per method, and how many
 * cases had an infinite ASSD (a class present in only one of prediction and reference).
 */
export function table2(methods: MethodCases[], classes: readonly ClassName[] = TABLE_CLASSES): Table {
  const stats = methods.map((m) => classes.map((c) => stat(m, c, 'assd')));
  const labels = classes.map((c) => CLASS_LABELS[c]);
  const md = mdLines(
    ['Method', 'n', ...labels.flatMap((l) => [`${l} median`, `${l} p75`, `${l} p25`]), `inf (${labels.join('/')})`],
    methods.map((m, i) => [
      m.name,
      String(m.cases.length),
      ...stats[i].flatMap((s) => [fmt(s.median), fmt(s.p75), fmt(s.p25)]),
      stats[i].map((s) => s.infCount).join('/'),
    ]),
  );
  const csv = csvLines(
    ['method', 'n', ...classes.flatMap((c) => [`${c}_median`, `${c}_p75`, `${c}_p25`, `${c}_inf`, `${c}_nan`])],
    methods.map((m, i) => [
      m.name,
      String(m.cases.length),
      ...stats[i].flatMap((s) => [csvNumber(s.median), csvNumber(s.p75), csvNumber(s.p25), String(s.infCount), String(s.nanCount)]),
    ]),
  );
  return { markdown: 'ASSD (mm): median, 75th and 25th percentile (Table 2)\n\n' + md, csv };
}

/** One Wilcoxon test between two methods. */
export interface PairTest {
  a: string;
  b: string;
  metric: 'dice' | 'assd';
  cls: ClassName;
  /** Cases paired by id and used. */
  n: number;
  /** Common cases dropped because a value was NaN. */
  dropped: number;
  statistic: number;
  pValue: number;
  method: 'exact' | 'approx' | 'none';
}

/**
 * Pairs two methods' values by case id and runs the two-sided Wilcoxon signed-rank test. Cases with
 * NaN on either side are dropped (and counted); a case infinite on both sides counts as a zero
 * difference.
 */
export function pairTest(a: MethodCases, b: MethodCases, metric: 'dice' | 'assd', cls: ClassName): PairTest {
  const byId = new Map(b.cases.map((c) => [c.id, c.classes[cls][metric]]));
  const x: number[] = [];
  const y: number[] = [];
  let dropped = 0;
  for (const c of a.cases) {
    if (!byId.has(c.id)) continue;
    let u = c.classes[cls][metric];
    let v = byId.get(c.id)!;
    if (Number.isNaN(u) || Number.isNaN(v)) {
      dropped++;
      continue;
    }
    if (u === v && !Number.isFinite(u)) u = v = 0; // inf − inf would be NaN: a zero difference
    x.push(u);
    y.push(v);
  }
  const base = { a: a.name, b: b.name, metric, cls, n: x.length, dropped };
  if (x.length === 0) return { ...base, statistic: NaN, pValue: NaN, method: 'none' };
  const r = wilcoxon(x, y);
  return { ...base, statistic: r.statistic, pValue: r.pValue, method: r.method };
}

/** Every pair of methods (in the given order) × metric × class. */
export function pairTests(methods: MethodCases[], classes: readonly ClassName[] = TABLE_CLASSES): PairTest[] {
  const out: PairTest[] = [];
  for (let i = 0; i < methods.length; i++) {
    for (let j = i + 1; j < methods.length; j++) {
      for (const metric of ['dice', 'assd'] as const) {
        for (const cls of classes) out.push(pairTest(methods[i], methods[j], metric, cls));
      }
    }
  }
  return out;
}

/** A p-value for a table: `<0.0001`, else 4 decimals; `*` when below 0.05. */
export function fmtP(p: number): string {
  if (Number.isNaN(p)) return 'n/a';
  return (p < 1e-4 ? '<0.0001' : p.toFixed(4)) + (p < 0.05 ? ' *' : '');
}

/**
 * The Wilcoxon table: Markdown has one row per pair of methods and one column per metric × class
 * (p-values; NaN-dropped cases in parentheses); CSV has one row per test.
 */
export function wilcoxonTable(tests: PairTest[], classes: readonly ClassName[] = TABLE_CLASSES): Table {
  const pairs = [...new Map(tests.map((t) => [`${t.a}\u0000${t.b}`, [t.a, t.b] as const])).values()];
  const cols = (['dice', 'assd'] as const).flatMap((metric) => classes.map((cls) => ({ metric, cls })));
  const rows = pairs.map(([a, b]) => {
    const mine = tests.filter((t) => t.a === a && t.b === b);
    const cells = cols.map(({ metric, cls }) => {
      const t = mine.find((u) => u.metric === metric && u.cls === cls);
      return t ? fmtP(t.pValue) + (t.dropped > 0 ? ` (${t.dropped} dropped)` : '') : '';
    });
    return [`${a} vs ${b}`, String(Math.max(0, ...mine.map((t) => t.n + t.dropped))), ...cells];
  });
  const header = ['Methods', 'n', ...cols.map(({ metric, cls }) => `${metric === 'dice' ? 'Dice' : 'ASSD'} ${CLASS_LABELS[cls]}`)];
  const md =
    'Two-sided Wilcoxon signed-rank test, paired by case: p-values (* p < 0.05)\n\n' +
    mdLines(header, rows) +
    (tests.some((t) => t.dropped > 0) ? '\n(k dropped): cases left out because a value was NaN.\n' : '');
  const csv = csvLines(
    ['method_a', 'method_b', 'metric', 'class', 'n', 'dropped', 'statistic', 'p_value', 'test'],
    tests.map((t) => [t.a, t.b, t.metric, t.cls, String(t.n), String(t.dropped), csvNumber(t.statistic), csvNumber(t.pValue), t.method]),
  );
  return { markdown: md, csv };
}
