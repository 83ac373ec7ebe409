// Shared assertion of the torch tests: closeness of values.
import assert from 'node:assert/strict';

export interface Tol {
  rtol?: number;
  atol?: number;
}

/** `|actual − expected| ≤ atol + rtol·|expected|` elementwise (NaN matches NaN, ±inf must be equal). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol, what: string): void {
  const { rtol = 0, atol = 0 } = tol;
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Object.is(a, e) || a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `${what}: element ${i}: got ${a}, expected ${e}`);
  }
}
