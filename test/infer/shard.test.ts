import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePart, partOf } from '../../src/infer/shard.js';

test('parsePart: K/N with 0 ≤ K < N, else an error naming the flag', () => {
  assert.deepEqual(parsePart('0/1'), { k: 0, n: 1 });
  assert.deepEqual(parsePart('7/8'), { k: 7, n: 8 });
  for (const bad of ['1/1', '-1/2', '2', 'a/b', '1/0', '0/0', '1.5/3', '']) {
    assert.throws(() => parsePart(bad), { message: new RegExp(`^--part: expected K/N with integers 0 ≤ K < N .*got '${bad.replace('.', '\\.')}'`) });
  }
});

test('partOf: every case in exactly one part, sizes within one, as nnU-Net (sorted, then [k::n])', () => {
  const ids = Array.from({ length: 23 }, (_, i) => `VS_${String((i * 7) % 23).padStart(3, '0')}`);
  for (const n of [1, 2, 3, 4, 5, 8, 23, 30]) {
    const parts = Array.from({ length: n }, (_, k) => partOf(ids, { k, n }, (s) => s));
    const all = parts.flat();
    assert.equal(all.length, ids.length, `n = ${n}: every case once`);
    assert.deepEqual([...all].sort(), [...ids].sort());
    const sizes = parts.map((p) => p.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n = ${n}: balanced ${sizes}`);
  }
  // The hand-computed case: sorted a..e, part 1 of 2 takes indices 1, 3.
  assert.deepEqual(partOf(['e', 'c', 'a', 'd', 'b'], { k: 1, n: 2 }, (s) => s), ['b', 'd']);
  assert.deepEqual(partOf(['e', 'c', 'a', 'd', 'b'], { k: 0, n: 2 }, (s) => s), ['a', 'c', 'e']);
});

test('partOf: stable — the same parts whatever the order the inputs come in', () => {
  const ids = ['p3', 'p10', 'p1', 'p22', 'p7', 'p5', 'p0'];
  const reversed = [...ids].reverse();
  for (let k = 0; k < 3; k++) {
    assert.deepEqual(partOf(ids, { k, n: 3 }, (s) => s), partOf(reversed, { k, n: 3 }, (s) => s));
  }
});

test('partOf: a case id given twice is refused', () => {
  assert.throws(() => partOf(['/a/x_0000.nii.gz', '/b/x_0000.nii.gz'], { k: 0, n: 1 }, (p) => p.split('/')[2]), {
    message: /case 'x_0000\.nii\.gz' is given twice/,
  });
});
