// Localise-then-segment: box merging and mapping between grids, sliding windows over several
// regions, restoring probabilities only inside windows, and the localised pipeline against
// full-volume inference through tiny random networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../../src/torch/index.js';
import { boxOnGrid, mergeBoxes } from '../../src/infer/localise.js';
import { segment } from '../../src/infer/pipeline.js';
import { keepComponentsMeeting } from '../../src/infer/segment-localised.js';
import { regionTiles, slidingWindow } from '../../src/infer/sliding-window.js';
import { originalFootprint, preprocessForInference, restoreToOriginal, restoreWindowsToOriginal } from '../../src/preprocess/preprocess.js';
import type { Plan } from '../../src/preprocess/types.js';
import type { Mat4, Vec3, Volume } from '../../src/volume/volume.js';
import { tinyModel } from './tiny-model.js';

test('mergeBoxes: overlapping or touching boxes merge into their bounding box, others stay', () => {
  const a = { start: [0, 0, 0] as Vec3, end: [2, 2, 2] as Vec3 };
  const b = { start: [3, 0, 0] as Vec3, end: [5, 2, 2] as Vec3 }; // a gap of one voxel from a on z
  const c = { start: [10, 10, 10] as Vec3, end: [12, 12, 12] as Vec3 };
  assert.deepEqual(mergeBoxes([a, b, c]), [
    { box: { start: [0, 0, 0], end: [5, 2, 2] }, members: [0, 1] },
    { box: c, members: [2] },
  ]);
  assert.equal(mergeBoxes([a, b, c], 0).length, 3);
  // A chain: c joins once the merged box reaches it.
  const d = { start: [3, 1, 1] as Vec3, end: [11, 11, 11] as Vec3 };
  assert.deepEqual(mergeBoxes([a, c, d]), [{ box: { start: [0, 0, 0], end: [12, 12, 12] }, members: [0, 1, 2] }]);
});

test('boxOnGrid: a box as fractions of the crop, on a finer grid, grown by the margin in mm and clamped', () => {
  // z: [0.25, 0.5) of 40 voxels of 2 mm, margin 4 mm = 2 voxels → [8, 22); y: [0, 0.1) of 50 → [0, 5 + 3) at 1.5 mm;
  // x: [0.9, 1) of 30 voxels of 1 mm → [27 − 4, 30).
  const box = boxOnGrid({ fraction: { start: [0.25, 0, 0.9], end: [0.5, 0.1, 1] } }, [40, 50, 30], [2, 1.5, 1], 4);
  assert.deepEqual(box, { start: [8, 0, 23], end: [22, 8, 30] });
});

/** Two small regions at opposite corners of a 32 × 64 × 64 image (patch 8 × 16 × 16). */
const R1 = { start: [2, 3, 4] as Vec3, end: [6, 10, 9] as Vec3 };
const R2 = { start: [26, 50, 52] as Vec3, end: [30, 60, 62] as Vec3 };

/** Runs `check` with a tiny network's forward pass and a random one-channel image of 32 × 64 × 64. */
function withTinyNetwork(check: (fwd: (x: Tensor) => Tensor, img: Tensor) => void): void {
  const m = tinyModel('wholeTumour', 2);
  const img = torch.randn([1, 32, 64, 64]);
  torch.noGrad(() => torch.scope(() => check((x: Tensor) => m.net.forward(x)[0], img)));
  img.dispose();
  m.dispose();
}

test('sliding windows over two regions: the full pass\'s logits inside both, zero where no tile ran', () => {
  withTinyNetwork((fwd, img) => {
    const full = slidingWindow(fwd, img, [8, 16, 16]);
    const part = slidingWindow(fwd, img, [8, 16, 16], { region: [R1, R2] });
    const cut = (t: Tensor, r: { start: Vec3; end: Vec3 }) => t.slice(1, r.start[0], r.end[0]).slice(2, r.start[1], r.end[1]).slice(3, r.start[2], r.end[2]);
    assert.ok(cut(full, R1).equal(cut(part, R1)));
    assert.ok(cut(full, R2).equal(cut(part, R2)));
    // The middle of the volume is far from both regions: no tile ran there.
    assert.equal(part.slice(1, 16, 17).slice(2, 32, 33).slice(3, 32, 33).abs().sum().item(), 0);
  });
});

