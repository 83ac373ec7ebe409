// Connected components against scipy.ndimage.label (fixtures) and hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { label, largestComponent } from '../../src/volume/components.js';
import type { Vec3 } from '../../src/volume/volume.js';
import { fixtures, i32, u8 } from '../fixtures/edt/fixtures.js';

for (const c of fixtures.label) {
  for (const conn of [6, 26] as const) {
    test(`label matches scipy.ndimage.label: ${c.name}, connectivity ${conn}`, () => {
      const mask = u8(c.mask);
      const expected = i32(c[conn].labels);
      const { labels, count, sizes } = label(mask, c.shape, conn);
      assert.equal(count, c[conn].count);
      assert.deepEqual(labels, expected);
      const want = new Array<number>(count).fill(0);
      for (const l of expected) if (l > 0) want[l - 1]++;
      assert.deepEqual(sizes, want);
    });
  }
}

test('label: diagonal neighbours join only with connectivity 26', () => {
  // 1×2×2 slice with a diagonal pair, plus an edge-diagonal pair across z.
  const m = new Uint8Array([1, 0, 0, 1]);
  assert.equal(label(m, [1, 2, 2], 6).count, 2);
  assert.equal(label(m, [1, 2, 2], 26).count, 1);
  const corner = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 1]); // (0,0,0) and (1,1,1)
  assert.deepEqual(label(corner, [2, 2, 2], 6).sizes, [1, 1]);
  assert.deepEqual(label(corner, [2, 2, 2], 26).sizes, [2]);
});

test('label: a U shape merges two provisional labels and numbers by first occurrence', () => {
  // x line 0..4 in row y=1; two arms up at x=0 and x=4 in row y=0, a lone voxel at (0,0,2).
  // Row y=0: 1 0 1 0 1; row y=1: 1 1 1 1 1 → one component (the lone voxel touches row 1 at x=2).
  const m = new Uint8Array([1, 0, 1, 0, 1, 1, 1, 1, 1, 1]);
  const r = label(m, [1, 2, 5], 6);
  assert.equal(r.count, 1);
  assert.deepEqual(Array.from(r.labels), [1, 0, 1, 0, 1, 1, 1, 1, 1, 1]);
  const two = label(new Uint8Array([0, 0, 1, 1, 0, 1]), [1, 1, 6], 6);
  assert.deepEqual(Array.from(two.labels), [0, 0, 1, 1, 0, 2]);
  assert.deepEqual(two.sizes, [2, 1]);
});

test('label: empty mask has no components', () => {
  const r = label(new Uint8Array(8), [2, 2, 2], 26);
  assert.equal(r.count, 0);
  assert.deepEqual(r.sizes, []);
  assert.ok(r.labels.every((l) => l === 0));
});

test('largestComponent keeps the biggest (first on ties) and handles an empty mask', () => {
  const m = new Uint8Array([1, 0, 1, 1, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(largestComponent(m, [1, 1, 8], 6)), [0, 0, 0, 0, 0, 1, 1, 1]);
  const tie = new Uint8Array([1, 1, 0, 1, 1]);
  assert.deepEqual(Array.from(largestComponent(tie, [1, 1, 5], 26)), [1, 1, 0, 0, 0]);
  assert.deepEqual(largestComponent(new Uint8Array(4), [1, 2, 2], 6), new Uint8Array(4));
});

test('largestComponent agrees with the scipy labels', () => {
  const c = fixtures.label[0];
  const expected = i32(c['6'].labels);
  const sizes = new Map<number, number>();
  for (const l of expected) if (l) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  const best = [...sizes].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  const out = largestComponent(u8(c.mask), c.shape, 6);
  assert.deepEqual(
    Array.from(out),
    Array.from(expected, (l) => (l === best ? 1 : 0)),
  );
});

test('components reject bad arguments with clear errors', () => {
  const m = new Uint8Array(8);
  const s: Vec3 = [2, 2, 2];
  assert.throws(() => label(m, [2, 2, 1], 6), /label: mask has 8 voxels, expected 4/);
  assert.throws(() => label(m, s, 18 as 26), /label: connectivity must be 6 or 26, got 18/);
  assert.throws(() => largestComponent(m, s, 4 as 6), /largestComponent: connectivity must be 6 or 26/);
  assert.throws(() => largestComponent(m, [1, 2, 2], 6), /largestComponent: mask has 8 voxels/);
});
