import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zscore } from '../../src/volume/normalize.js';
import { diagonalAffine, type Volume } from '../../src/volume/volume.js';

const vol = (data: number[], channels?: number): Volume => ({
  data: new Int16Array(data),
  shape: [1, 1, data.length / (channels ?? 1)],
  spacing: [1, 1, 1],
  affine: diagonalAffine([1, 1, 1]),
  channels,
});
const close = (a: ArrayLike<number>, b: number[]) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-6, `${i}: ${a[i]} vs ${v}`));

test('zscore without mask: population std', () => {
  // mean 2.5, std sqrt(1.25)
  const z = zscore(vol([1, 2, 3, 4]));
  assert.ok(z.data instanceof Float32Array);
  const s = Math.sqrt(1.25);
  close(z.data, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
});

test('zscore with mask: statistics inside, zero outside', () => {
  // inside = [2, 3, 4]: mean 3, std sqrt(2/3)
  const z = zscore(vol([10, 2, 3, 4]), vol([0, 1, 1, 1]));
  const s = Math.sqrt(2 / 3);
  close(z.data, [0, -1 / s, 0, 1 / s]);
});

test('zscore: constant image becomes zeros (std floored at 1e-8)', () => {
  close(zscore(vol([5, 5, 5])).data, [0, 0, 0]);
});

test('zscore: channels are normalised separately', () => {
  close(zscore(vol([0, 2, 10, 30], 2)).data, [-1, 1, -1, 1]);
});

test('zscore errors', () => {
  assert.throws(() => zscore(vol([1, 2]), vol([0, 0])), { message: /mask is empty/ });
  assert.throws(() => zscore(vol([1, 2]), vol([1, 1, 1])), {
    message: /mask shape 1×1×3 .* differs from the image's 1×1×2/,
  });
});
