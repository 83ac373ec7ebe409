import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/random.js';
import type { Vec3 } from '../../src/volume/volume.js';
import type { Sample } from '../../src/train/sampler.js';
import {
  augment,
  augmentationParams,
  isDummy2D,
  withProbabilities,
} from '../../src/train/augment/pipeline.js';
import { initialPatchSize, spatialMatrix, spatialTransform } from '../../src/train/augment/spatial.js';
import { flipAxis, mirror } from '../../src/train/augment/mirror.js';
import {
  adjustContrast,
  bgContrastFactor,
  gammaTransform,
  gaussianBlur,
  gaussianKernel,
} from '../../src/train/augment/intensity.js';
import { simulateLowResolution } from '../../src/train/augment/resolution.js';

/** A sample with a smooth image, a two-label blob and a mask channel (the label's blob shifted). */
function blobSample(shape: Vec3, seed = 1): Sample {
  const n = shape[0] * shape[1] * shape[2];
  const image = new Float32Array(n);
  const label = new Uint8Array(n);
  const mask = new Uint8Array(n);
  const rng = new Rng(seed);
  const c = shape.map((s) => s / 2);
  for (let z = 0, i = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++, i++) {
        image[i] = Math.sin(0.4 * x) + Math.cos(0.3 * y) + 0.1 * z + 0.05 * rng.normal();
        const r = Math.hypot(z - c[0], y - c[1], x - c[2]);
        if (r < Math.min(...shape) / 3) label[i] = x < c[2] ? 1 : 2;
        if (Math.hypot(z - c[0], y - c[1] - 1, x - c[2]) < Math.min(...shape) / 3) mask[i] = 1;
      }
  return { id: 'blob', image, channels: 1, masks: [mask], label, shape, spacing: [1.5, 0.5, 0.5] };
}

const bytes = (s: Sample) =>
  [s.image, s.label, ...s.masks].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));

test('nnU-Net defaults: dummy 2D for anisotropic patches and get_patch_size input sizes', () => {
  assert.equal(isDummy2D([40, 128, 128]), true);
  assert.equal(isDummy2D([64, 128, 128]), false);
  // nnU-Net's get_patch_size([40, 128, 128], ±30°, ±30°, ±30°, (0.85, 1.25)), computed by hand from its formula.
  assert.deepEqual(initialPatchSize([40, 128, 128], Math.PI / 6, [0.85, 1.25], false), [116, 205, 153]);
  const p = augmentationParams([40, 128, 128]);
  assert.equal(p.rotationDeg, 180);
  assert.deepEqual(p.inputSize, [40, 182, 182]); // 128 / 0.7, z kept
  assert.deepEqual(augmentationParams([64, 64, 64]).inputSize, [124, 124, 124]);
  assert.equal(p.pRotation, 0.2);
  assert.equal(p.pGamma, 0.3);
  assert.deepEqual(p.scaling, [0.7, 1.4]);
});

test('all probabilities 0: augment is the identity (or the exact centre crop of a larger input)', () => {
  const s = blobSample([6, 10, 12]);
  const params = withProbabilities(augmentationParams([6, 10, 12]), 0);
  const out = augment(s, new Rng(9), params);
  assert.deepEqual(bytes(out), bytes(s));
  const crop = augment(s, new Rng(9), { ...params, patchSize: [4, 6, 8] });
  assert.deepEqual(crop.shape, [4, 6, 8]);
  for (let z = 0; z < 4; z++)
    for (let y = 0; y < 6; y++)
      for (let x = 0; x < 8; x++) {
        const i = (z * 6 + y) * 8 + x;
        const j = ((z + 1) * 10 + y + 2) * 12 + x + 2;
        assert.equal(crop.image[i], s.image[j]);
        assert.equal(crop.label[i], s.label[j]);
      }
});

test('flipAxis reverses a known array along each axis; mirror moves image, label and masks together', () => {
  const a = Uint8Array.from({ length: 24 }, (_, i) => i); // [2, 3, 4]
  const fx = a.slice();
  flipAxis(fx, 1, [2, 3, 4], 2);
  assert.deepEqual(Array.from(fx.subarray(0, 8)), [3, 2, 1, 0, 7, 6, 5, 4]);
  const fy = a.slice();
  flipAxis(fy, 1, [2, 3, 4], 1);
  assert.deepEqual(Array.from(fy.subarray(0, 12)), [8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]);
  const fz = a.slice();
  flipAxis(fz, 1, [2, 3, 4], 0);
  assert.deepEqual(Array.from(fz), [...Array.from(a.subarray(12)), ...Array.from(a.subarray(0, 12))]);
  const two = Float32Array.from({ length: 8 }, (_, i) => i); // 2 channels of [1, 1, 4]
  flipAxis(two, 2, [1, 1, 4], 2);
  assert.deepEqual(Array.from(two), [3, 2, 1, 0, 7, 6, 5, 4]);

  const s = blobSample([3, 4, 5]);
  const m = { ...s, image: s.image.slice(), label: s.label.slice(), masks: [s.masks[0].slice()] };
  mirror(m, [true, false, true]);
  const at = (z: number, y: number, x: number) => (z * 4 + y) * 5 + x;
  for (const [z, y, x] of [
    [0, 1, 2],
    [2, 3, 4],
    [1, 0, 0],
  ]) {
    assert.equal(m.image[at(2 - z, y, 4 - x)], s.image[at(z, y, x)]);
    assert.equal(m.label[at(2 - z, y, 4 - x)], s.label[at(z, y, x)]);
    assert.equal(m.masks[0][at(2 - z, y, 4 - x)], s.masks[0][at(z, y, x)]);
  }
});

