// Exact EDT against scipy.ndimage.distance_transform_edt (fixtures), a brute-force reference,
// and the parallel driver against the serial one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edt } from '../../src/volume/edt.js';
import { edtParallel } from '../../src/volume/edt-parallel.js';
import type { Vec3 } from '../../src/volume/volume.js';
import { f32, fixtures, u8 } from '../fixtures/edt/fixtures.js';

/** Float64 distance from flat voxel a to flat voxel b, summed in scipy's order (z, y, x). */
function dist64(a: number, b: number, shape: Vec3, spacing: Vec3): number {
  const [, ny, nx] = shape;
  const dz = (Math.floor(a / (ny * nx)) - Math.floor(b / (ny * nx))) * spacing[0];
  const dy = ((Math.floor(a / nx) % ny) - (Math.floor(b / nx) % ny)) * spacing[1];
  const dx = ((a % nx) - (b % nx)) * spacing[2];
  return Math.sqrt(dz * dz + dy * dy + dx * dx);
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a === e) continue;
    assert.ok(Math.abs(a - e) <= 1e-6 * Math.abs(e), `${what}: voxel ${i}: got ${a}, scipy ${e}`);
  }
}

/** Each index points at a set voxel at exactly the reported distance. */
function assertIndices(
  mask: Uint8Array,
  shape: Vec3,
  spacing: Vec3,
  distance: Float32Array,
  indices: Int32Array,
): void {
  for (let i = 0; i < mask.length; i++) {
    const j = indices[i];
    if (distance[i] === Infinity) {
      assert.equal(j, -1, `voxel ${i}: index of an infinite distance`);
      continue;
    }
    assert.ok(j >= 0 && j < mask.length && mask[j] !== 0, `voxel ${i}: index ${j} is not a set voxel`);
    assert.equal(Math.fround(dist64(i, j, shape, spacing)), distance[i], `voxel ${i}: distance to its index`);
  }
}

function randomMask(shape: Vec3, p: number, seed: number): Uint8Array {
  const m = new Uint8Array(shape[0] * shape[1] * shape[2]);
  let s = seed >>> 0;
  for (let i = 0; i < m.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    m[i] = s / 2 ** 32 < p ? 1 : 0;
  }
  return m;
}

test(`fixtures were made with scipy (${fixtures.scipy})`, () => {
  assert.match(fixtures.scipy, /^\d+\.\d+/);
  assert.ok(fixtures.edt.length >= 8);
});

for (const c of fixtures.edt) {
  test(`edt matches scipy: ${c.name}`, () => {
    const mask = u8(c.mask);
    const { distance, indices } = edt(mask, c.shape, c.spacing, { returnIndices: true });
    assertClose(distance, f32(c.distance), c.name);
    assertIndices(mask, c.shape, c.spacing, distance, indices!);
  });
}

test('edt: empty mask gives +Infinity and indices -1', () => {
  const { distance, indices } = edt(new Uint8Array(24), [2, 3, 4], [1, 1, 1], { returnIndices: true });
  assert.ok(distance.every((d) => d === Infinity));
  assert.ok(indices!.every((j) => j === -1));
});

test('edt: full mask gives 0 and each voxel its own index', () => {
  const { distance, indices } = edt(new Uint8Array(24).fill(3), [2, 3, 4], [1, 2, 3], {
    returnIndices: true,
  });
  assert.ok(distance.every((d) => d === 0));
  assert.deepEqual(
    Array.from(indices!),
    Array.from({ length: 24 }, (_, i) => i),
  );
});

test('edt: indices are omitted unless asked for', () => {
  assert.equal(edt(new Uint8Array([0, 1]), [1, 1, 2], [1, 1, 1]).indices, undefined);
});

test('edt: hand-computed line with anisotropic spacing', () => {
  // x line of 5 with voxel 1 set, spacing x = 0.5 mm: distances 0.5, 0, 0.5, 1, 1.5.
  const { distance } = edt(new Uint8Array([0, 1, 0, 0, 0]), [1, 1, 5], [9, 9, 0.5]);
  assert.deepEqual(Array.from(distance), [0.5, 0, 0.5, 1, 1.5]);
  // z column of 3 with the last voxel set, spacing z = 1.5.
  const col = edt(new Uint8Array([0, 0, 1]), [3, 1, 1], [1.5, 1, 1]).distance;
  assert.deepEqual(Array.from(col), [3, 1.5, 0]);
});

