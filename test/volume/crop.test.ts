import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crop, cropOrPad, extractRegion, pad } from '../../src/volume/crop.js';
import type { Mat4, Vec3, Volume } from '../../src/volume/volume.js';

// 3×4×5 ([z, y, x]) volume whose value is 100z + 10y + x; an oblique affine.
const AFFINE: Mat4 = [0.5, 0.1, 0, -10, 0, 0.8, 0.3, 20, 0.05, 0, 3, -5, 0, 0, 0, 1];
function makeVol(): Volume<Int16Array> {
  const data = new Int16Array(60);
  for (let z = 0; z < 3; z++)
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) data[(z * 4 + y) * 5 + x] = 100 * z + 10 * y + x;
  return { data, shape: [3, 4, 5], spacing: [3, 0.8, 0.5], affine: AFFINE };
}
/** World position of voxel [z, y, x]. */
function world(affine: Mat4, [z, y, x]: Vec3): number[] {
  return [0, 1, 2].map(
    (r) => affine[r * 4] * x + affine[r * 4 + 1] * y + affine[r * 4 + 2] * z + affine[r * 4 + 3],
  );
}

test('crop keeps values and world positions', () => {
  const v = makeVol();
  const c = crop(v, [1, 1, 2], [2, 2, 3]);
  assert.deepEqual(c.shape, [2, 2, 3]);
  assert.ok(c.data instanceof Int16Array);
  assert.deepEqual(Array.from(c.data), [112, 113, 114, 122, 123, 124, 212, 213, 214, 222, 223, 224]);
  assert.deepEqual(c.spacing, v.spacing);
  for (const p of [
    [0, 0, 0],
    [1, 1, 2],
  ] as Vec3[]) {
    const q = p.map((n, a) => n + [1, 1, 2][a]) as Vec3;
    world(c.affine, p).forEach((w, i) => assert.ok(Math.abs(w - world(AFFINE, q)[i]) < 1e-12));
  }
});

test('crop refuses a box outside the volume', () => {
  assert.throws(() => crop(makeVol(), [0, 3, 0], [1, 2, 1]), {
    message: /start\[1\] \+ size\[1\] = 5 exceeds shape\[1\] = 4/,
  });
  assert.throws(() => crop(makeVol(), [-1, 0, 0], [1, 1, 1]), {
    message: /start = \[-1, 0, 0\], expected three integers ≥ 0/,
  });
});

test('pad fills with the value and shifts the affine', () => {
  const v = makeVol();
  const p = pad(v, [0, 1, 0], [1, 0, 2], 7);
  assert.deepEqual(p.shape, [4, 5, 7]);
  const at = (z: number, y: number, x: number) => p.data[(z * 5 + y) * 7 + x];
  assert.equal(at(0, 0, 0), 7); // padded row y = 0
  assert.equal(at(0, 1, 0), 0); // old voxel (0, 0, 0)
  assert.equal(at(2, 4, 4), 234);
  assert.equal(at(2, 4, 5), 7);
  assert.equal(at(3, 2, 2), 7);
  world(p.affine, [0, 1, 0]).forEach((w, i) => assert.ok(Math.abs(w - world(AFFINE, [0, 0, 0])[i]) < 1e-12));
  assert.throws(() => pad({ ...v, data: new Uint8Array(60) }, [1, 1, 1], [0, 0, 0], -1), {
    message: /pad value -1 cannot be held by a Uint8Array/,
  });
});

test('cropOrPad centres: odd voxel at the end', () => {
  const v = makeVol();
  const r = cropOrPad(v, [1, 6, 2]);
  assert.deepEqual(r.shape, [1, 6, 2]);
  // z: 3 → 1 drops 1 at the start; y: 4 → 6 adds 1 before; x: 5 → 2 drops 1 at the start.
  assert.deepEqual(Array.from(r.data), [0, 0, 101, 102, 111, 112, 121, 122, 131, 132, 0, 0]);
  assert.deepEqual(cropOrPad(v, [3, 4, 5]).data, v.data);
});

test('extractRegion handles channels and regions partly outside', () => {
  const data = new Float32Array([1, 2, 3, 4]);
  const v: Volume = {
    data,
    shape: [1, 1, 2],
    spacing: [1, 1, 1],
    affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
    channels: 2,
  };
  const r = extractRegion(v, [0, 0, 1], [1, 1, 2], NaN);
  assert.equal(r.channels, 2);
  assert.deepEqual(Array.from(r.data), [2, NaN, 4, NaN]);
  assert.deepEqual(r.affine.slice(0, 4), [1, 0, 0, 1]);
});