test('regionTiles: each box gets its own tile grid over the box grown to the patch, shifted into the image', () => {
  const shape: Vec3 = [32, 64, 64];
  const patch: Vec3 = [8, 16, 16];
  // R1 is smaller than the patch: one tile centred on the box (z 2 − 2; y 3 − 4 and x 4 − 5 clamp to 0).
  assert.deepEqual(regionTiles(shape, patch, [R1]), [[0, 0, 0]]);
  // R2, at the far corner: z 26 − 2 = 24; y 50 − 3 = 47; x 52 − 3 = 49, shifted back to 64 − 16 = 48.
  assert.deepEqual(regionTiles(shape, patch, [R1, R2, R1]), [[0, 0, 0], [24, 47, 48]], 'a repeated tile once');
  // Larger than the patch: nnU-Net's steps over the box itself (z 20 voxels, patch 8 → 4 tiles 4 apart;
  // y and x 20, patch 16 → 2 tiles 4 apart).
  const big = regionTiles(shape, patch, [{ start: [4, 10, 20], end: [24, 30, 40] }]);
  assert.equal(big.length, 16);
  assert.deepEqual([...new Set(big.map((t) => t[0]))], [4, 8, 12, 16]);
  assert.deepEqual([...new Set(big.map((t) => t[1]))], [10, 14]);
  assert.deepEqual([...new Set(big.map((t) => t[2]))], [20, 24]);
  assert.throws(() => regionTiles([4, 64, 64], patch, [{ start: [0, 3, 4], end: [4, 10, 9] }]), /pad first/);
  assert.throws(() => regionTiles(shape, patch, [{ start: [2, 3, 4], end: [2, 10, 9] }]), /box \[2, 3, 4\] – \[2, 10, 9\] is empty or outside the image 32×64×64/);
  assert.throws(() => regionTiles(shape, patch, [{ start: [2, 3, 60], end: [6, 10, 70] }]), /outside the image/);
});

test("sliding windows with tiling 'region': a box of one patch is one tile's logits; the whole image, the full pass bit for bit", () => {
  withTinyNetwork((fwd, img) => {
    const tiles: number[] = [];
    const part = slidingWindow(fwd, img, [8, 16, 16], { region: [R1, R2], tiling: 'region', onProgress: (_, t) => tiles.push(t) });
    assert.equal(tiles.at(-1), 2);
    const tile = fwd(img.slice(1, 0, 8).slice(2, 0, 16).slice(3, 0, 16).unsqueeze(0)).select(0, 0);
    assert.ok(part.slice(1, 0, 8).slice(2, 0, 16).slice(3, 0, 16).allclose(tile, 1e-5, 1e-6), 'the one tile over R1');
    assert.equal(part.slice(1, 16, 17).slice(2, 32, 33).slice(3, 32, 33).abs().sum().item(), 0, 'no tile in the middle');
    const whole = { start: [0, 0, 0] as Vec3, end: [32, 64, 64] as Vec3 };
    assert.ok(slidingWindow(fwd, img, [8, 16, 16], { region: whole, tiling: 'region' }).equal(slidingWindow(fwd, img, [8, 16, 16])));
    assert.throws(() => slidingWindow(fwd, img, [8, 16, 16], { region: whole, tiling: 'crop' as 'region' }), /tiling 'crop', expected 'grid' or 'region'/);
  });
});

/** A 1 mm plan for preprocessing only. */
const plan = (spacing: Vec3): Plan => ({ ...tinyModel('wholeTumour', 1).plan, spacing });

/** A scan stored with the axes permuted and flipped (affine columns: x → −S, y → A, z → −R). */
function permutedScan(): Volume {
  const shape: Vec3 = [18, 22, 26];
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = 5 + (i % 7) + Math.floor(i / 91) * 0.3;
  const affine: Mat4 = [0, 0, -1.5, 40, 0, 1.2, 0, -20, -0.9, 0, 0, 10, 0, 0, 0, 1];
  return { data, shape, spacing: [1.5, 1.2, 0.9], affine };
}

