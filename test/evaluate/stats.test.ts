// Summary statistics against numpy and the Wilcoxon signed-rank test against scipy.stats.wilcoxon
// (fixtures), plus the documented departures (NaN pairs, infinities, floating-point noise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarize } from '../../src/evaluate/stats.js';
import { erfc, wilcoxon } from '../../src/evaluate/wilcoxon.js';
import { close, fixtures, num } from '../fixtures/evaluate/fixtures.js';

test('percentile equals np.percentile (linear) bit for bit', () => {
  const { values, q, expected } = fixtures.percentiles;
  q.forEach((qq, i) => assert.equal(percentile(values, qq), expected[i], `q = ${qq}`));
  assert.equal(percentile([1, 2, 3, 4], 95), 3.8499999999999996);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 101), /\[0, 100\]/);
});

test('percentile with infinities takes the limit where numpy gives NaN', () => {
  assert.equal(percentile([1, Infinity], 50), Infinity); // numpy: nan
  assert.equal(percentile([1, 2, Infinity], 50), 2); // numpy: nan (weight 0)
  assert.equal(percentile([1, 2, Infinity], 25), 1.5);
  assert.equal(percentile([1, 2, Infinity], 75), Infinity);
  assert.equal(percentile([Infinity, Infinity], 30), Infinity);
});

for (const f of fixtures.summaries) {
  test(`summarize matches numpy: ${f.name}`, () => {
    const s = summarize(f.values.map(num));
    for (const [k, v] of Object.entries(f.expected)) {
      close(s[k as keyof typeof s], num(v), k, 1e-12);
    }
  });
}

test('summarize: inf counted and kept, NaN counted and left out', () => {
  const s = summarize([0.5, NaN, Infinity, 0.8, 0.4]);
  assert.deepEqual(
    {
      n: s.n,
      nanCount: s.nanCount,
      infCount: s.infCount,
      mean: s.mean,
      median: s.median,
      p25: s.p25,
      p75: s.p75,
    },
    { n: 4, nanCount: 1, infCount: 1, mean: Infinity, median: 0.65, p25: 0.475, p75: Infinity },
  );
  assert.ok(Number.isNaN(s.sd));
  const e = summarize([]);
  assert.equal(e.n, 0);
  assert.ok([e.mean, e.sd, e.median, e.p25, e.p75].every(Number.isNaN));
});

for (const f of fixtures.wilcoxon) {
  test(`wilcoxon matches scipy.stats.wilcoxon (method=${f.scipyMethod}): ${f.name}`, () => {
    const r = wilcoxon(f.x.map(num), f.y.map(num));
    assert.equal(r.method, f.method);
    assert.equal(r.n, f.n);
    assert.equal(r.statistic, num(f.statistic));
    close(r.pValue, num(f.pValue), 'p-value');
    assert.ok(r.pValue <= 1);
  });
}

test('wilcoxon: NaN pairs are dropped, all-zero or no pairs give NaN', () => {
  const f = fixtures.wilcoxon.find((c) => c.name.startsWith('exact, n=10'))!;
  const r = wilcoxon([...f.x.map(num), NaN, 0.3], [...f.y.map(num), 0.2, NaN]);
  assert.equal(r.nanPairs, 2);
  assert.equal(r.statistic, num(f.statistic));
  close(r.pValue, num(f.pValue), 'p-value');
  for (const z of [wilcoxon([], []), wilcoxon([1, 2], [1, 2]), wilcoxon([NaN], [1])]) {
    assert.equal(z.n, 0);
    assert.ok(Number.isNaN(z.statistic) && Number.isNaN(z.pValue));
  }
  assert.equal(wilcoxon([Infinity, 1], [Infinity, 1]).zeros, 2);
  assert.throws(() => wilcoxon([1, 2], [1]), /same length/);
  assert.throws(() => wilcoxon([1], [2], { zeroMethod: 'pratt' as 'wilcox' }), /zeroMethod/);
});

test('wilcoxon: differences equal up to floating-point noise tie', () => {
  // 0.3 − 0.1 and 0.2 differ in the last bit; they must share a rank (and force the approximation).
  const a = wilcoxon([0.3, 0.5, 0.9, 0.7], [0.1, 0.3, 0.2, 0.75]);
  assert.equal(a.method, 'approx');
  const b = wilcoxon([0.2, 0.2, 0.7, 0.7], [0, 0, 0, 0.75]);
  assert.equal(a.statistic, b.statistic);
  close(a.pValue, b.pValue, 'same p-value', 1e-12);
  assert.equal(wilcoxon([0.1 + 0.2, 1], [0.3, 0.5]).zeros, 1);
});

test('erfc is accurate in the far tail (tiny p-values keep their digits)', () => {
  close(erfc(0.5), 0.4795001221869535, 'erfc(0.5)', 1e-14);
  close(erfc(6), 2.1519736712498913e-17, 'erfc(6)', 1e-13);
  close(erfc(-2), 1.9953222650189528, 'erfc(-2)', 1e-14);
  assert.equal(erfc(0), 1);
});
