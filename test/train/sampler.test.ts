import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/random.js';
import { boundaryDistanceMap } from '../../src/volume/interface.js';
import type { Vec3 } from '../../src/volume/volume.js';
import {
  MAX_CLASS_LOCATIONS,
  checkCase,
  classLocations,
  foregroundClasses,
  isForcedForeground,
  samplePatch,
} from '../../src/train/sampler.js';
import { batchRng, makeBatch, pickCases, type BatchOptions } from '../../src/train/batch.js';
import type { PreprocessedCase } from '../../src/preprocess/types.js';

/**
 * A case whose image value is 1 + flat index (so a patch voxel tells where it came from) and whose
 * label is `labelAt(z, y, x)`.
 */
function indexCase(
  id: string,
  shape: Vec3,
  labelAt: (z: number, y: number, x: number) => number,
): PreprocessedCase {
  const n = shape[0] * shape[1] * shape[2];
  const image = new Float32Array(n);
  const label = new Uint8Array(n);
  for (let z = 0, i = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++, i++) {
        image[i] = i + 1;
        label[i] = labelAt(z, y, x);
      }
  return { id, patient: id, image, channels: 1, label, shape, spacing: [2, 0.5, 0.5] };
}

/** A 4×4×4 tumour in the corner: EM where x < 2, IM elsewhere. */
const cornerTumour = (z: number, y: number, x: number): number =>
  z < 4 && y < 4 && x < 4 ? (x < 2 ? 1 : 2) : 0;

/** Values of `data` (`shape`) inside the box `start`, `size`. */
function box(data: ArrayLike<number>, shape: Vec3, start: Vec3, size: Vec3): number[] {
  const out: number[] = [];
  for (let z = start[0]; z < start[0] + size[0]; z++)
    for (let y = start[1]; y < start[1] + size[1]; y++)
      for (let x = start[2]; x < start[2] + size[2]; x++) out.push(data[(z * shape[1] + y) * shape[2] + x]);
  return out;
}

test('isForcedForeground follows nnU-Net (round(B·0.67), ties to even)', () => {
  const forced = (b: number) => Array.from({ length: b }, (_, i) => isForcedForeground(i, b));
  assert.deepEqual(forced(1), [false]);
  assert.deepEqual(forced(2), [false, true]);
  assert.deepEqual(forced(3), [false, false, true]);
  assert.deepEqual(forced(4), [false, false, false, true]);
  assert.deepEqual(forced(6), [false, false, false, false, true, true]);
});

test('classLocations samples each class without replacement, capped and seeded by id', () => {
  const big = indexCase('big', [20, 40, 40], (z) => (z < 10 ? 1 : 0)); // 16,000 EM voxels, no IM
  const [em, im] = classLocations(big, foregroundClasses('split'));
  assert.equal(em.length, MAX_CLASS_LOCATIONS);
  assert.equal(im.length, 0);
  assert.equal(new Set(em).size, em.length);
  assert.ok(em.every((i) => big.label[i] === 1));
  assert.deepEqual(classLocations(big, foregroundClasses('split'))[0], em);
  const small = indexCase('small', [8, 8, 8], cornerTumour);
  const [wt] = classLocations(small, foregroundClasses('wholeTumour'));
  assert.deepEqual(
    [...wt].sort((a, b) => a - b),
    [...small.label.keys()].filter((i) => small.label[i] > 0),
  );
});

test('forced foreground: the centre crop (final patch) contains tumour, for every draw', () => {
  const c = indexCase('c', [24, 48, 48], cornerTumour);
  const locations = classLocations(c, foregroundClasses('split'));
  for (const placement of ['anywhere', 'centre'] as const) {
    for (let seed = 0; seed < 50; seed++) {
      const s = samplePatch(
        c,
        { patchSize: [8, 16, 16], inputSize: [12, 24, 24], forceForeground: true, locations, placement },
        new Rng(seed),
      );
      assert.deepEqual(s.shape, [12, 24, 24]);
      const centre = box(s.label, s.shape, [2, 4, 4], [8, 16, 16]);
      assert.ok(
        centre.some((l) => l > 0),
        `seed ${seed} (${placement}): no tumour in the final patch`,
      );
    }
  }
  // Not forced: a random patch of this case mostly misses the small tumour.
  let hits = 0;
  for (let seed = 0; seed < 50; seed++) {
    const s = samplePatch(
      c,
      { patchSize: [8, 16, 16], forceForeground: false, locations: [] },
      new Rng(seed),
    );
    if (s.label.some((l) => l > 0)) hits++;
  }
  assert.ok(hits < 25, `${hits} of 50 random patches hit the tumour`);
});

