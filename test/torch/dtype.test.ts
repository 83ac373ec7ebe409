// Dtype conversions (float16/bfloat16 rounding included) and random streams against PyTorch;
// typed-array round trips and item() by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type DType, type Tensor } from '../../src/torch/index.js';
import { fixtures, values } from '../fixtures/torch/fixtures.js';
import { assertClose } from './helpers.js';

const start = torch.liveTensors();
test.after(() => assert.equal(torch.liveTensors(), start, 'live tensors after dtype tests'));

for (const c of fixtures.conversions) {
  test(`to('${c.to}') from ${c.from} rounds as PyTorch`, () => {
    torch.scope(() => {
      const src = torch.tensor(values(c.src), { dtype: 'float64' }).to(c.from);
      const out = src.to(c.to);
      assert.equal(out.dtype, c.to);
      assertClose(out.toFloat64Array(), values(c.out), {}, `${c.from} → ${c.to}`);
    });
  });
}

const ROUND_TRIPS: [DType, ArrayBufferView, ArrayLike<number>][] = [
  ['float32', Float32Array.of(1.5, -2.25, 3e38), [1.5, -2.25, Math.fround(3e38)]],
  ['float64', Float64Array.of(0.1, -1e300, 5e-324), [0.1, -1e300, 5e-324]],
  ['int64', BigInt64Array.of(2n ** 53n, -7n, 0n), [2 ** 53, -7, 0]],
  ['int32', Int32Array.of(2 ** 31 - 1, -(2 ** 31), 5), [2 ** 31 - 1, -(2 ** 31), 5]],
  ['int16', Int16Array.of(32767, -32768, 1), [32767, -32768, 1]],
  ['int8', Int8Array.of(127, -128, -1), [127, -128, -1]],
  ['uint8', Uint8Array.of(255, 0, 7), [255, 0, 7]],
];

test('typed arrays round-trip through every dtype', () => {
  torch.scope(() => {
    for (const [dtype, arr, want] of ROUND_TRIPS) {
      const t = torch.tensor(arr, { shape: [3] });
      assert.equal(t.dtype, dtype);
      const back = t.toTypedArray();
      assert.equal(back.constructor, arr.constructor, `${dtype}: array type`);
      assert.deepEqual(Array.from(back as ArrayLike<number | bigint>, Number), Array.from(want), dtype);
      assert.deepEqual(t.toArray(), Array.from(want), `${dtype} toArray`);
    }
    // bool from 0/1 bytes (and any non-zero), half types read back as float32
    const mask = torch.tensor(Uint8Array.of(0, 1, 1, 0), { dtype: 'bool', shape: [2, 2] });
    assert.equal(mask.dtype, 'bool');
    assert.deepEqual(Array.from(mask.toUint8Array()), [0, 1, 1, 0]);
    for (const half of ['float16', 'bfloat16'] as const) {
      const h = torch.tensor([1.5, -0.25, 3], { dtype: half });
      assert.equal(h.dtype, half);
      const read = h.toTypedArray();
      assert.ok(read instanceof Float32Array);
      assert.deepEqual(Array.from(read), [1.5, -0.25, 3]);
    }
    // a 2-D shape, and a view of an ArrayBuffer at an offset
    const buf = new Float32Array([9, 1, 2, 3, 4, 5, 6]);
    const t = torch.tensor(buf.subarray(1), { shape: [2, 3] });
    assert.deepEqual(t.shape, [2, 3]);
    assert.deepEqual(Array.from(t.toFloat32Array()), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(t.toInt32Array()), [1, 2, 3, 4, 5, 6]);
  });
});

test('item() reads one element of any dtype', () => {
  torch.scope(() => {
    const cases: [Tensor, number][] = [
      [torch.tensor([2.5]), 2.5],
      [torch.scalarTensor(-3, { dtype: 'int64' }), -3],
      [torch.tensor([[7]], { dtype: 'int32' }), 7],
      [torch.tensor([1], { dtype: 'bool' }), 1],
      [torch.tensor([0.1], { dtype: 'float64' }), 0.1],
      [torch.tensor([1 / 3], { dtype: 'float16' }), 0.333251953125],
      [torch.arange(0, 10).sum(), 45],
    ];
    for (const [t, want] of cases) assert.equal(t.item(), want, t.toString());
    assert.throws(() => torch.ones([2]).item(), /item.*(one element|1 element|numel)|a Tensor with 2 elements/i);
  });
});

test('factories: dtype defaults and shapes', () => {
  torch.scope(() => {
    assert.equal(torch.zeros([2]).dtype, 'float32');
    assert.equal(torch.arange(0, 3).dtype, 'int64');
    assert.equal(torch.arange(0, 1, 0.25).dtype, 'float32');
    assert.deepEqual(torch.arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
    assert.deepEqual(torch.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(torch.eye(2).toArray(), [1, 0, 0, 1]);
    assert.deepEqual(torch.full([2], 7, { dtype: 'int16' }).toArray(), [7, 7]);
    assert.deepEqual(torch.fullLike(torch.zeros([3]), 2).toArray(), [2, 2, 2]);
    assert.deepEqual(torch.onesLike(torch.zeros([2], { dtype: 'int8' })).toArray(), [1, 1]);
    assert.deepEqual(torch.zerosLike(torch.ones([1, 2])).shape, [1, 2]);
    assert.deepEqual(torch.empty([0, 3]).shape, [0, 3]);
    assert.deepEqual(torch.tensor([[1, 2], [3, 4]]).shape, [2, 2]);
    assert.equal(torch.tensor([true, false]).dtype, 'float32');
    assert.ok(torch.zeros([2], { requiresGrad: true }).requiresGrad);
  });
});

const RANDOM: Record<string, () => Tensor> = {
  randn: () => (torch.manualSeed(0), torch.randn([5])),
  randn_big: () => (torch.manualSeed(42), torch.randn([3, 20])),
  randn_float64: () => (torch.manualSeed(7), torch.randn([2, 3], { dtype: 'float64' })),
  randn_twice: () => (torch.manualSeed(3), torch.cat([torch.randn([4]), torch.randn([4])])),
  rand: () => (torch.manualSeed(1), torch.rand([2, 9])),
  randint: () => (torch.manualSeed(2), torch.randint(-3, 10, [4, 5])),
  randperm: () => (torch.manualSeed(4), torch.randperm(10)),
  normal_: () => (torch.manualSeed(5), torch.zeros([6]).normal_(2, 3)),
  uniform_: () => (torch.manualSeed(6), torch.zeros([6]).uniform_(-1, 4)),
  bernoulli: () => (torch.manualSeed(8), torch.bernoulli(torch.linspace(0, 1, 12))),
};

for (const [name, want] of Object.entries(fixtures.random)) {
  test(`torch.manualSeed + ${name} gives PyTorch's numbers exactly`, () => {
    torch.scope(() => {
      const t = RANDOM[name]();
      assert.equal(t.dtype, want.dtype);
      assert.deepEqual(t.shape, want.shape);
      assert.deepEqual(Array.from(t.toFloat64Array()), Array.from(values(want)));
    });
  });
}

test('every random fixture has a meatus generator', () => {
  assert.deepEqual(Object.keys(RANDOM).sort(), Object.keys(fixtures.random).sort());
});
