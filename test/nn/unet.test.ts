// nnU-Net's PlainConvUNet: same parameter names and same outputs as the PyTorch reference
// (test/fixtures/nn/make_fixtures.py), deep-supervision shapes, He initialisation, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { torch } from '../../src/torch/index.js';
import { UNet, type UNetConfig } from '../../src/nn/index.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/nn/unet.json', import.meta.url), 'utf8'));
const config: UNetConfig = { inChannels: 1, numClasses: 3, features: fx.features, kernels: fx.kernels, strides: fx.strides };

test('UNet loads PyTorch weights by nnU-Net’s names and gives the same deep-supervision outputs', async () => {
  const live = torch.liveTensors();
  const net = new UNet(config);
  const { tensors } = await torch.loadSafetensors(fileURLToPath(new URL('../fixtures/nn/unet.safetensors', import.meta.url)));
  net.loadStateDict(tensors);
  for (const t of Object.values(tensors)) t.dispose();
  const x = torch.tensor(Float32Array.from(fx.input), { shape: fx.input_shape });
  const outs = torch.noGrad(() => net.forward(x));
  assert.equal(outs.length, fx.outputs.length);
  outs.forEach((o, i) => {
    assert.deepEqual(o.shape, fx.outputs[i].shape);
    const got = o.toFloat32Array();
    const want: number[] = fx.outputs[i].values;
    want.forEach((v, j) => assert.ok(Math.abs(got[j] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `output ${i}[${j}]: ${got[j]} vs ${v}`));
    o.dispose();
  });
  x.dispose();
  net.dispose();
  assert.equal(torch.liveTensors(), live);
});

test('UNet without deep supervision returns only the full-resolution output; divisor is the stride product', () => {
  const net = new UNet({ ...config, deepSupervision: false });
  assert.deepEqual(net.divisor, [2, 4, 4]);
  const x = torch.randn([1, 1, 4, 8, 8]);
  const outs = torch.noGrad(() => net.forward(x));
  assert.equal(outs.length, 1);
  assert.deepEqual(outs[0].shape, [1, 3, 4, 8, 8]);
  outs[0].dispose();
  x.dispose();
  net.dispose();
});

test('UNet initialisation is nnU-Net’s: conv weights N(0, 2/((1+0.01²)·fanIn)), biases 0, norms 1/0', () => {
  torch.manualSeed(3);
  const net = new UNet({ inChannels: 1, numClasses: 3, features: [32, 64], kernels: [[3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [2, 2, 2]] });
  const sd = net.stateDict();
  const w = sd['encoder.stages.1.0.convs.1.conv.weight']; // [64, 64, 3, 3, 3]: fan-in 1728
  const std = torch.scope(() => w.std().item());
  const expected = Math.sqrt(2 / (1 + 1e-4) / 1728);
  assert.ok(Math.abs(std - expected) / expected < 0.02, `std ${std} vs ${expected}`);
  assert.equal(torch.scope(() => sd['encoder.stages.1.0.convs.1.conv.bias'].abs().sum().item()), 0);
  assert.equal(torch.scope(() => sd['decoder.seg_layers.0.bias'].abs().sum().item()), 0);
  assert.equal(torch.scope(() => sd['encoder.stages.0.0.convs.0.norm.weight'].sum().item()), 32);
  const tw = sd['decoder.transpconvs.0.weight']; // [64, 32, 2, 2, 2]: PyTorch fan-in = 32·8
  const tstd = torch.scope(() => tw.std().item());
  const texp = Math.sqrt(2 / (1 + 1e-4) / 256);
  assert.ok(Math.abs(tstd - texp) / texp < 0.05, `transposed std ${tstd} vs ${texp}`);
  net.dispose();
});

test('UNet rejects bad configurations and inputs with clear errors', () => {
  assert.throws(() => new UNet({ ...config, kernels: config.kernels.slice(1) }), /one entry per stage/);
  assert.throws(() => new UNet({ ...config, kernels: [[2, 3, 3], [3, 3, 3], [3, 3, 3]] }), /odd/);
  const net = new UNet(config);
  const bad = torch.zeros([1, 1, 3, 8, 8]);
  assert.throws(() => net.forward(bad), /multiple of \[2,4,4\]/);
  const twoCh = torch.zeros([1, 2, 4, 8, 8]);
  assert.throws(() => net.forward(twoCh), /expected input \[N, 1, Z, Y, X\]/);
  const { tensors } = { tensors: { 'decoder.seg_layers.0.weight': torch.zeros([3, 4, 1, 1, 1]) } };
  assert.throws(() => net.loadStateDict(tensors), /missing keys/);
  assert.throws(() => net.loadStateDict({ ...net.stateDict(), extra: bad }), /unexpected keys extra/);
  const wrong = { ...net.stateDict(), 'decoder.seg_layers.0.weight': twoCh };
  assert.throws(() => net.loadStateDict(wrong), /'decoder.seg_layers.0.weight' has shape/);
  for (const t of [bad, twoCh, ...Object.values(tensors)]) t.dispose();
  net.dispose();
});
