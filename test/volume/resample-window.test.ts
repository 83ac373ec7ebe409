import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resampleToShape, resampleWindow } from '../../src/volume/resample.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';
import { Rng } from '../../src/data/random.js';

test('resampleWindow: a 1-D row 4 → 8, window [2, 5): the full resampling\'s values there', () => {
  // Edge-aligned: output o samples input (o + 0.5)/2 − 0.5 → o = 2, 3, 4 sample 0.75, 1.25, 1.75.
  const vol: Volume = { data: Float32Array.from([0, 4, 8, 16]), shape: [1, 1, 4], spacing: [1, 1, 2], affine: diagonalAffine([1, 1, 2]) };
  const w = resampleWindow(vol, [1, 1, 8], { start: [0, 0, 2], end: [1, 1, 5] });
  assert.deepEqual([...w], [3, 5, 7]);
});

test('resampleWindow: equals the window of resampleToShape bit for bit (random shapes, windows, 1–2 channels)', () => {
  const rng = new Rng('resample-window');
  for (let trial = 0; trial < 60; trial++) {
    const inShape = [0, 1, 2].map(() => rng.int(1, 10)) as Vec3;
    const outShape = [0, 1, 2].map(() => rng.int(1, 13)) as Vec3;
    const channels = rng.int(1, 3);
    const data = new Float32Array(channels * inShape[0] * inShape[1] * inShape[2]);
    rng.fillNormal(data);
    const vol: Volume = { data, shape: inShape, spacing: [1, 1, 1], affine: diagonalAffine([1, 1, 1]), ...(channels > 1 ? { channels } : {}) };
    const full = resampleToShape(vol, outShape, 'linear');
    const start = outShape.map((n) => rng.int(0, n)) as Vec3;
    const end = outShape.map((n, a) => rng.int(start[a] + 1, n + 1)) as Vec3;
    const w = resampleWindow(vol, outShape, { start, end });
    const nOut = outShape[0] * outShape[1] * outShape[2];
    let i = 0;
    for (let c = 0; c < channels; c++) {
      for (let z = start[0]; z < end[0]; z++) {
        for (let y = start[1]; y < end[1]; y++) {
          for (let x = start[2]; x < end[2]; x++, i++) {
            assert.equal(w[i], full.data[c * nOut + (z * outShape[1] + y) * outShape[2] + x], `trial ${trial} voxel ${c},${z},${y},${x}`);
          }
        }
      }
    }
    assert.equal(i, w.length);
  }
});

test('resampleWindow: an empty window or one outside the grid is refused', () => {
  const vol: Volume = { data: new Float32Array(8), shape: [2, 2, 2], spacing: [1, 1, 1], affine: diagonalAffine([1, 1, 1]) };
  assert.throws(() => resampleWindow(vol, [4, 4, 4], { start: [0, 0, 2], end: [4, 4, 2] }), /non-empty box inside \[0, 4, 4, 4\)/);
  assert.throws(() => resampleWindow(vol, [4, 4, 4], { start: [0, 0, 0], end: [4, 4, 5] }), /resampleWindow: window/);
});
