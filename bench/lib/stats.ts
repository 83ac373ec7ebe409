// Statistics the benchmarks report, on top of src/evaluate/stats.ts (numpy's percentile).
import { percentile } from '../../src/evaluate/stats.js';

/** Median of timings or ratios (numpy's linear percentile 50; `NaN` for none). */
export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
