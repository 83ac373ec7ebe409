// Dice, ASSD, HD95 and boundary ASSD against medpy's (0.5.2, 0.4.0), MONAI's and nnU-Net's code
// paths transcribed onto scipy (fixtures; make_fixtures.py cites the sources),
// the bounding-box crop against the full-volume computation, and the error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASSES, dice, evaluateCase, type MetricOptions } from '../../src/evaluate/metrics.js';
import { DISTANCE_DEFINITIONS, directedDistances, maskBorder, surfaceDistances } from '../../src/evaluate/surface.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';
import { close, fixtures, num, u8 } from '../fixtures/evaluate/fixtures.js';

function vol(data: Volume['data'], shape: Vec3, spacing: Vec3): Volume {
  return { data, shape, spacing, affine: diagonalAffine(spacing) };
}

/** Seeded LCG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test(`fixtures were made with scipy ${fixtures.scipy}, numpy ${fixtures.numpy}`, () => {
  assert.match(fixtures.scipy, /^\d+\.\d+/);
  assert.ok(fixtures.metrics.length >= 10);
});

for (const distance of DISTANCE_DEFINITIONS) {
  for (const f of fixtures.metrics) {
    test(`evaluateCase (${distance}) matches the peer's code: ${f.name}`, () => {
      const m = evaluateCase(
        vol(u8(f.pred), f.shape, f.spacing),
        vol(u8(f.ref), f.shape, f.spacing),
        f.name,
        {
          distance,
        },
      );
      assert.equal(m.id, f.name);
      for (const c of CLASSES) {
        const e = f.classes[c];
        const got = m.classes[c];
        close(got.dice, num(e.dice), `${c} dice`);
        if (c === 'background') {
          assert.ok(Number.isNaN(got.assd) && Number.isNaN(got.hd95), 'background distances are NaN');
          continue;
        }
        close(got.assd, num(e.assd![distance]), `${c} assd`);
        close(got.hd95, num(e.hd95![distance]), `${c} hd95`);
      }
      close(m.boundaryAssd, num(f.boundaryAssd[distance]), 'boundary assd');
    });
  }
}

test("Dice of two empty masks: emptyDice 'one' is medpy 0.5.2's dc, 'nan' nnU-Net's", () => {
  let checked = 0;
  for (const f of fixtures.metrics) {
    const p = vol(u8(f.pred), f.shape, f.spacing);
    const r = vol(u8(f.ref), f.shape, f.spacing);
    const one = evaluateCase(p, r, f.name, { emptyDice: 'one' });
    for (const c of CLASSES) {
      close(one.classes[c].dice, num(f.classes[c].diceMedpy), `${f.name} ${c} medpy dc`);
      if (Number.isNaN(num(f.classes[c].dice))) {
        checked++;
        assert.equal(num(f.classes[c].diceMedpy04), 0, 'medpy 0.4.0 gave 0 there');
      }
    }
  }
  assert.ok(checked >= 2, 'the fixtures hold classes empty on both sides');
});

test('HD95: a small far false positive — medpy pools both directions, MONAI takes the larger directed p95', () => {
  const f = fixtures.metrics.find((x) => x.name.startsWith('far small false positive'))!;
  const e = f.classes.extrameatal;
  assert.equal(num(e.hd95!.medpy), 0, "medpy's pooled p95 ignores the blob's few voxels");
  assert.ok(num(e.hd95!.monai) > 3, `MONAI's directed p95 sees the blob: ${String(e.hd95!.monai)}`);
  const p = vol(u8(f.pred), f.shape, f.spacing);
  const r = vol(u8(f.ref), f.shape, f.spacing);
  assert.equal(evaluateCase(p, r, 'x').classes.extrameatal.hd95, 0, 'the default is medpy');
  close(evaluateCase(p, r, 'x', { distance: 'monai' }).classes.extrameatal.hd95, num(e.hd95!.monai), 'monai');
});

test('evaluateCase: any voxel type gives the same metrics as uint8', () => {
  const f = fixtures.metrics[1];
  const p = u8(f.pred);
  const r = u8(f.ref);
  const base = evaluateCase(vol(p, f.shape, f.spacing), vol(r, f.shape, f.spacing), 'u8');
  for (const T of [Int16Array, Float32Array, Float64Array, Uint16Array] as const) {
    const m = evaluateCase(vol(T.from(p), f.shape, f.spacing), vol(T.from(r), f.shape, f.spacing), 'u8');
    assert.deepEqual(m, base, T.name);
  }
  // An unaligned Uint8Array view takes the byte-by-byte path.
  const buf = new Uint8Array(p.length + 1);
  buf.set(p, 1);
  assert.deepEqual(
    evaluateCase(vol(buf.subarray(1), f.shape, f.spacing), vol(r, f.shape, f.spacing), 'u8'),
    base,
  );
});

test('evaluateCase: emptyDice and emptyPenalty options', () => {
  const shape: Vec3 = [3, 4, 5];
  const spacing: Vec3 = [1, 1, 1];
  const empty = new Uint8Array(60);
  const one = new Uint8Array(60);
  one[25] = 1;
  const both = evaluateCase(vol(empty, shape, spacing), vol(empty, shape, spacing), 'e', {
    emptyDice: 'one',
  });
  assert.equal(both.classes.extrameatal.dice, 1);
  assert.equal(both.classes.background.dice, 1);
  assert.ok(Number.isNaN(both.classes.extrameatal.assd));
  const opts: MetricOptions = { emptyPenalty: 373.13 };
  const missed = evaluateCase(vol(empty, shape, spacing), vol(one, shape, spacing), 'm', opts);
  assert.equal(missed.classes.extrameatal.dice, 0);
  assert.equal(missed.classes.extrameatal.assd, 373.13);
  assert.equal(missed.classes.extrameatal.hd95, 373.13);
  assert.ok(Number.isNaN(missed.classes.intrameatal.dice));
  assert.ok(Number.isNaN(missed.boundaryAssd), 'no interface on either side');
  assert.equal(
    evaluateCase(vol(empty, shape, spacing), vol(one, shape, spacing), 'm').classes.extrameatal.assd,
    Infinity,
  );
  assert.throws(
    () => evaluateCase(vol(one, shape, spacing), vol(one, shape, spacing), 'x', { emptyPenalty: -1 }),
    /emptyPenalty/,
  );
  assert.throws(
    () =>
      evaluateCase(vol(one, shape, spacing), vol(one, shape, spacing), 'x', {
        distance: 'hausdorff' as 'medpy',
      }),
    /opts\.distance/,
  );
});

test('evaluateCase: errors name the case, both files and the problem', () => {
  const spacing: Vec3 = [1, 1, 1];
  const names = { pred: 'pred/vs_07.nii.gz', ref: 'labels/vs_07.nii.gz' };
  const a = vol(new Uint8Array(24), [2, 3, 4], spacing);
  assert.throws(
    () => evaluateCase(a, vol(new Uint8Array(24), [2, 4, 3], spacing), 'vs_07', { names }),
    (e: Error) =>
      /vs_07/.test(e.message) &&
      e.message.includes(names.pred) &&
      e.message.includes(names.ref) &&
      /shapes differ/.test(e.message),
  );
  const moved = vol(new Uint8Array(24), [2, 3, 4], spacing);
  moved.affine[3] += 0.01;
  assert.throws(() => evaluateCase(a, moved, 'vs_07', { names }), /affines differ.*entry 3/);
  assert.throws(() => evaluateCase(a, vol(new Uint8Array(24), [2, 3, 4], [1, 1, 1.1]), 'vs_07'), /spacings differ/);
  const nearly = vol(new Uint8Array(24), [2, 3, 4], spacing);
  nearly.affine[3] += 5e-5;
  evaluateCase(a, nearly, 'vs_07'); // within 1e-4 mm
  const bad = new Uint8Array(24);
  bad[13] = 3;
  assert.throws(
    () => evaluateCase(vol(bad, [2, 3, 4], spacing), a, 'vs_07', { names }),
    (e: Error) =>
      e.message.includes(names.pred) &&
      /label value 3 at voxel 13 \(\[z, y, x\] = \[1, 0, 1\]\)/.test(e.message),
  );
  const frac = new Float32Array(24);
  frac[5] = 1.5;
  assert.throws(
    () => evaluateCase(a, vol(frac, [2, 3, 4], spacing), 'vs_07', { names }),
    /labels\/vs_07\.nii\.gz.*label value 1\.5/,
  );
  const multi = { ...vol(new Uint8Array(48), [2, 3, 4], spacing), channels: 2 };
  assert.throws(() => evaluateCase(multi, a, 'vs_07'), /2 channels/);
});

test('dice of binary masks', () => {
  assert.equal(dice(new Uint8Array([1, 1, 0, 0]), new Uint8Array([0, 1, 1, 0])), 0.5);
  assert.equal(dice(new Uint8Array([0, 5, 0]), new Uint8Array([0, 1, 0])), 1);
  assert.ok(Number.isNaN(dice(new Uint8Array(3), new Uint8Array(3))));
  assert.equal(dice(new Uint8Array(3), new Uint8Array(3), 'one'), 1);
  assert.throws(() => dice(new Uint8Array(3), new Uint8Array(4)), /differ in length/);
});

/** Random blobs: a few boxes, sometimes touching the volume border, plus speckle. */
function randomMask(shape: Vec3, rand: () => number): Uint8Array {
  const [nz, ny, nx] = shape;
  const m = new Uint8Array(nz * ny * nx);
  const boxes = Math.floor(rand() * 3);
  for (let b = 0; b < boxes; b++) {
    const z0 = Math.floor(rand() * nz);
    const y0 = Math.floor(rand() * ny);
    const x0 = Math.floor(rand() * nx);
    const z1 = Math.min(nz, z0 + 1 + Math.floor(rand() * nz));
    const y1 = Math.min(ny, y0 + 1 + Math.floor(rand() * ny));
    const x1 = Math.min(nx, x0 + 1 + Math.floor(rand() * nx));
    for (let z = z0; z < z1; z++)
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[(z * ny + y) * nx + x] = 1;
  }
  const speckle = rand() * 0.05;
  for (let i = 0; i < m.length; i++) if (rand() < speckle) m[i] = 1;
  return m;
}

