// ONNX export of the default models: the graph uses only standard operators at opset 17, carries
// the plan as metadata, loads in onnxruntime-node and gives libtorch's outputs within 1e-4; the
// synchronous session used by `segment --engine onnxruntime` gives the same as the public API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { F, torch } from '../../src/torch/index.js';
import { loadModel } from '../../src/infer/model.js';
import { exportOnnx, ONNX_OPSET } from '../../src/infer/onnx-export.js';
import { OnnxNetwork } from '../../src/infer/onnx-session.js';
import { predictPreprocessed } from '../../src/infer/predict.js';
import { main } from '../../src/cli/main.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-onnx-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const modelPath = (name: string) =>
  fileURLToPath(new URL(`../../models/default/${name}.safetensors`, import.meta.url));

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  assert.ok(worst <= 1e-4, `${what}: max relative difference ${worst}`);
}

for (const name of ['localiser', 'stage1', 'stage2']) {
  test(`the exported default ${name} model runs in onnxruntime with libtorch's outputs (1e-4)`, async () => {
    const model = await loadModel(modelPath(name));
    const live = torch.liveTensors();
    const bytes = exportOnnx(model, 'test');
    const shape = [1, model.net.config.inChannels, ...model.plan.patchSize];
    torch.manualSeed(5);
    const x = torch.randn(shape);
    const [logits, probs] = torch.noGrad(() =>
      torch.scope(() => {
        const l = model.net.forward(x)[0];
        return [l.toFloat32Array(), F.softmax(l, 1).toFloat32Array()];
      }),
    );
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ image: new ort.Tensor('float32', x.toFloat32Array(), shape) });
    assert.deepEqual(out.logits.dims, [1, model.net.config.numClasses, ...model.plan.patchSize]);
    assertClose(out.logits.data as Float32Array, logits, 'logits');
    assertClose(out.probabilities.data as Float32Array, probs, 'probabilities');
    await session.release();
    const sync = new OnnxNetwork(bytes, { threads: 1 });
    const y = sync.forward(x);
    assert.deepEqual(Array.from(y.toFloat32Array()), Array.from(out.logits.data as Float32Array));
    sync.dispose();
    y.dispose();
    x.dispose();
    assert.equal(torch.liveTensors(), live);
    model.dispose();
  });
}

test('the ONNX graph is opset 17 with standard operators only, and the plan is its metadata', async () => {
  const model = await loadModel(modelPath('stage1'));
  const proto = onnxProto.onnx.ModelProto.decode(exportOnnx(model, '0.1.0'));
  assert.equal(Number(proto.opsetImport[0].version), ONNX_OPSET);
  assert.equal(proto.opsetImport[0].domain, '');
  assert.ok(ONNX_OPSET >= 17);
  const ops = new Set(proto.graph!.node!.map((n) => n.opType));
  assert.deepEqual([...ops].sort(), [
    'Concat',
    'Conv',
    'ConvTranspose',
    'InstanceNormalization',
    'LeakyRelu',
    'Softmax',
  ]);
  const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
  assert.deepEqual(JSON.parse(meta['meatus.plan']), model.plan);
  assert.equal(meta['meatus.task'], 'wholeTumour');
  assert.deepEqual(JSON.parse(meta.spacing_mm), model.plan.spacing);
  assert.deepEqual(JSON.parse(meta.patch_size), model.plan.patchSize);
  assert.deepEqual(JSON.parse(meta.normalization), model.plan.normalization);
  assert.deepEqual(JSON.parse(meta.classes), ['background', 'tumour']);
  const orientation = (model.plan as { orientation?: unknown }).orientation;
  if (orientation !== undefined) assert.deepEqual(JSON.parse(meta.orientation), orientation);
  // Every weight is stored: as many float parameters as the network has.
  const stored = proto.graph!.initializer!.reduce(
    (a, t) => a + (t.dims ?? []).reduce((p: number, d) => p * Number(d), 1),
    0,
  );
  const live = model.net.stateDict();
  const needed = Object.entries(live)
    .filter(
      ([k]) =>
        !/seg_layers\.(\d+)/.test(k) ||
        k.startsWith(`decoder.seg_layers.${model.net.config.features.length - 2}.`),
    )
    .reduce((a, [, t]) => a + t.numel, 0);
  assert.equal(stored, needed);
  model.dispose();
});

test('meatus export writes a loadable file, refuses to overwrite it, and names a missing model', async () => {
  const out = join(root, 'stage1.onnx');
  assert.equal(await main(['export', modelPath('stage1'), '--onnx', out]), 0);
  const session = await ort.InferenceSession.create(readFileSync(out));
  assert.deepEqual(session.inputNames, ['image']);
  assert.deepEqual([...session.outputNames].sort(), ['logits', 'probabilities']);
  await session.release();
  assert.equal(await main(['export', modelPath('stage1'), '--onnx', out]), 1);
  assert.equal(await main(['export', join(root, 'none.safetensors'), '--onnx', join(root, 'none.onnx')]), 1);
  assert.equal(existsSync(join(root, 'none.onnx')), false);
  assert.equal(await main(['export', modelPath('stage1'), '--onnx', join(root, 'x.bin')]), 2);
  assert.equal(await main(['export', modelPath('stage1')]), 2);
});

test('the onnxruntime engine predicts what libtorch predicts over a sliding window (1e-4)', async () => {
  const [lt, ox] = [await loadModel(modelPath('stage1')), await loadModel(modelPath('stage1'), 'cpu', { engine: 'onnxruntime' })];
  assert.ok(ox.onnx && !lt.onnx);
  // More than one tile on every axis, whatever the built-in stage 1's patch.
  const shape = lt.plan.patchSize.map((p) => Math.round(p * 1.25)) as [number, number, number];
  torch.manualSeed(9);
  const image = torch.scope(() => torch.randn([1, ...shape]).toFloat32Array());
  const a = predictPreprocessed(lt, image, 1, shape);
  const b = predictPreprocessed(ox, image, 1, shape);
  assertClose(b, a, 'probabilities');
  lt.dispose();
  ox.dispose();
  await assert.rejects(loadModel(modelPath('stage1'), 'cuda', { engine: 'onnxruntime' }), /onnxruntime engine runs on the CPU only/);
  assert.equal(await main(['segment', '--demo', '--engine', 'tensorflow', '--out', join(root, 'seg')]), 2);
});