test('edt equals brute force on a random anisotropic volume', () => {
  const shape: Vec3 = [6, 9, 11];
  const spacing: Vec3 = [1.5, 0.41, 0.77];
  const mask = randomMask(shape, 0.03, 7);
  const set = mask.reduce<number[]>((a, v, i) => (v ? [...a, i] : a), []);
  assert.ok(set.length > 1);
  const { distance } = edt(mask, shape, spacing);
  for (let i = 0; i < mask.length; i++) {
    const best = Math.min(...set.map((j) => dist64(i, j, shape, spacing)));
    assert.equal(distance[i], Math.fround(best), `voxel ${i}`);
  }
});

test('edt equals brute force where the z sweep takes several column blocks and SIMD leaves tails', () => {
  // 600 slices: a kernel block holds 2 MiB, i.e. 688 z columns (384 with indices) of the 31×37 =
  // 1147, so the z sweep runs in 2 (3) blocks, the last one partial; 1147 is not a multiple of the
  // 4 SIMD lanes. A slice of 1147 voxels after the larger slices of other tests reuses the kernel.
  const shape: Vec3 = [600, 31, 37];
  const spacing: Vec3 = [0.9, 1.3, 0.6];
  const mask = new Uint8Array(shape[0] * shape[1] * shape[2]);
  // In-slice positions at block ends (687 | 688, 383 | 384) and in the SIMD tail (1145, 1146).
  const at = (z: number, p: number) => z * 1147 + p;
  const set = [
    5,
    at(12, 687),
    at(160, 688),
    at(300, 383),
    at(301, 384),
    at(100, 1145),
    at(450, 1146),
    600_000,
  ];
  for (const j of set) mask[j] = 1;
  const { distance, indices } = edt(mask, shape, spacing, { returnIndices: true });
  const plain = edt(mask, shape, spacing).distance;
  for (let i = 0; i < mask.length; i++) {
    let best = Infinity;
    for (const j of set) best = Math.min(best, dist64(i, j, shape, spacing));
    assert.equal(distance[i], Math.fround(best), `voxel ${i}`);
    assert.equal(plain[i], distance[i], `voxel ${i} without indices`);
  }
  assertIndices(mask, shape, spacing, distance, indices!);
});

test('edt equals brute force on thin and odd shapes (dimensions of 1, 2, 3, 5, 17)', () => {
  const shapes: Vec3[] = [
    [1, 1, 1],
    [1, 1, 17],
    [1, 17, 1],
    [17, 1, 1],
    [2, 3, 5],
    [3, 1, 5],
    [5, 2, 1],
    [1, 5, 17],
  ];
  for (const [k, shape] of shapes.entries()) {
    const spacing: Vec3 = [1.2, 0.7, 0.45];
    for (const p of [0.05, 0.3]) {
      const mask = randomMask(shape, p, 100 + k);
      const set = mask.reduce<number[]>((a, v, i) => (v ? [...a, i] : a), []);
      const { distance, indices } = edt(mask, shape, spacing, { returnIndices: true });
      for (let i = 0; i < mask.length; i++) {
        const best = Math.min(...set.map((j) => dist64(i, j, shape, spacing)));
        assert.equal(distance[i], Math.fround(best), `shape ${shape}, p ${p}, voxel ${i}`);
      }
      assertIndices(mask, shape, spacing, distance, indices!);
    }
  }
});

test('edt rejects bad arguments with clear errors', () => {
  const m = new Uint8Array(24);
  assert.throws(() => edt(m, [2, 3, 5], [1, 1, 1]), /edt: mask has 24 voxels, expected 30/);
  assert.throws(() => edt(m, [2, 3, 4], [1, 0, 1]), /edt: spacing must be three finite numbers > 0/);
  assert.throws(() => edt(m, [2, 3, 4], [1, NaN, 1]), /edt: spacing/);
  assert.throws(() => edt(m, [2, 3, 4], [1, 1] as unknown as Vec3), /edt: spacing/);
  assert.throws(() => edt(m, [2, 3.5, 4], [1, 1, 1]), /edt: shape must be three positive integers/);
  assert.throws(() => edt(m, [0, 3, 4], [1, 1, 1]), /edt: shape/);
});

test('edtParallel equals edt bit for bit (distances and indices)', async () => {
  const cases: [Vec3, Vec3, number][] = [
    [[13, 37, 29], [1.5, 0.41, 0.41], 0.002],
    [[5, 8, 9], [1, 1, 1], 0.3],
    [[1, 1, 1], [1, 1, 1], 0],
    [[3, 1, 7], [2, 1, 0.5], 0.2],
  ];
  for (const [shape, spacing, p] of cases) {
    const mask = randomMask(shape, p, 11);
    const serial = edt(mask, shape, spacing, { returnIndices: true });
    for (const threads of [1, 2, 3]) {
      const par = await edtParallel(mask, shape, spacing, { returnIndices: true, threads });
      assert.deepEqual(new Uint8Array(par.distance.buffer), new Uint8Array(serial.distance.buffer));
      assert.deepEqual(Array.from(par.indices!), Array.from(serial.indices!));
    }
    const noIdx = await edtParallel(mask, shape, spacing);
    assert.equal(noIdx.indices, undefined);
    assert.deepEqual(Array.from(noIdx.distance), Array.from(serial.distance));
  }
});

