// Bad input gets a clear Error (libtorch's message comes through), never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, torch, type Tensor } from '../../src/torch/index.js';

const start = torch.liveTensors();
test.after(() => assert.equal(torch.liveTensors(), start, 'live tensors after error tests'));

type Case = [string, () => unknown, RegExp];

function run(cases: Case[]): void {
  for (const [what, fn, message] of cases) {
    torch.scope(() => assert.throws(fn, { message }, what));
  }
}

test('shape mismatches carry libtorch’s message', () => {
  run([
    ['add', () => torch.ones([2, 3]).add(torch.ones([4])), /^add: The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1/],
    ['conv3d channels', () => F.conv3d(torch.ones([1, 2, 4, 4, 4]), torch.ones([3, 5, 3, 3, 3])),
      /^conv3d: Given groups=1, weight of size \[3, 5, 3, 3, 3\], expected input\[1, 2, 4, 4, 4\] to have 5 channels, but got 2 channels instead/],
    ['conv3d rank', () => F.conv3d(torch.ones([2, 4, 4]), torch.ones([3, 2, 3, 3, 3])), /^conv3d: .*(5D|5-dimensional|4-dimensional).*/],
    ['matmul', () => torch.ones([2, 3]).matmul(torch.ones([2, 3])), /^matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/],
    ['view', () => torch.ones([2, 3]).view(4, 2), /^view: shape '\[4, 2\]' is invalid for input of size 6/],
    ['cat', () => torch.cat([torch.ones([2, 3]), torch.ones([2, 4])]), /^cat: Sizes of tensors must match except in dimension 0/],
  ]);
});

test('wrong dtypes are refused with a message', () => {
  run([
    ['crossEntropy float target', () => F.crossEntropy(torch.ones([2, 3, 4]), torch.zeros([2, 4])),
      /^cross_entropy: .*(Long|Float|scalar type|dtype)/],
    ['nllLoss float target', () => F.nllLoss(torch.ones([2, 3]), torch.zeros([2])), /^nll_loss: .*(Long|Float|scalar type)/],
    ['fromTypedArray size', () => torch.tensor(new Float32Array(5), { shape: [2, 3] }),
      /^fromTypedArray: 20 bytes given, shape \[2, 3\] of float32 needs 24/],
    ['unsupported typed array', () => torch.tensor(new Uint16Array(2)), /Uint16Array has no tensor dtype/],
    ['unknown dtype', () => torch.zeros([2], { dtype: 'float8' as never }), /^zeros: unknown dtype 'float8'/],
    ['oneHot of floats', () => F.oneHot(torch.ones([3])), /^one_hot: .*(Long|int64|index tensor)/i],
    ['ragged nested array', () => torch.tensor([[1, 2], [3]]), /torch.tensor: ragged nested array/],
    ['bad shape', () => torch.zeros([2, -1]), /torch.zeros: shape must be an array of non-negative integers, got \[2,-1\]/],
  ]);
});

test('a disposed tensor cannot be used, as `this` or as an argument', () => {
  const t = torch.ones([2]);
  t.dispose();
  t.dispose(); // idempotent
  assert.equal(t.isDisposed, true);
  assert.equal(t.toString(), 'Tensor(disposed)');
  torch.scope(() => {
    const live = torch.ones([2]);
    run([
      ['method', () => t.add(1), /Tensor: this tensor has been disposed/],
      ['shape', () => t.shape, /Tensor: this tensor has been disposed/],
      ['argument', () => live.add(t), /this tensor has been disposed/],
      ['F argument', () => F.conv3d(live, t), /this tensor has been disposed/],
      ['in a list', () => torch.cat([live, t]), /this tensor has been disposed/],
    ]);
  });
});

