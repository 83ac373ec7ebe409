/**
 * numpy's `percentile` (default `method='linear'`), the one rule every percentile in meatus follows:
 * the fingerprint's 0.5 / 99.5 % intensities and the plan's medians (as nnU-Net computes them with
 * numpy), HD95 (medpy), the statistics tables, the quality checks.
 */

/**
 * The `q`-th percentile (0 ≤ q ≤ 100) of values sorted in ascending order, by numpy's default
 * `method='linear'`: virtual index `(n − 1)·q/100`, linear interpolation between its two
 * neighbours with numpy's own formula (`a + (b − a)·t` for `t < 0.5`, `b − (b − a)·(1 − t)`
 * otherwise), so finite results equal `np.percentile` bit for bit.
 *
 * Infinite neighbours: numpy 1.24 returns `NaN` there (it computes `inf − inf`); here the result
 * is the limit instead — the lower neighbour when the weight is 0, the common value when both
 * neighbours are equal (`inf` and `inf`), otherwise `a + (b − a)·t` (so `inf` if either is
 * `+inf`). This agrees with `np.median`, which averages the two middle values.
 *
 * @param sorted - Ascending values, no `NaN`.
 * @returns `NaN` for an empty input.
 * @throws Error if `q` is not a number in [0, 100].
 * @example
 * percentile([1, 2, 3, 4], 95); // 3.85
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 100)) {
    throw new Error(`percentile: q must be a number in [0, 100], got ${String(q)}`);
  }
  const n = sorted.length;
  if (n === 0) return NaN;
  const vi = (n - 1) * (q / 100);
  const lo = Math.floor(vi);
  const hi = Math.min(lo + 1, n - 1);
  const t = vi - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  if (t === 0 || a === b) return a;
  const d = b - a;
  if (!Number.isFinite(d)) return a + d * t;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/**
 * {@link percentile} of unsorted values (a sorted copy is made; the input is not modified).
 * @example percentileOf([3, 1, 2, 4], 50); // 2.5
 */
export function percentileOf(values: ArrayLike<number>, q: number): number {
  return percentile(Float64Array.from(values).sort(), q);
}