test('surfaceDistances on the union bounding box equals the full volume, bit for bit', () => {
  const rand = rng(1234);
  for (let t = 0; t < 60; t++) {
    const shape: Vec3 = [
      1 + Math.floor(rand() * 9),
      1 + Math.floor(rand() * 12),
      1 + Math.floor(rand() * 12),
    ];
    const spacing: Vec3 = [0.5 + rand() * 2, 0.3 + rand(), 0.3 + rand()];
    const a = randomMask(shape, rand);
    const b = randomMask(shape, rand);
    for (const surface of ['border', 'voxels'] as const) {
      for (const distance of ['medpy', 'monai'] as const) {
        const cropped = surfaceDistances(a, b, shape, spacing, { surface, distance });
        const full = surfaceDistances(a, b, shape, spacing, { surface, distance, crop: false });
        const what = `case ${t} ${surface} ${distance} shape ${shape.join('×')}`;
        assert.ok(Object.is(cropped.assd, full.assd), `${what}: assd ${cropped.assd} vs ${full.assd}`);
        assert.ok(Object.is(cropped.hd95, full.hd95), `${what}: hd95`);
        assert.deepEqual(cropped.predToRef, full.predToRef, `${what}: predToRef`);
        assert.deepEqual(cropped.refToPred, full.refToPred, `${what}: refToPred`);
      }
    }
  }
});

