// Benchmark: the inference engines — libtorch against ONNX Runtime (CPU) on the same exported
// network, in the same process and run.
//
// 1. One network call: the default stage-1 and stage-2 models (models/default) on one tile of the
//    plan's patch (24 × 48 × 40), `model.net.forward` against `OnnxNetwork.forward` (the network
//    exported by `exportOnnx`, run by onnxruntime-node), interleaved call by call; medians.
// 2. `segment()` (the two-stage pipeline with its sliding windows) on a generated phantom
//    (`generatePhantom({}, seed)`, the demo's scan) with each engine, rounds alternating which goes
//    first; seconds per stage and whether the label maps are identical (differing voxels counted).
// Both engines use the same number of threads (libtorch's: MEATUS_NUM_THREADS or the cores).
//
// Run: node --import tsx bench/onnx.ts [--rounds 3] [--calls 10] [--seed 7] [--out FILE]
// Prints tables and writes bench/results/onnx.json (or --out).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { torch } from '../src/torch/index.js';
import { generatePhantom } from '../src/data/phantom/generate.js';
import { loadModel, type Engine, type Model } from '../src/infer/model.js';
import { segment } from '../src/infer/pipeline.js';
import { median } from './lib/stats.js';

const SELF = fileURLToPath(import.meta.url);
const model = (name: string) => fileURLToPath(new URL(`../models/default/${name}.safetensors`, import.meta.url));
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, calls: { type: 'string', default: '10' }, seed: { type: 'string', default: '7' }, out: { type: 'string' } },
});
const rounds = Number(values.rounds);
const calls = Number(values.calls);
const load0 = loadavg()[0];
const engines: Engine[] = ['libtorch', 'onnxruntime'];
const models: Record<Engine, { stage1: Model; stage2: Model }> = {
  libtorch: { stage1: await loadModel(model('stage1')), stage2: await loadModel(model('stage2')) },
  onnxruntime: { stage1: await loadModel(model('stage1'), 'cpu', { engine: 'onnxruntime' }), stage2: await loadModel(model('stage2'), 'cpu', { engine: 'onnxruntime' }) },
};

// 1. One network call per stage.
const forward: Record<string, Record<Engine, number>> = {};
for (const stage of ['stage1', 'stage2'] as const) {
  const m = models.libtorch[stage];
  torch.manualSeed(1);
  const x = torch.randn([1, m.net.config.inChannels, ...m.plan.patchSize]);
  const times: Record<Engine, number[]> = { libtorch: [], onnxruntime: [] };
  for (let i = 0; i < calls + 1; i++) {
    for (const e of i % 2 ? engines : [...engines].reverse()) {
      const t0 = performance.now();
      torch.noGrad(() => torch.scope(() => (e === 'libtorch' ? m.net.forward(x)[0] : models.onnxruntime[stage].onnx!.forward(x)).sum().item()));
      if (i > 0) times[e].push((performance.now() - t0) / 1000);
    }
  }
  x.dispose();
  forward[stage] = { libtorch: median(times.libtorch), onnxruntime: median(times.onnxruntime) };
  console.log(`${stage} forward, one ${m.plan.patchSize.join('×')} tile: libtorch ${forward[stage].libtorch.toFixed(3)} s, onnxruntime ${forward[stage].onnxruntime.toFixed(3)} s`);
}

// 2. The two-stage pipeline.
const phantom = generatePhantom({}, Number(values.seed));
const runs: Record<Engine, { stage1: number; stage2: number; total: number }[]> = { libtorch: [], onnxruntime: [] };
const labels: Partial<Record<Engine, Uint8Array>> = {};
for (let r = 0; r < rounds; r++) {
  for (const e of r % 2 ? [...engines].reverse() : engines) {
    const t0 = performance.now();
    const res = segment(phantom.image, models[e]);
    const total = (performance.now() - t0) / 1000;
    runs[e].push({ stage1: res.seconds.stage1 ?? 0, stage2: res.seconds.stage2 ?? 0, total });
    labels[e] ??= res.label.data;
    console.log(`round ${r + 1} ${e}: ${total.toFixed(1)} s (stage 1 ${res.seconds.stage1?.toFixed(1)}, stage 2 ${res.seconds.stage2?.toFixed(1)})`);
  }
}
let differing = 0;
labels.libtorch!.forEach((v, i) => (differing += v !== labels.onnxruntime![i] ? 1 : 0));
const med = (e: Engine, k: 'stage1' | 'stage2' | 'total') => median(runs[e].map((x) => x[k]));
console.log(`\nphantom ${phantom.image.shape.join('×')} voxels, ${torch.getNumThreads()} threads; label maps: ${differing} of ${labels.libtorch!.length} voxels differ`);
console.log('| engine | one stage-1 call s | one stage-2 call s | segment() stage 1 s | stage 2 s | total s | speed-up vs libtorch (total) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const e of engines) {
  console.log(
    `| ${e} | ${forward.stage1[e].toFixed(3)} | ${forward.stage2[e].toFixed(3)} | ${med(e, 'stage1').toFixed(1)} | ${med(e, 'stage2').toFixed(1)} | ${med(e, 'total').toFixed(1)} | ${(med('libtorch', 'total') / med(e, 'total')).toFixed(2)}× |`,
  );
}
const result = {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  threads: torch.getNumThreads(),
  loadavgBefore: load0,
  loadavgAfter: loadavg()[0],
  phantomShape: phantom.image.shape,
  forward,
  runs,
  differingVoxels: differing,
};
const out = values.out ?? join(dirname(SELF), 'results', 'onnx.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2));
for (const e of engines) for (const m of Object.values(models[e])) m.dispose();
console.log(`load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}; ${out}`);