test('rotation by 90° about z turns a known pattern, nearest labels exact', () => {
  const shape: Vec3 = [2, 5, 5];
  const n = 50;
  const s: Sample = {
    id: 'rot',
    image: Float32Array.from({ length: n }, (_, i) => i),
    channels: 1,
    masks: [],
    label: Uint8Array.from({ length: n }, (_, i) => i % 3),
    shape,
    spacing: [1, 1, 1],
  };
  const out = spatialTransform(s, spatialMatrix([Math.PI / 2, 0, 0], [1, 1, 1]), shape);
  // Output (y, x) samples input (y', x') = (2 − (x − 2), 2 + (y − 2)) = (4 − x, y).
  for (let z = 0; z < 2; z++)
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 5; x++) {
        const i = (z * 5 + y) * 5 + x;
        const j = (z * 5 + (4 - x)) * 5 + y;
        assert.equal(out.label[i], s.label[j]);
        assert.ok(Math.abs(out.image[i] - s.image[j]) < 1e-4, `image at ${z},${y},${x}`);
      }
  // Scaling by 2 samples every other input voxel about the centre; outside the input is 0.
  const zoomed = spatialTransform(s, spatialMatrix([0, 0, 0], [1, 2, 2]), shape);
  assert.equal(zoomed.label[(0 * 5 + 2) * 5 + 3], s.label[(0 * 5 + 2) * 5 + 4]);
  assert.equal(zoomed.image[(1 * 5 + 0) * 5 + 0], 0);
  assert.equal(zoomed.label[(1 * 5 + 0) * 5 + 0], 0);
});

test('intensity transforms change the T2 channel only: masks and labels are untouched', () => {
  const s = blobSample([8, 16, 16]);
  const p = {
    ...withProbabilities(augmentationParams([8, 16, 16]), 1),
    pRotation: 0,
    pScaling: 0,
    pMirror: 0,
  };
  for (let seed = 0; seed < 4; seed++) {
    const out = augment(s, new Rng(seed), p);
    assert.deepEqual(out.masks[0], s.masks[0]);
    assert.deepEqual(out.label, s.label);
    assert.notDeepEqual(out.image, s.image);
    assert.ok(out.image.every(Number.isFinite));
  }
});

test('full augmentation keeps labels in {0, 1, 2} and masks binary; same seed gives the same bytes', () => {
  const s = blobSample([10, 24, 24]);
  const params = augmentationParams([8, 16, 16], { pRotation: 1, pScaling: 1, inputSize: [10, 24, 24] });
  for (let seed = 0; seed < 6; seed++) {
    const a = augment(s, new Rng(seed), params);
    assert.ok(a.label.every((l) => l <= 2));
    assert.ok(a.label.some((l) => l === 1) && a.label.some((l) => l === 2));
    assert.ok(a.masks[0].every((m) => m <= 1));
    assert.deepEqual(bytes(augment(s, new Rng(seed), params)), bytes(a));
  }
  assert.notDeepEqual(bytes(augment(s, new Rng(1), params)), bytes(augment(s, new Rng(2), params)));
  // The input sample is never modified.
  assert.deepEqual(bytes(s), bytes(blobSample([10, 24, 24])));
});

test('intensity building blocks: kernel sizes, blur of a constant, contrast range, gamma statistics', () => {
  assert.equal(gaussianKernel(0.5).length, 3);
  assert.equal(gaussianKernel(1).length, 7);
  assert.ok(Math.abs(gaussianKernel(0.8).reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const flat = new Float32Array(3 * 4 * 5).fill(2.5);
  gaussianBlur(flat, [3, 4, 5], [1, 0.7, 0.5]);
  assert.ok(flat.every((v) => Math.abs(v - 2.5) < 1e-6));
  const ramp = Float32Array.from({ length: 100 }, (_, i) => i / 10);
  adjustContrast(ramp, 1.25);
  assert.equal(Math.min(...ramp), 0);
  assert.ok(Math.abs(Math.max(...ramp) - 9.9) < 1e-6);
  const g = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3 + 1);
  const stats = (a: Float32Array) => {
    const m = a.reduce((x, y) => x + y, 0) / a.length;
    return [m, Math.sqrt(a.reduce((x, y) => x + (y - m) ** 2, 0) / (a.length - 1))];
  };
  const [m0, s0] = stats(g);
  gammaTransform(g, 1.4, true);
  const [m1, s1] = stats(g);
  assert.ok(Math.abs(m1 - m0) < 1e-4 && Math.abs(s1 - s0) < 1e-4);
  const rng = new Rng(4);
  for (let i = 0; i < 200; i++) {
    const f = bgContrastFactor(rng, [0.75, 1.25]);
    assert.ok(f >= 0.75 && f < 1.25);
  }
});

test('simulateLowResolution: zoom 1 is the identity, a constant stays constant, detail is lost', () => {
  const c = Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => i % 2);
  const same = c.slice();
  simulateLowResolution(same, [4, 8, 8], [1, 1, 1]);
  assert.deepEqual(same, c);
  const flat = new Float32Array(4 * 8 * 8).fill(3);
  simulateLowResolution(flat, [4, 8, 8], [0.5, 0.5, 0.5]);
  assert.ok(flat.every((v) => v === 3));
  const low = c.slice();
  simulateLowResolution(low, [4, 8, 8], [1, 1, 0.5]);
  assert.notDeepEqual(low, c);
  assert.throws(() => simulateLowResolution(low, [4, 8, 8], [0, 1, 1]), /zoom \[0, 1, 1\]/);
});