test('restoreWindowsToOriginal: the whole grid as one window equals restoreToOriginal; a window, its footprint only', () => {
  const t2 = permutedScan();
  const pre = preprocessForInference([t2], plan([1, 1, 1]));
  const n = pre.shape[0] * pre.shape[1] * pre.shape[2];
  const probs = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    probs[i] = (i % 13) / 13;
    probs[n + i] = 1 - probs[i];
  }
  const full = restoreToOriginal(probs, pre.properties);
  const all = restoreWindowsToOriginal(probs, pre.properties, [{ start: [0, 0, 0], end: pre.shape }]);
  assert.deepEqual(all.shape, t2.shape);
  assert.ok(full.data.every((v, i) => v === all.data[i]), 'whole grid: identical');
  const w = { start: [3, 4, 5] as Vec3, end: [9, 12, 10] as Vec3 };
  const part = restoreWindowsToOriginal(probs, pre.properties, [w]);
  const foot = originalFootprint(pre.properties, w)!;
  const [, ny, nx] = t2.shape;
  const m = t2.data.length;
  let inside = 0;
  for (let z = 0; z < t2.shape[0]; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = (z * ny + y) * nx + x;
        const isIn = [z, y, x].every((v, a) => v >= foot.start[a] && v < foot.end[a]);
        if (isIn) {
          inside++;
          assert.equal(part.data[i], full.data[i]);
          assert.equal(part.data[m + i], full.data[m + i]);
        } else {
          assert.equal(part.data[i], 1, 'background outside the footprint');
          assert.equal(part.data[m + i], 0);
        }
      }
  assert.ok(inside > 0 && inside < m / 4, `footprint of ${inside} voxels`);
});

test('keepComponentsMeeting: each localiser box keeps the largest stage-1 component meeting it; the largest of those stays, others from a size; the rest is cleared inside the regions only', () => {
  // 1 × 6 × 10: A = 2 × 2 at (y 0–1, x 0–1), B = one voxel at (0, 5), C = 2 × 3 at (y 4–5, x 7–9).
  const shape: Vec3 = [1, 6, 10];
  const blobs = () => {
    const m = new Uint8Array(60);
    for (const [y, x] of [[0, 0], [0, 1], [1, 0], [1, 1], [0, 5], [4, 7], [4, 8], [4, 9], [5, 7], [5, 8], [5, 9]]) m[y * 10 + x] = 1;
    return m;
  };
  const ones = (m: Uint8Array) => [...m.keys()].filter((i) => m[i] === 1);
  const whole = { start: [0, 0, 0] as Vec3, end: shape };
  const overAB = { start: [0, 0, 0] as Vec3, end: [1, 2, 6] as Vec3 }; // meets A and B: A is larger
  const overNothing = { start: [0, 3, 0] as Vec3, end: [1, 6, 4] as Vec3 };
  const overC = { start: [0, 5, 9] as Vec3, end: [1, 6, 10] as Vec3 }; // one voxel of C
  const A = [0, 1, 10, 11];
  const C = [47, 48, 49, 57, 58, 59];
  let m = blobs();
  assert.deepEqual(keepComponentsMeeting(m, shape, [{ box: whole, seeds: [overAB, overNothing] }]), [
    { voxels: 4, kept: true },
    { voxels: 1, kept: false },
    { voxels: 6, kept: false },
  ]);
  assert.deepEqual(ones(m), A);
  // Two seeds in one region (an NF2 case whose regions merged): both stay …
  m = blobs();
  assert.deepEqual(keepComponentsMeeting(m, shape, [{ box: whole, seeds: [overAB, overC] }]).map((c) => c.kept), [true, false, true]);
  assert.deepEqual(ones(m), [...A, ...C]);
  // … unless the smaller is below the size of a second tumour: the largest (C) stays alone.
  m = blobs();
  assert.deepEqual(keepComponentsMeeting(m, shape, [{ box: whole, seeds: [overAB, overC] }], { minOtherVoxels: 5 }).map((c) => c.kept), [false, false, true]);
  assert.deepEqual(ones(m), C);
  // No seed meets anything: all cleared; keepAll: nothing cleared, all reported kept.
  m = blobs();
  keepComponentsMeeting(m, shape, [{ box: whole, seeds: [overNothing] }]);
  assert.deepEqual(ones(m), []);
  m = blobs();
  assert.ok(keepComponentsMeeting(m, shape, [{ box: whole, seeds: [overNothing] }], { keepAll: true }).every((c) => c.kept));
  assert.deepEqual(m, blobs());
  // Two regions (two ears): A on the left, B and C on the right. The largest of all (C) stays; A only from its size.
  const left = { box: { start: [0, 0, 0] as Vec3, end: [1, 6, 4] as Vec3 }, seeds: [overAB] };
  const right = { box: { start: [0, 0, 4] as Vec3, end: [1, 6, 10] as Vec3 }, seeds: [overC] };
  m = blobs();
  assert.deepEqual(keepComponentsMeeting(m, shape, [left, right], { minOtherVoxels: 5 }), [
    { voxels: 4, kept: false },
    { voxels: 1, kept: false },
    { voxels: 6, kept: true },
  ]);
  assert.deepEqual(ones(m), C);
  m = blobs();
  assert.deepEqual(keepComponentsMeeting(m, shape, [left, right], { minOtherVoxels: 4 }).map((c) => c.kept), [true, false, true]);
  assert.deepEqual(ones(m), [...A, ...C]);
  // A region holding only B and C: A, outside it, is left alone.
  m = blobs();
  keepComponentsMeeting(m, shape, [right]);
  assert.deepEqual(ones(m), [...A, ...C]);
});

