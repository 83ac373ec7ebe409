/**
 * The Wilcoxon signed-rank test for paired samples, two-sided — the test of the paper ("two-sided
 * Wilcoxon matched pairs signed-rank test", significant when p < 0.05).
 *
 * It follows `scipy.stats.wilcoxon(x, y)` with its defaults (`zero_method='wilcox'`,
 * `correction=False`, `alternative='two-sided'`, `method='auto'`), with these documented
 * differences:
 * - **Ties** switch to the normal approximation. scipy 1.10.1's `'auto'` uses the exact
 *   distribution whenever n ≤ 50 and there are no zeros — ties included, where it truncates the
 *   half-integer rank sum to an integer and its p-value is no longer exact (its own docs say so).
 *   With ties we use the tie-corrected normal approximation instead (what scipy gives with
 *   `method='approx'`).
 * - **NaN**: pairs where `x` or `y` is `NaN` are dropped (scipy's `nan_policy='omit'`; its default
 *   `'propagate'` would return NaN).
 * - **Infinities** (a failed case's ASSD): equal values, `inf` and `inf`, are a zero difference
 *   (scipy: `inf − inf = NaN`); `inf` against a finite value is an infinite difference, ranked above
 *   every finite one.
 * - **Floating-point noise**: a difference with `|x − y| ≤ 1e-12·max(|x|, |y|)` counts as zero, and
 *   absolute differences within a relative `1e-12` of each other (after sorting, each against the
 *   one before) are ties, so values computed two ways (e.g. `0.1 + 0.2` and `0.3`) rank as equal.
 * - **Nothing left** (no pairs, or every difference zero): statistic and p-value are `NaN`
 *   (scipy returns NaN for no pairs and raises for all-zero differences).
 *
 * Exact p-values use the null distribution of the positive rank sum (all 2ⁿ sign patterns,
 * computed like scipy's `_get_wilcoxon_distr`); the approximation is
 * `z = (T − n(n+1)/4) / σ`, `σ² = [n(n+1)(2n+1) − ½Σ(t³ − t)] / 24` over tie groups of size t,
 * no continuity correction, p = 2·Φ(−|z|).
 */

/** Relative tolerance under which two differences tie or a difference is zero. */
export const WILCOXON_RELATIVE_TOLERANCE = 1e-12;

/** Largest n (non-zero differences) for the exact distribution, as scipy's `method='auto'`. */
export const WILCOXON_EXACT_MAX_N = 50;

/** Options of {@link wilcoxon}. */
export interface WilcoxonOptions {
  /** How zero differences are treated; only `'wilcox'` (dropped, scipy's default) is supported. */
  zeroMethod?: 'wilcox';
}

/** Result of {@link wilcoxon}. */
export interface WilcoxonResult {
  /** `min(W+, W−)`, the smaller of the sums of ranks of positive and negative differences. */
  statistic: number;
  /** Two-sided p-value, at most 1. */
  pValue: number;
  /** Number of non-zero differences ranked. */
  n: number;
  /** `'exact'` (n ≤ 50, no zeros, no ties) or `'approx'` (normal approximation). */
  method: 'exact' | 'approx';
  /** Pairs dropped because `x` or `y` was `NaN`. */
  nanPairs: number;
  /** Zero differences dropped (`'wilcox'`). */
  zeros: number;
}

/**
 * Two-sided Wilcoxon signed-rank test of the paired samples `x` and `y` (differences `x − y`).
 * @param x - First sample (e.g. one method's per-case Dice).
 * @param y - Second sample, paired with `x` by index.
 * @throws Error if the samples differ in length or `opts.zeroMethod` is not `'wilcox'`.
 * @example
 * wilcoxon([0.81, 0.77, 0.9, 0.6], [0.79, 0.7, 0.91, 0.5]); // statistic 1, pValue 0.25, exact
 */
