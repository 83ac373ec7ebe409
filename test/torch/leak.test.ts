// 1,000 training steps of a tiny 3-D conv net leave the live-tensor count and the process RSS flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, optim, torch } from '../../src/torch/index.js';

const STEPS = 1000;
/**
 * RSS bound after warm-up (steps 200 → 1000). A leaked step would hold at least its activations
 * (2·4·8³ floats = 16 KB each for input, conv, activation and their gradients, ~100 KB a step):
 * 800 leaked steps would be ≥ 80 MB. 20 MB leaves room for allocator and JIT noise.
 */
const RSS_BOUND = 20 * 1024 * 1024;

// Tiny ops: one libtorch thread avoids OpenMP hand-offs (and other test files run in parallel).
torch.setNumThreads(1);

const gc = (globalThis as { gc?: () => void }).gc;

test(`${STEPS} training steps leak no tensor and no memory`, () => {
  const start = torch.liveTensors();
  torch.manualSeed(0);
  const params = torch.keep(
    torch.scope(() => [
      torch.randn([4, 1, 3, 3, 3]).mul(0.3).requiresGrad_(true),
      torch.zeros([4], { requiresGrad: true }),
      torch.randn([3, 4, 1, 1, 1]).mul(0.3).requiresGrad_(true),
      torch.zeros([3], { requiresGrad: true }),
    ]),
  );
  const [w1, b1, w2, b2] = params;
  const data = torch.keep({ x: torch.randn([2, 1, 8, 8, 8]), y: torch.randint(0, 3, [2, 8, 8, 8]) });
  const opt = new optim.SGD(params, { lr: 0.05, momentum: 0.9 });
  let afterFirst = 0; // after step 1, which creates the 4 momentum buffers
  let rss200 = 0;
  let first = 0;
  let last = 0;
  for (let step = 1; step <= STEPS; step++) {
    const loss = torch.scope(() => {
      const h = F.leakyRelu(F.conv3d(data.x, w1, b1, { padding: 1 }), 0.01);
      const l = F.crossEntropy(F.conv3d(h, w2, b2), data.y);
      l.backward();
      return l.item();
    });
    opt.step();
    opt.zeroGrad();
    if (step === 1) {
      first = loss;
      afterFirst = torch.liveTensors();
      assert.equal(afterFirst, start + 4 + 2 + 4, 'parameters, data and momentum buffers');
    }
    last = loss;
    if (step % 100 === 0) {
      assert.equal(torch.liveTensors(), afterFirst, `live tensors after step ${step}`);
      gc?.();
      if (step === 200) rss200 = process.memoryUsage().rss;
    }
  }
  gc?.();
  const growth = process.memoryUsage().rss - rss200;
  assert.ok(growth < RSS_BOUND, `RSS grew ${(growth / 1048576).toFixed(1)} MB from step 200 to ${STEPS}`);
  assert.ok(last < first, `training lowers the loss (${first} → ${last})`);
  for (const t of Object.values(opt.stateDict().tensors)) t.dispose();
  for (const t of [...params, data.x, data.y]) t.dispose();
  assert.equal(torch.liveTensors(), start);
});
