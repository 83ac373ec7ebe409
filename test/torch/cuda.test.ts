// CUDA: device round trips, conv3d forward/backward equal to CPU, autocast float16, GradScaler with
// real float16 training, memory statistics. Skipped where torch.cuda.isAvailable() is false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, GradScaler, optim, torch, type Tensor } from '../../src/torch/index.js';
import { assertClose } from './helpers.js';

const skip = torch.cuda.isAvailable() ? false : 'CUDA is not available';
const start = torch.liveTensors();
test.after(() => assert.equal(torch.liveTensors(), start, 'live tensors after CUDA tests'));

test('without CUDA the CUDA helpers are harmless no-ops', { skip: !skip }, () => {
  assert.equal(torch.cuda.deviceCount(), 0);
  torch.cuda.synchronize();
  torch.cuda.emptyCache();
  assert.deepEqual(torch.cuda.memoryStats(), { allocated: 0, reserved: 0, peakAllocated: 0 });
});

test("to('cuda') and back keeps values and dtypes", { skip }, () => {
  torch.scope(() => {
    for (const dtype of ['float32', 'float64', 'float16', 'int64', 'uint8', 'bool'] as const) {
      const x = torch.tensor([0, 1, 2, 3], { dtype });
      const g = x.to('cuda');
      assert.equal(g.device, 'cuda:0');
      assert.equal(g.dtype, dtype);
      assert.ok(g.cpu().equal(x), dtype);
    }
    assert.equal(torch.zeros([2], { device: 'cuda' }).device, 'cuda:0');
    assert.equal(torch.ones([2]).to('cuda', 'float16').dtype, 'float16');
  });
});

test('conv3d forward and backward on CUDA equal CPU (float64: no TF32)', { skip }, () => {
  torch.scope(() => {
    torch.manualSeed(1);
    // float64: cuDNN runs float32 convolutions in TF32 on Ampere and later (as PyTorch does), which
    // differs from the CPU by up to ~1e-2 relative in the weight gradient; float64 compares exactly.
    const x = torch.randn([2, 3, 6, 7, 8], { dtype: 'float64' });
    const w = torch.randn([4, 3, 3, 3, 3], { dtype: 'float64' }).mul(0.2);
    const run = (device: 'cpu' | 'cuda'): Tensor[] => {
      const xd = x.to(device).detach().requiresGrad_(true);
      const wd = w.to(device).detach().requiresGrad_(true);
      const y = F.conv3d(xd, wd, null, { padding: 1, stride: [1, 2, 1] });
      y.square().sum().backward();
      return [y, xd.grad!, wd.grad!].map((t) => t.cpu());
    };
    const cpu = run('cpu');
    const gpu = run('cuda');
    cpu.forEach((c, i) => assertClose(gpu[i].toFloat64Array(), c.toFloat64Array(), { atol: 1e-9, rtol: 1e-9 }, `output ${i}`));
  });
});

test('autocast makes conv3d float16 on CUDA and leaves float32 ops float32', { skip }, () => {
  torch.scope(() => {
    const x = torch.randn([1, 2, 4, 4, 4], { device: 'cuda' });
    const w = torch.randn([3, 2, 3, 3, 3], { device: 'cuda' });
    const [y, s] = torch.autocast(() => [F.conv3d(x, w), F.softmax(x, 1)]);
    assert.equal(y.dtype, 'float16');
    assert.equal(s.dtype, 'float32');
    assert.equal(torch.autocast(() => F.conv3d(x, w), { dtype: 'bfloat16' }).dtype, 'bfloat16');
    assert.equal(F.conv3d(x, w).dtype, 'float32');
  });
});

test('GradScaler trains a tiny net in float16 on CUDA', { skip }, () => {
  torch.manualSeed(0);
  const params = torch.keep(
    torch.scope(() => [torch.randn([4, 1, 3, 3, 3], { device: 'cuda' }).mul(0.3).requiresGrad_(true), torch.randn([3, 4, 1, 1, 1], { device: 'cuda' }).mul(0.3).requiresGrad_(true)]),
  );
  const data = torch.keep({ x: torch.randn([2, 1, 8, 8, 8], { device: 'cuda' }), y: torch.randint(0, 3, [2, 8, 8, 8], { device: 'cuda' }) });
  const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
  const scaler = new GradScaler({ initScale: 2 ** 24 }); // overflows at first: must back off
  const losses: number[] = [];
  for (let i = 0; i < 40; i++) {
    torch.scope(() => {
      const loss = torch.autocast(() => F.crossEntropy(F.conv3d(F.relu(F.conv3d(data.x, params[0], null, { padding: 1 })), params[1]), data.y));
      scaler.scale(loss).backward();
      losses.push(loss.item());
    });
    scaler.step(opt);
    scaler.update();
    opt.zeroGrad();
  }
  assert.ok(scaler.getScale() < 2 ** 24, `scale backed off (${scaler.getScale()})`);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[losses.length - 1] < losses[0], `loss decreases: ${losses[0]} → ${losses[losses.length - 1]}`);
  for (const t of Object.values(opt.stateDict().tensors)) t.dispose();
  for (const t of [...params, data.x, data.y]) t.dispose();
});

test('memoryStats and emptyCache', { skip }, () => {
  const x = torch.zeros([1024, 1024], { device: 'cuda' });
  torch.cuda.synchronize();
  const held = torch.cuda.memoryStats();
  assert.ok(held.allocated >= 4 * 1024 * 1024, `allocated ${held.allocated}`);
  assert.ok(held.reserved >= held.allocated && held.peakAllocated >= held.allocated);
  x.dispose();
  assert.ok(torch.cuda.memoryStats().allocated <= held.allocated - 4 * 1024 * 1024);
  torch.cuda.emptyCache();
  assert.ok(torch.cuda.memoryStats().reserved <= held.reserved);
});
