// Sliding-window prediction (nnU-Net's tile grid and Gaussian weighting), the region restriction
// being exact, and the two-stage / one-stage pipelines through tiny random networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../../src/torch/index.js';
import { gaussianImportance, slidingWindow, tileStarts } from '../../src/infer/sliding-window.js';
import { segment } from '../../src/infer/pipeline.js';
import { tinyModel } from './tiny-model.js';
import { diagonalAffine, type Vec3, type Volume } from '../../src/volume/volume.js';

test('tile starts follow nnU-Net (step ½ patch, spread evenly, last tile flush with the end)', () => {
  assert.deepEqual(tileStarts([40, 100, 64], [20, 64, 64]), [[0, 10, 20], [0, 18, 36], [0]]);
  assert.deepEqual(tileStarts([33, 64, 65], [16, 64, 32]), [[0, 6, 11, 17], [0], [0, 11, 22, 33]]);
  // x: 197 voxels, patch 40 → step 19.625; 4 · 19.625 = 78.5 rounds to 78 (numpy, half to even)
  assert.deepEqual(tileStarts([40, 64, 197], [40, 64, 40])[2], [0, 20, 39, 59, 78, 98, 118, 137, 157]);
  assert.throws(() => tileStarts([10, 64, 64], [16, 64, 64]), /pad first/);
  assert.throws(() => tileStarts([16, 64, 64], [16, 64, 64], 0), /stepSize/);
});

test('the Gaussian importance map peaks at the patch centre with σ = patch/8', () => {
  const g = gaussianImportance([8, 16, 16]);
  const at = (z: number, y: number, x: number) => g[(z * 16 + y) * 16 + x];
  assert.equal(at(4, 8, 8), 1);
  assert.ok(Math.abs(at(4, 8, 10) - Math.exp(-4 / (2 * 2 * 2))) < 1e-7);
  assert.ok(Math.abs(at(5, 8, 8) - Math.exp(-1 / 2)) < 1e-7);
});

test('sliding an identity network reproduces the image (weights sum correctly everywhere)', () => {
  const live = torch.liveTensors();
  const img = torch.rand([2, 20, 40, 36]);
  const out = slidingWindow((x) => x.clone(), img, [8, 16, 16], { tileBatch: 3, mirrorAxes: [0, 2] });
  assert.ok(out.allclose(img, 1e-5, 1e-6));
  out.dispose();
  img.dispose();
  assert.equal(torch.liveTensors(), live);
});

test('restricting tiles to a region gives bit-identical logits inside it', () => {
  const m = tinyModel('split', 1);
  const img = torch.randn([2, 24, 48, 40]);
  const region = { start: [9, 20, 11] as Vec3, end: [13, 29, 20] as Vec3 };
  const fwd = (x: Tensor) => m.net.forward(x)[0];
  torch.noGrad(() =>
    torch.scope(() => {
      const full = slidingWindow(fwd, img, [8, 16, 16]);
      const part = slidingWindow(fwd, img, [8, 16, 16], { region });
      const cut = (t: Tensor) => t.slice(1, 9, 13).slice(2, 20, 29).slice(3, 11, 20);
      assert.ok(cut(full).equal(cut(part)), 'identical inside the region');
    }),
  );
  img.dispose();
  m.dispose();
});

function phantomT2(): Volume {
  const shape: Vec3 = [20, 40, 36];
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = 50 + ((i * 2654435761) % 1000) / 10;
  return { data, shape, spacing: [1, 1, 1], affine: diagonalAffine([1, 1, 1]) };
}

test('two-stage segmentation: labels only inside the WT mask, and stage 2 on the tiles around it equals the full volume', () => {
  const live = torch.liveTensors();
  const models = { stage1: tinyModel('wholeTumour', 2), stage2: tinyModel('split', 3) };
  const t2 = phantomT2();
  const fast = segment(t2, models, { largestComponent: false });
  const full = segment(t2, models, { largestComponent: false, stage2FullVolume: true });
  assert.deepEqual(fast.label.shape, t2.shape);
  assert.deepEqual(fast.label.affine, t2.affine);
  assert.deepEqual(Array.from(fast.label.data), Array.from(full.label.data));
  fast.label.data.forEach((v, i) => assert.equal(v > 0, fast.wholeTumour.data[i] > 0));
  assert.ok(fast.seconds.stage1 >= 0 && (fast.seconds.stage2 ?? 0) >= 0);
  models.stage1.dispose();
  models.stage2.dispose();
  assert.equal(torch.liveTensors(), live);
});

test('the baseline runs through the same code; wrong models are refused', () => {
  const base = tinyModel('baseline', 4);
  const r = segment(phantomT2(), { baseline: base });
  assert.ok(r.label.data.every((v) => v <= 2));
  const s1 = tinyModel('wholeTumour', 5);
  assert.throws(() => segment(phantomT2(), { stage1: s1, stage2: base }), /stage-2 model <baseline> was trained for 'baseline'/);
  assert.throws(() => segment(phantomT2(), { baseline: s1 }), /trained for 'wholeTumour'/);
  base.dispose();
  s1.dispose();
});
