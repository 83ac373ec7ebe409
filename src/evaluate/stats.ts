/**
 * Descriptive statistics of per-case metric values, as the paper's tables report them: Dice as
 * mean ± SD (Table 1), ASSD as median with the 25th and 75th percentiles (Table 2, where a failed
 * case has ASSD "inf" and still takes part in the median).
 *
 * Conventions, chosen to agree with numpy where numpy gives a number:
 * - `NaN` values (e.g. Dice of a case where both masks are empty, nnU-Net's convention) are left
 *   out of every statistic and counted in `nanCount`.
 * - `±Infinity` values (e.g. ASSD when one mask is empty) are counted in `infCount` and kept:
 *   the mean is then infinite (`np.mean`), the SD `NaN` (`np.std`: inf − inf), and percentiles are
 *   taken over the sorted values, infinities included (see {@link percentile}).
 * - SD is the population SD (`ddof = 0`, numpy's default `np.std`); the paper does not say which.
 */
import { percentile } from '../util/percentile.js';

export { percentile };

/** Summary statistics of a list of values. */
export interface Summary {
  /** Number of values used: all but the `NaN`s (infinities included). */
  n: number;
  /** Arithmetic mean of the non-NaN values; `±Infinity` if any is infinite, `NaN` if `n = 0`. */
  mean: number;
  /** Population standard deviation (ddof = 0); `NaN` if any value is infinite or `n = 0`. */
  sd: number;
  /** 50th percentile (numpy linear interpolation), infinities included; `NaN` if `n = 0`. */
  median: number;
  /** 25th percentile, as {@link Summary.median}. */
  p25: number;
  /** 75th percentile, as {@link Summary.median}. */
  p75: number;
  /** How many input values were `NaN` (left out). */
  nanCount: number;
  /** How many input values were `+Infinity` or `-Infinity` (kept). */
  infCount: number;
}

/**
 * Summary statistics of `values` (see the file comment for the NaN/infinity conventions).
 * The input is not modified.
 * @example
 * summarize([0.5, 0.8, NaN, Infinity]); // n 3, nanCount 1, infCount 1, mean Infinity, median 0.8
 */
export function summarize(values: readonly number[]): Summary {
  const kept: number[] = [];
  let nanCount = 0;
  let infCount = 0;
  for (const v of values) {
    if (Number.isNaN(v)) nanCount++;
    else {
      if (!Number.isFinite(v)) infCount++;
      kept.push(v);
    }
  }
  const n = kept.length;
  kept.sort((a, b) => a - b);
  let mean = NaN;
  let sd = NaN;
  if (n > 0) {
    mean = kept.reduce((s, v) => s + v, 0) / n;
    if (infCount === 0) sd = Math.sqrt(kept.reduce((s, v) => s + (v - mean) * (v - mean), 0) / n);
  }
  return {
    n,
    mean,
    sd,
    median: percentile(kept, 50),
    p25: percentile(kept, 25),
    p75: percentile(kept, 75),
    nanCount,
    infCount,
  };
}