test('devices: a bad name is refused and CUDA without CUDA is a clear error', () => {
  const cudaMissing = /^to_device: .*(CUDA|cuda)/;
  run([
    ["to('gpu')", () => torch.ones([2]).to('gpu' as never), /Tensor.to: 'gpu' is neither a dtype nor a device/],
    ["to('cuda:x')", () => torch.ones([2]).to('cuda:x' as never), /Tensor.to: 'cuda:x' is neither a dtype nor a device/],
    ['factory device', () => torch.zeros([2], { device: 'tpu' as never }), /^zeros: .*(device|Device|tpu)/],
  ]);
  if (!torch.cuda.isAvailable()) {
    run([
      ["to('cuda')", () => torch.ones([2]).to('cuda'), cudaMissing],
      ['cuda()', () => torch.ones([2]).cuda(), cudaMissing],
      ['zeros on cuda', () => torch.zeros([2], { device: 'cuda' }), /^zeros: .*(CUDA|cuda)/],
    ]);
  }
});

test('wrong argument types are TypeErrors naming the op and the argument', () => {
  const x = torch.ones([1, 1, 4, 4, 4]);
  try {
    run([
      ['string for a tensor', () => x.add('a' as unknown as Tensor), /^add: argument 1 must be a Tensor/],
      ['string into F', () => F.relu('x' as unknown as Tensor), /^relu: argument 0 must be a Tensor/],
      ['native arg check', () => x.narrow(0, 0.5, 1), /^narrow: argument 2 must be an integer/],
      ['dims', () => x.permute(0, 1, 'a' as unknown as number), /^permute: argument 1 must be an array of integers/],
      ['kernel', () => F.maxPool3d(x, [2, 2] as never), /F.maxPool3d: kernel must be an integer or 3 integers, got \[2,2\]/],
      ['reduction', () => F.crossEntropy(x, x, { reduction: 'avg' as never }), /F.crossEntropy: reduction must be 'none', 'mean' or 'sum', got 'avg'/],
      ['clamp without bounds', () => x.clamp(), /Tensor.clamp: give min, max or both/],
      ['size dim', () => x.size(5), /Tensor.size: dim 5 out of range for 5 dims/],
      ['cat of nothing', () => torch.cat([]), /torch.cat: expected a non-empty array of tensors/],
      ['manualSeed', () => torch.manualSeed(-1), /torch.manualSeed: expected a non-negative integer, got -1/],
      ['gridSample mode', () => F.gridSample(x, x, { mode: 'bicubic' as never }), /F.gridSample: mode must be 'bilinear' or 'nearest', got 'bicubic'/],
    ]);
  } finally {
    x.dispose();
  }
});

test('interpolate and pad refuse incomplete options', () => {
  torch.scope(() => {
    const x = torch.ones([1, 1, 2, 2, 2]);
    run([
      ['interpolate without size', () => F.interpolate(x, {}), /F.interpolate: give size or scaleFactor/],
      ['interpolate 4-D', () => F.interpolate(torch.ones([1, 2, 2, 2]), { size: [2, 2, 2] }), /F.interpolate: expected a 5-D \[N, C, Z, Y, X\] tensor, got shape \[1, 2, 2, 2\]/],
      ['nearest alignCorners', () => F.interpolate(x, { size: [4, 4, 4], alignCorners: true }), /alignCorners only applies to mode 'trilinear'/],
      ['interpolate mode', () => F.interpolate(x, { size: [4, 4, 4], mode: 'cubic' as never }), /mode must be 'nearest' or 'trilinear', got 'cubic'/],
      ['pad odd length', () => F.pad(x, [1, 1, 1]), /F.pad: padding must have an even length, got 3/],
      ['reflect needs 6', () => F.pad(x, [1, 1], 'reflect'), /F.pad: mode 'reflect' needs a 5-D tensor and 6 padding numbers, got 5-D and 2/],
      ['pad mode', () => F.pad(x, [1, 1, 1, 1, 1, 1], 'circular' as never), /F.pad: mode must be 'constant', 'replicate' or 'reflect', got 'circular'/],
      ['reflect too wide', () => F.pad(x, [2, 2, 2, 2, 2, 2], 'reflect'), /^reflection_pad3d: .*(padding|Padding)/],
    ]);
  });
});

test('errors inside libtorch leave the process and the tensors usable', () => {
  torch.scope(() => {
    const a = torch.ones([2, 2]);
    for (let i = 0; i < 100; i++) assert.throws(() => a.add(torch.ones([3])));
    assert.deepEqual(a.add(1).toArray(), [2, 2, 2, 2]);
  });
});