function blobScan(): Volume {
  const shape: Vec3 = [20, 40, 36];
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = 50 + ((i * 2654435761) % 1000) / 10;
  return { data, shape, spacing: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] };
}

test('localised segmentation: nothing found → empty label in one pass; everything found → the full-volume labels', () => {
  const live = torch.liveTensors();
  const models = { stage1: tinyModel('wholeTumour', 3), stage2: tinyModel('split', 4), localiser: tinyModel('wholeTumour', 5) };
  try {
    const t2 = blobScan();
    const none = segment(t2, models, { localiserThreshold: 1 - 1e-7 });
    assert.equal(none.label.data.some((v) => v > 0), false);
    assert.deepEqual(none.localisation?.regions, []);
    assert.deepEqual(Object.keys(none.seconds), ['localise']);
    assert.match(none.notes.join(' '), /localiser found no tumour/);
    const all = segment(t2, models, { localiserThreshold: 1e-7 });
    const full = segment(t2, models, { localise: false });
    assert.equal(all.localisation?.regions.length, 1);
    assert.deepEqual(all.localisation?.regions[0].start, [0, 0, 0]);
    assert.deepEqual(all.localisation?.regions[0].end, t2.shape);
    assert.deepEqual(Object.keys(all.seconds), ['localise', 'stage1', 'stage2']);
    assert.ok(full.label.data.some((v) => v > 0), 'the random stage 1 finds something');
    assert.ok(all.label.data.every((v, i) => v === full.label.data[i]), 'same labels as full-volume inference');
    assert.deepEqual(all.components, full.components);
    assert.throws(() => segment(t2, { ...models, localiser: models.stage2 }), /localiser .* trained for 'split'/);
    // A scan within one localiser patch (8 × 16 × 16 voxels of 1 mm) is a crop: the stages alone.
    const crop: Volume = { ...t2, shape: [8, 16, 16], data: t2.data.slice(0, 8 * 16 * 16) };
    const c = segment(crop, models, { localiserThreshold: 1 - 1e-7 });
    assert.equal(c.localisation, undefined);
    assert.deepEqual(Object.keys(c.seconds), ['stage1', 'stage2']);
    assert.match(c.notes[0], /^the localiser did not run: the scan fits in one of its patches/);
  } finally {
    Object.values(models).forEach((m) => m.dispose());
  }
  assert.equal(torch.liveTensors(), live);
});