test('contralateral: the final patch holds the mirror image (x → nx − 1 − x) of a tumour voxel, not the tumour', () => {
  const c = indexCase('c', [24, 48, 48], cornerTumour); // tumour at x < 4 of 48
  const locations = classLocations(c, foregroundClasses('wholeTumour'));
  for (let seed = 0; seed < 50; seed++) {
    const s = samplePatch(c, { patchSize: [8, 16, 16], inputSize: [12, 24, 24], forceForeground: true, contralateral: true, locations }, new Rng(seed));
    const centre = box(s.image, s.shape, [2, 4, 4], [8, 16, 16]).filter((v) => v > 0).map((v) => v - 1);
    const at = centre.map((i) => [Math.floor(i / (48 * 48)), Math.floor(i / 48) % 48, i % 48]);
    assert.ok(at.some(([z, y, x]) => z < 4 && y < 4 && x >= 44), `seed ${seed}: no mirrored tumour voxel in the final patch`);
    assert.ok(!box(s.label, s.shape, [0, 0, 0], s.shape).some((l) => l > 0), `seed ${seed}: the patch holds tumour`);
  }
});

test('at: the final patch holds the given voxel (a hard negative), before any foreground; outside the case throws', () => {
  const c = indexCase('c', [24, 48, 48], cornerTumour);
  const locations = classLocations(c, foregroundClasses('wholeTumour'));
  const at: Vec3 = [15, 30, 40];
  const wanted = (15 * 48 + 30) * 48 + 40 + 1;
  for (let seed = 0; seed < 50; seed++) {
    for (const forceForeground of [false, true]) {
      const s = samplePatch(c, { patchSize: [8, 16, 16], inputSize: [12, 24, 24], forceForeground, locations, at }, new Rng(seed));
      assert.ok(box(s.image, s.shape, [2, 4, 4], [8, 16, 16]).includes(wanted), `seed ${seed}: the point is not in the final patch`);
      assert.ok(!s.label.some((l) => l > 0), `seed ${seed}: the patch went to the tumour`);
    }
  }
  const centred = samplePatch(c, { patchSize: [8, 16, 16], forceForeground: false, locations: [], at, placement: 'centre' }, new Rng(1));
  assert.equal(centred.image[(4 * 16 + 8) * 16 + 8], wanted, "placement 'centre' puts it at the patch centre");
  assert.throws(() => samplePatch(c, { patchSize: [8, 16, 16], forceForeground: false, locations: [], at: [24, 0, 0] }, new Rng(1)), /case 'c': patch centre \[24, 0, 0\] is outside the case's \[24, 48, 48\] voxels/);
});

test('hard-negative batches: at share 1 every unforced sample holds one of its case\'s points; share 0, no option or no points is the plain stream', () => {
  const c = indexCase('w', [8, 16, 48], (z, y, x) => (z >= 2 && z < 6 && y >= 4 && y < 12 && x >= 2 && x < 8 ? 1 : 0));
  const opts = { ...base, patchSize: [8, 16, 16] as Vec3 };
  const n = 8 * 16 * 16;
  const points: Vec3[] = [[4, 8, 30], [1, 2, 44]];
  const flat = points.map(([z, y, x]) => (z * 16 + y) * 48 + x + 1);
  const seen = new Set<number>();
  for (let it = 0; it < 30; it++) {
    const plain = makeBatch([c, c], 'wholeTumour', { ...opts, iteration: it });
    for (const h of [{ share: 0, points: { w: points } }, { share: 1, points: { v: points } }]) {
      assert.deepEqual(makeBatch([c, c], 'wholeTumour', { ...opts, iteration: it, hardNegatives: h }), plain, `iteration ${it}: ${JSON.stringify(h)} changes the stream`);
    }
    const b = makeBatch([c, c], 'wholeTumour', { ...opts, iteration: it, hardNegatives: { share: 1, points: { w: points } } });
    // Sample 1 is forced to hold tumour; sample 0 (unforced) holds a point.
    assert.ok(b.target.subarray(n, 2 * n).some((t) => t > 0));
    assert.deepEqual(b.image.subarray(n, 2 * n), plain.image.subarray(n, 2 * n), 'the forced sample is unchanged');
    const hit = flat.filter((v) => b.image.subarray(0, n).includes(v));
    assert.ok(hit.length > 0, `iteration ${it}: sample 0 holds no hard negative`);
    hit.forEach((v) => seen.add(v));
  }
  assert.equal(seen.size, 2, 'both points are drawn');
  assert.throws(() => makeBatch([c, c], 'wholeTumour', { ...opts, hardNegatives: { share: 1.5, points: {} } }), /hardNegatives\.share 1\.5, expected a probability from 0 to 1/);
});

test('random patches of a large case lie inside it (a contiguous box of the case)', () => {
  const shape: Vec3 = [10, 20, 30];
  const c = indexCase('c', shape, () => 0);
  for (let seed = 0; seed < 40; seed++) {
    const s = samplePatch(c, { patchSize: [4, 8, 8], forceForeground: false, locations: [] }, new Rng(seed));
    assert.ok(
      s.image.every((v) => v > 0),
      'no padding',
    );
    const first = s.image[0] - 1;
    const start: Vec3 = [Math.floor(first / 600), Math.floor(first / 30) % 20, first % 30];
    assert.deepEqual(Array.from(s.image), box(c.image, shape, start, [4, 8, 8]));
  }
});

test('a case smaller than the patch is centred and padded with 0 (image and label)', () => {
  const c = indexCase('tiny', [3, 4, 5], () => 2);
  const s = samplePatch(
    c,
    { patchSize: [5, 8, 9], forceForeground: true, locations: classLocations(c, foregroundClasses('split')) },
    new Rng(3),
  );
  assert.deepEqual(s.shape, [5, 8, 9]);
  // nnU-Net pads ⌈need/2⌉ before: [1, 2, 2].
  assert.deepEqual(box(s.image, s.shape, [1, 2, 2], [3, 4, 5]), Array.from(c.image));
  assert.equal(s.image.filter((v) => v > 0).length, 60);
  assert.equal(s.label.filter((l) => l === 2).length, 60);
  assert.equal(s.label.filter((l) => l === 0).length, 5 * 8 * 9 - 60);
});

test('checkCase names the case and the field', () => {
  const c = indexCase('p007', [2, 3, 4], () => 0);
  assert.throws(
    () => checkCase({ ...c, label: new Uint8Array(5) }),
    /case 'p007': label has 5 values, expected a Uint8Array of 2×3×4 = 24/,
  );
  assert.throws(() => checkCase({ ...c, channels: 2 }), /case 'p007': image has 24 values/);
  assert.throws(() => checkCase({ ...c, spacing: [1, 0, 1] }), /case 'p007': spacing/);
});

// --- batch assembly ---------------------------------------------------------------------------

/** Two halves of a box: EM for x < 8, IM for x ≥ 8 (an interface at x = 7.5). */
const halves = (z: number, y: number, x: number): number =>
  z >= 2 && z < 6 && y >= 4 && y < 12 && x >= 4 && x < 12 ? (x < 8 ? 1 : 2) : 0;
const base: BatchOptions = {
  patchSize: [8, 16, 16],
  batchSize: 2,
  seed: 5,
  epoch: 0,
  iteration: 0,
  augment: false,
  stage2Input: 'reference',
};

test('split batch: [T2, WT mask] channels, 0/1/2 target, φ = boundaryDistanceMap(target)', () => {
  const c = indexCase('s', [8, 16, 16], halves);
  const b = makeBatch([c], 'split', base);
  assert.deepEqual(b.shape, [2, 2, 8, 16, 16]);
  assert.deepEqual(b.ids, ['s', 's']);
  const n = 8 * 16 * 16;
  for (let s = 0; s < 2; s++) {
    const target = b.target.subarray(s * n, (s + 1) * n);
    assert.deepEqual(target, c.label); // the patch is the whole case
    assert.deepEqual(b.image.subarray(2 * s * n, (2 * s + 1) * n), c.image);
    assert.deepEqual(
      Array.from(b.image.subarray((2 * s + 1) * n, (2 * s + 2) * n)),
      Array.from(target, (l) => (l > 0 ? 1 : 0)),
    );
    assert.deepEqual(
      b.phi!.subarray(s * n, (s + 1) * n),
      boundaryDistanceMap(target, [8, 16, 16], c.spacing),
    );
  }
  assert.equal(b.phi![(4 * 16 + 8) * 16 + 7], 0); // on the interface
  assert.equal(b.phi![(4 * 16 + 8) * 16 + 10], 1); // two voxels of 0.5 mm from it
});

test('split batch with stage2Input prediction uses the stage-1 mask; missing prediction names the case', () => {
  const c = indexCase('s', [8, 16, 16], halves);
  const prediction = new Uint8Array(c.label.length).fill(1);
  const b = makeBatch([{ ...c, wholeTumourPrediction: prediction }], 'split', {
    ...base,
    stage2Input: 'prediction',
  });
  const n = 8 * 16 * 16;
  assert.ok(b.image.subarray(n, 2 * n).every((v) => v === 1));
  assert.throws(
    () => makeBatch([c], 'split', { ...base, stage2Input: 'prediction' }),
    /case 's': wholeTumourPrediction is missing/,
  );
});

test('contralateral batches: the unforced sample goes to the other side with probability P; P = 0 is the plain stream', () => {
  const c = indexCase('w', [8, 16, 48], (z, y, x) => (z >= 2 && z < 6 && y >= 4 && y < 12 && x >= 2 && x < 8 ? 1 : 0));
  const opts = { ...base, patchSize: [8, 16, 16] as Vec3 };
  const n = 8 * 16 * 16;
  for (let it = 0; it < 20; it++) {
    const plain = makeBatch([c, c], 'wholeTumour', { ...opts, iteration: it });
    assert.deepEqual(makeBatch([c, c], 'wholeTumour', { ...opts, iteration: it, contralateral: 0 }).image, plain.image, 'P = 0 changes nothing');
    const b = makeBatch([c, c], 'wholeTumour', { ...opts, iteration: it, contralateral: 1 });
    // Sample 1 is forced to hold tumour; sample 0, at P = 1, holds the mirror image (x 40–45): no tumour.
    assert.ok(b.target.subarray(n, 2 * n).some((t) => t > 0));
    const xs = Array.from(b.image.subarray(0, n), (v) => (v - 1) % 48);
    assert.ok(xs.some((x) => x >= 40 && x < 46) && b.target.subarray(0, n).every((t) => t === 0), `iteration ${it}: sample 0 not on the other side`);
  }
  assert.throws(() => makeBatch([c, c], 'wholeTumour', { ...opts, contralateral: 1.5 }), /contralateral 1\.5, expected a probability from 0 to 1/);
});

test('φ is +Infinity where the patch has no EM/IM interface', () => {
  const c = indexCase('em', [8, 16, 16], (z, y, x) => (halves(z, y, x) > 0 ? 1 : 0));
  const b = makeBatch([c], 'split', base);
  assert.ok(b.phi!.every((v) => v === Infinity));
});

test('wholeTumour and baseline batches: one channel, binary vs 0/1/2 targets, no φ', () => {
  const c = indexCase('w', [8, 16, 16], halves);
  const wt = makeBatch([c], 'wholeTumour', base);
  assert.deepEqual(wt.shape, [2, 1, 8, 16, 16]);
  assert.equal(wt.phi, undefined);
  assert.deepEqual(
    wt.target.subarray(0, c.label.length),
    c.label.map((l) => (l > 0 ? 1 : 0)),
  );
  const bl = makeBatch([c], 'baseline', base);
  assert.deepEqual(bl.shape, [2, 1, 8, 16, 16]);
  assert.deepEqual(bl.target.subarray(0, c.label.length), c.label);
  assert.throws(
    () => makeBatch([{ ...c, label: c.label.map((l) => (l === 2 ? 3 : l)) }], 'baseline', base),
    /case 'w': label 3 found/,
  );
});

test('makeBatch: validation patches force foreground in the last third; same options give the same bytes', () => {
  const cases = [indexCase('a', [24, 48, 48], cornerTumour), indexCase('b', [20, 40, 52], cornerTumour)];
  for (let iteration = 0; iteration < 30; iteration++) {
    const b = makeBatch(cases, 'baseline', { ...base, iteration });
    assert.ok(
      b.target.subarray(8 * 16 * 16).some((l) => l > 0),
      `iteration ${iteration}: sample 1 has no tumour`,
    );
  }
  const opts: BatchOptions = { ...base, batchSize: 3, augment: true, epoch: 2, iteration: 7 };
  const x = makeBatch(cases, 'split', opts);
  const y = makeBatch(cases, 'split', { ...opts });
  assert.deepEqual(x, y);
  assert.notDeepEqual(makeBatch(cases, 'split', { ...opts, iteration: 8 }).image, x.image);
  assert.deepEqual(pickCases(2, opts), pickCases(2, opts));
  assert.notEqual(batchRng(5, 2, 7).next(), batchRng(5, 7, 2).next());
});