export function wilcoxon(
  x: readonly number[],
  y: readonly number[],
  opts: WilcoxonOptions = {},
): WilcoxonResult {
  if (x.length !== y.length) {
    throw new Error(`wilcoxon: x and y must be paired (same length), got ${x.length} and ${y.length}`);
  }
  if ((opts.zeroMethod ?? 'wilcox') !== 'wilcox') {
    throw new Error(`wilcoxon: opts.zeroMethod must be 'wilcox', got ${String(opts.zeroMethod)}`);
  }
  const d: number[] = [];
  let nanPairs = 0;
  let zeros = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i];
    const b = y[i];
    if (Number.isNaN(a) || Number.isNaN(b)) nanPairs++;
    else if (a === b || isNoise(a - b, Math.max(Math.abs(a), Math.abs(b)))) zeros++;
    else d.push(a - b);
  }
  const n = d.length;
  if (n === 0) return { statistic: NaN, pValue: NaN, n, method: 'approx', nanPairs, zeros };

  const { ranks, tieSizes } = signedRanks(d);
  let wPlus = 0;
  let wMinus = 0;
  for (let i = 0; i < n; i++) {
    if (d[i] > 0) wPlus += ranks[i];
    else wMinus += ranks[i];
  }
  const statistic = Math.min(wPlus, wMinus);
  if (n <= WILCOXON_EXACT_MAX_N && zeros === 0 && tieSizes.length === 0) {
    return { statistic, pValue: exactPValue(n, statistic), n, method: 'exact', nanPairs, zeros };
  }
  const mean = (n * (n + 1)) / 4;
  let variance = n * (n + 1) * (2 * n + 1);
  for (const t of tieSizes) variance -= 0.5 * t * (t * t - 1);
  const se = Math.sqrt(variance / 24);
  const z = (statistic - mean) / se;
  const pValue = Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  return { statistic, pValue, n, method: 'approx', nanPairs, zeros };
}

/**
 * Ranks (1-based, average rank for ties) of `|d|`, and the sizes of the tie groups (> 1).
 * Sorted neighbours within {@link WILCOXON_RELATIVE_TOLERANCE} of each other tie.
 */
function signedRanks(d: readonly number[]): { ranks: Float64Array; tieSizes: number[] } {
  const n = d.length;
  const abs = d.map(Math.abs);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => abs[i] - abs[j] || i - j);
  const ranks = new Float64Array(n);
  const tieSizes: number[] = [];
  let start = 0;
  for (let k = 1; k <= n; k++) {
    const prev = abs[order[k - 1]];
    const cur = k < n ? abs[order[k]] : NaN;
    const tied = cur === prev || isNoise(cur - prev, cur);
    if (k < n && tied) continue;
    // Group order[start..k) takes ranks start+1..k: their average.
    const rank = (start + 1 + k) / 2;
    for (let m = start; m < k; m++) ranks[order[m]] = rank;
    if (k - start > 1) tieSizes.push(k - start);
    start = k;
  }
  return { ranks, tieSizes };
}

/** Whether the finite difference `d` is within the relative tolerance of `scale`. */
function isNoise(d: number, scale: number): boolean {
  return Number.isFinite(d) && Math.abs(d) <= WILCOXON_RELATIVE_TOLERANCE * scale;
}

/** Cache of the exact null distributions by n. */
const distributions = new Map<number, Float64Array>();

/**
 * Probabilities of the positive rank sum `r = 0 … n(n+1)/2` under the null hypothesis, built like
 * scipy's `_get_wilcoxon_distr` (adding rank k halves each pattern's probability; exact in binary).
 */
function nullDistribution(n: number): Float64Array {
  let c = distributions.get(n);
  if (c) return c;
  c = new Float64Array([1]);
  for (let k = 1; k <= n; k++) {
    const next = new Float64Array((k * (k + 1)) / 2 + 1);
    const m = c.length;
    for (let i = 0; i < m; i++) {
      next[i] += c[i] * 0.5;
      next[i + k] += c[i] * 0.5;
    }
    c = next;
  }
  distributions.set(n, c);
  return c;
}

/** Two-sided exact p-value of `T = min(W+, W−)` (an integer) for n differences. */
function exactPValue(n: number, t: number): number {
  const pmf = nullDistribution(n);
  if (t === (pmf.length - 1) >> 1) return 1; // the centre of the distribution, as scipy
  let tail = 0;
  for (let r = 0; r <= t; r++) tail += pmf[r];
  return Math.min(1, 2 * tail);
}

/** Chebyshev coefficients of erfc (Numerical Recipes, 3rd ed., §6.2.2): ~1e-16 relative. */
const ERFC_COF = [
  -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
  -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6,
  1.30365583558e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10,
  -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13,
  3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
];

/**
 * The complementary error function, `erfc(z) = 1 − erf(z)`, accurate to about 1e-15 relative
 * for z ≥ 0 (and by `erfc(−z) = 2 − erfc(z)` below 0), so tiny p-values keep their digits.
 */
export function erfc(z: number): number {
  if (z === 0) return 1;
  if (z < 0) return 2 - erfc(-z);
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  let d = 0;
  let dd = 0;
  for (let j = ERFC_COF.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + ERFC_COF[j];
    dd = tmp;
  }
  return t * Math.exp(-z * z + 0.5 * (ERFC_COF[0] + ty * d) - dd);
}
