// Binary erosion/dilation against scipy.ndimage (fixtures) and hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dilate, erode } from '../../src/volume/morphology.js';
import type { Vec3 } from '../../src/volume/volume.js';
import { fixtures, u8 } from '../fixtures/edt/fixtures.js';

const { shape } = fixtures.morphology;

for (const c of fixtures.morphology.cases) {
  const mask = u8(c.mask ?? fixtures.morphology.mask);
  const what = `connectivity ${c.connectivity}, ${c.iterations} iteration(s)${c.mask ? ', sparse mask' : ''}`;
  test(`erode matches scipy binary_erosion: ${what}`, () => {
    assert.deepEqual(erode(mask, shape, c.connectivity, { iterations: c.iterations }), u8(c.erode));
  });
  test(`dilate matches scipy binary_dilation: ${what}`, () => {
    assert.deepEqual(dilate(mask, shape, c.connectivity, { iterations: c.iterations }), u8(c.dilate));
  });
}

test('erode: border voxels erode (border_value = 0); a 3×3×3 cube shrinks to its centre', () => {
  const full = new Uint8Array(27).fill(1);
  const expected = new Uint8Array(27);
  expected[13] = 1;
  assert.deepEqual(erode(full, [3, 3, 3], 6), expected);
  assert.deepEqual(erode(full, [3, 3, 3], 26), expected);
  assert.deepEqual(erode(full, [3, 3, 3], 26, { iterations: 2 }), new Uint8Array(27));
});

test('dilate: one voxel grows to a cross (6) or a cube (26)', () => {
  const one = new Uint8Array(27);
  one[13] = 7; // any non-zero is set
  const cross = dilate(one, [3, 3, 3], 6);
  assert.deepEqual(
    Array.from(cross.keys()).filter((i) => cross[i]),
    [4, 10, 12, 13, 14, 16, 22],
  );
  assert.deepEqual(dilate(one, [3, 3, 3], 26), new Uint8Array(27).fill(1));
});

test('morphology does not modify its input and returns 0/1', () => {
  const m = new Uint8Array([0, 5, 0, 9]);
  const copy = m.slice();
  assert.deepEqual(dilate(m, [1, 1, 4], 6), new Uint8Array([1, 1, 1, 1]));
  assert.deepEqual(erode(m, [1, 1, 4], 26), new Uint8Array(4));
  assert.deepEqual(m, copy);
});

test('morphology rejects bad arguments with clear errors', () => {
  const m = new Uint8Array(8);
  const s: Vec3 = [2, 2, 2];
  assert.throws(() => erode(m, [2, 2, 3], 6), /erode: mask has 8 voxels, expected 12/);
  assert.throws(() => dilate(m, s, 8 as 6), /dilate: connectivity must be 6 or 26, got 8/);
  assert.throws(() => erode(m, s, 26, { iterations: 0 }), /erode: opts.iterations must be an integer >= 1/);
  assert.throws(() => dilate(m, s, 26, { iterations: 1.5 }), /dilate: opts.iterations/);
  assert.throws(() => dilate(m, [2, -2, 2], 26), /dilate: shape must be three positive integers/);
});