test('directed distances against brute force; medpy border semantics at the volume border', () => {
  const rand = rng(99);
  const shape: Vec3 = [4, 6, 5];
  const spacing: Vec3 = [1.5, 0.41, 0.7];
  const [, ny, nx] = shape;
  const a = randomMask(shape, rand);
  const b = randomMask(shape, rand);
  b[7] = 1;
  a[3] = 1;
  const d = directedDistances(a, b, shape, spacing);
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!a[i]) continue;
    let best = Infinity;
    for (let j = 0; j < b.length; j++) {
      if (!b[j]) continue;
      const dz = (Math.floor(i / (ny * nx)) - Math.floor(j / (ny * nx))) * spacing[0];
      const dy = ((Math.floor(i / nx) % ny) - (Math.floor(j / nx) % ny)) * spacing[1];
      const dx = ((i % nx) - (j % nx)) * spacing[2];
      best = Math.min(best, Math.sqrt(dz * dz + dy * dy + dx * dx));
    }
    assert.equal(d[k++], best, `voxel ${i}`);
  }
  assert.equal(k, d.length);
  // A full volume's border is its outer shell (outside counts as unset); a 3×3×3 cube keeps its centre.
  const full = maskBorder(new Uint8Array(27).fill(1), [3, 3, 3]);
  assert.equal(full[13], 0);
  assert.equal(
    full.reduce((s, v) => s + v, 0),
    26,
  );
  assert.throws(() => directedDistances(a, new Uint8Array(a.length), shape, spacing), /no set voxel/);
});
