// GradScaler's logic on CPU (hand-made inf gradients) and autocast leaving CPU float32 math alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, GradScaler, optim, torch, type Tensor } from '../../src/torch/index.js';

const start = torch.liveTensors();

/** Sets `p.grad` to a copy of `values` (the handle made here is released; libtorch keeps the gradient). */
function setGrad(p: Tensor, values: number[]): void {
  using g = torch.tensor(values);
  p.grad = g;
}
test.after(() => assert.equal(torch.liveTensors(), start, 'live tensors after amp tests'));

test('GradScaler: skip on inf, back off, grow after growthInterval good steps', () => {
  const p = torch.keep(torch.tensor([1, 2], { requiresGrad: true }));
  const opt = new optim.SGD([p], { lr: 0.5 });
  const scaler = new GradScaler({ initScale: 8, growthInterval: 2, enabled: true });
  /** One step with gradient `g` (as the scaled loss would give it). */
  const step = (g: number[]): boolean => {
    setGrad(p, g.map((v) => v * scaler.getScale()));
    const stepped = scaler.step(opt);
    scaler.update();
    opt.zeroGrad();
    return stepped;
  };
  const TABLE: [number[], boolean, number, number[]][] = [
    // gradient, stepped, scale after update, p after
    [[1, 1], true, 8, [0.5, 1.5]],
    [[Infinity, 0], false, 4, [0.5, 1.5]],
    [[NaN, 1], false, 2, [0.5, 1.5]],
    [[2, 0], true, 2, [-0.5, 1.5]],
    [[0, 2], true, 4, [-0.5, 0.5]], // 2 good steps in a row → × growthFactor
    [[0, 0], true, 4, [-0.5, 0.5]],
    [[0, 0], true, 8, [-0.5, 0.5]],
  ];
  TABLE.forEach(([g, stepped, scale, after], i) => {
    assert.equal(step(g), stepped, `step ${i}: stepped`);
    assert.equal(scaler.getScale(), scale, `step ${i}: scale`);
    assert.deepEqual(p.toArray(), after, `step ${i}: parameters`);
  });
  assert.deepEqual(scaler.stateDict(), { scale: 8, goodSteps: 0 });
  torch.scope(() => {
    const loss = torch.tensor([3]);
    assert.deepEqual(scaler.scale(loss).toArray(), [24]);
  });
  const disabled = new GradScaler({ enabled: false });
  assert.equal(disabled.getScale(), 1);
  disabled.loadStateDict({ scale: 2, goodSteps: 1 });
  assert.deepEqual(disabled.stateDict(), { scale: 2, goodSteps: 1 });
  p.dispose();
});

test('unscale_ divides once per step, then step uses the unscaled gradient', () => {
  const p = torch.keep(torch.tensor([0], { requiresGrad: true }));
  const opt = new optim.SGD([p], { lr: 1 });
  const scaler = new GradScaler({ initScale: 4 });
  setGrad(p, [8]);
  scaler.unscale_(opt);
  scaler.unscale_(opt); // no second division
  torch.scope(() => assert.deepEqual(p.grad!.toArray(), [2]));
  assert.equal(scaler.step(opt), true);
  scaler.update();
  assert.deepEqual(p.toArray(), [-2]);
  opt.zeroGrad();
  p.dispose();
});

test('autocast does not change float32 CPU math, nests, and restores on throw', () => {
  torch.scope(() => {
    const x = torch.tensor(Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i)), { shape: [1, 2, 4, 4, 4] });
    const w = torch.tensor(Float32Array.from({ length: 3 * 2 * 27 }, (_, i) => Math.cos(i)), { shape: [3, 2, 3, 3, 3] });
    const plain = F.conv3d(x, w, null, { padding: 1 });
    const inside = torch.autocast(() => torch.autocast(() => F.conv3d(x, w, null, { padding: 1 }), { dtype: 'bfloat16' }));
    assert.equal(inside.dtype, 'float32');
    assert.ok(inside.equal(plain));
    assert.throws(() => torch.autocast(() => {
      throw new Error('in autocast');
    }), /in autocast/);
    assert.throws(() => torch.autocast(() => 1, { dtype: 'float32' as never }), /autocast: dtype must be float16 or bfloat16, got float32/);
    assert.equal(torch.autocast(() => 5, { enabled: false }), 5);
    assert.ok(F.conv3d(x, w, null, { padding: 1 }).equal(plain));
  });
});
