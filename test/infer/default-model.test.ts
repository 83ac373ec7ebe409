// The built-in model (models/default: localiser, stage 1, stage 2) on whole-head phantoms it was not
// trained on (seeds far from its training seed 2026): the localiser finds the tumour, the labels
// agree with the truth, and a healthy head gets no tumour. The numbers (20 heads, Dice and
// false-positive targets, seconds) are measured by bench/head-eval.ts, not asserted here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { generatePhantom } from '../../src/data/phantom/generate.js';
import { loadModel, type Model } from '../../src/infer/model.js';
import { segment } from '../../src/infer/pipeline.js';
import { dice } from '../../src/evaluate/metrics.js';

const path = (name: string) => fileURLToPath(new URL(`../../models/default/${name}.safetensors`, import.meta.url));
const wt = (v: ArrayLike<number>) => Uint8Array.from(v as ArrayLike<number>, (x) => (x > 0 ? 1 : 0));

test('built-in model: a 1 × 1 × 2 mm head with a Koos III tumour is localised and segmented; a healthy head is empty', async () => {
  const models: { stage1: Model; stage2: Model; localiser: Model } = {
    stage1: await loadModel(path('stage1'), 'cpu', { engine: 'onnxruntime' }),
    stage2: await loadModel(path('stage2'), 'cpu', { engine: 'onnxruntime' }),
    localiser: await loadModel(path('localiser'), 'cpu', { engine: 'onnxruntime' }),
  };
  try {
    const ph = generatePhantom({ fov: 'head', headGeometry: 'tse', koos: 3 }, 91_001);
    const r = segment(ph.image, models);
    assert.equal(r.localisation?.regions.length, 1, JSON.stringify(r.localisation?.regions));
    const [region] = r.localisation!.regions;
    const porus = ph.meta.tumours[0].porusRas;
    const d = Math.hypot(...region.centreRas.map((c, a) => c - porus[a]));
    assert.ok(d < 30, `the region's centre is ${d.toFixed(1)} mm from the porus`);
    const score = dice(wt(r.label.data), wt(ph.label.data));
    assert.ok(score > 0.8, `whole-tumour Dice ${score.toFixed(3)}`);
    const healthy = generatePhantom({ fov: 'head', headGeometry: 'tse', healthyProbability: 1 }, 91_002);
    const h = segment(healthy.image, models);
    const fpMm3 = h.label.data.reduce((s, v) => s + (v > 0 ? 1 : 0), 0) * healthy.image.spacing.reduce((p, s) => p * s, 1);
    // A regression bound (the model before the head training found ~40 mL in such heads); the issue's
    // 0.1 mL per healthy head is measured over five heads by bench/head-eval.ts.
    assert.ok(fpMm3 <= 500, `${fpMm3} mm³ of tumour in a healthy head`);
  } finally {
    Object.values(models).forEach((m) => m.dispose());
  }
});