test('edtParallel matches the scipy fixtures', async () => {
  for (const c of fixtures.edt) {
    const { distance } = await edtParallel(u8(c.mask), c.shape, c.spacing);
    assertClose(distance, f32(c.distance), c.name);
  }
});

test('edtParallel rejects bad arguments', async () => {
  await assert.rejects(
    edtParallel(new Uint8Array(3), [1, 1, 2], [1, 1, 1]),
    /edtParallel: mask has 3 voxels/,
  );
  await assert.rejects(edtParallel(new Uint8Array(2), [1, 1, 2], [1, -1, 1]), /edtParallel: spacing/);
  await assert.rejects(edtParallel(new Uint8Array(2), [1, 1, 2], [1, 1, 1], { threads: 0 }), /opts.threads/);
});

test('edt and edtParallel write into given output arrays (out, outIndices) with the same result', async () => {
  const shape: Vec3 = [7, 11, 13];
  const spacing: Vec3 = [1.5, 0.41, 0.7];
  const mask = randomMask(shape, 0.01, 5);
  const ref = edt(mask, shape, spacing, { returnIndices: true });
  const out = new Float32Array(mask.length).fill(-7); // stale contents are overwritten
  const outIndices = new Int32Array(mask.length).fill(99);
  const r = edt(mask, shape, spacing, { returnIndices: true, out, outIndices });
  assert.equal(r.distance, out);
  assert.equal(r.indices, outIndices);
  assert.deepEqual(Array.from(out), Array.from(ref.distance));
  assert.deepEqual(Array.from(outIndices), Array.from(ref.indices!));
  const sOut = new Float32Array(new SharedArrayBuffer(4 * mask.length)).fill(-7);
  const sIdx = new Int32Array(new SharedArrayBuffer(4 * mask.length));
  for (let k = 0; k < 2; k++) {
    // twice: the second call reuses the driver's shared copy of the mask
    const p = await edtParallel(mask, shape, spacing, {
      returnIndices: true,
      out: sOut,
      outIndices: sIdx,
      threads: 2,
    });
    assert.equal(p.distance, sOut);
    assert.deepEqual(Array.from(sOut), Array.from(ref.distance));
    assert.deepEqual(Array.from(sIdx), Array.from(ref.indices!));
  }
  // a smaller mask after a larger one reuses the copy's prefix
  const small = randomMask([3, 4, 5], 0.1, 2);
  const ps = await edtParallel(small, [3, 4, 5], spacing);
  assert.deepEqual(Array.from(ps.distance), Array.from(edt(small, [3, 4, 5], spacing).distance));
});

test('edt output arrays are checked', async () => {
  const m = new Uint8Array(24);
  const s: Vec3 = [2, 3, 4];
  assert.throws(
    () => edt(m, s, [1, 1, 1], { out: new Float32Array(23) }),
    /edt: opts.out must be Float32Array with 24 elements \(one per voxel\), got Float32Array\(23\)/,
  );
  assert.throws(
    () => edt(m, s, [1, 1, 1], { out: new Float64Array(24) as unknown as Float32Array }),
    /got Float64Array\(24\)/,
  );
  assert.throws(
    () => edt(m, s, [1, 1, 1], { returnIndices: true, outIndices: new Int32Array(2) }),
    /opts.outIndices must be Int32Array with 24/,
  );
  assert.throws(
    () => edt(m, s, [1, 1, 1], { outIndices: new Int32Array(24) }),
    /opts.outIndices needs opts.returnIndices/,
  );
  // 2^31 voxels: flat indices would not fit int32 (checked before anything is allocated)
  const huge = { length: 2 ** 31 } as unknown as Uint8Array;
  assert.throws(
    () => edt(huge, [2, 2 ** 15, 2 ** 15], [1, 1, 1], { returnIndices: true }),
    /edt: indices are int32; a volume of 2147483648 voxels \(more than 2147483647\) cannot have them/,
  );
  await assert.rejects(
    edtParallel(m, s, [1, 1, 1], { out: new Float32Array(24) }),
    /edtParallel: opts.out must be backed by a SharedArrayBuffer/,
  );
});
