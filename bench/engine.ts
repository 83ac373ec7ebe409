// Benchmark: the meatus tensor engine against PyTorch on the same libtorch, in the same run.
// Cases: conv3d forward+backward, one training step of a small nnU-Net-like 3D U-Net (conv, instance
// norm, leaky ReLU ×2 per stage, strided conv down, transposed conv up, skip concat, 1×1×1 head,
// cross-entropy, SGD Nesterov, zero grad), and 10,000 `add` calls on tiny tensors (the per-op binding
// cost). Rounds alternate meatus and PyTorch (bench/peers/engine_torch.py, spawned once per round);
// both start from the same weights (a safetensors file) and the numbers are checked to agree.
//
// Run: node --import tsx bench/engine.ts [--device cpu|cuda] [--sizes small|h100] [--python PATH]
//        [--rounds N] [--iters N] [--warmup N] [--threads N] [--amp fp32,fp16] [--out FILE]
// Prints a table and writes bench/results/engine.json (or --out).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { F, optim, torch, type Tensor } from '../src/torch/index.js';
import { call, native, opId } from '../src/torch/native.js';
import { median } from './lib/stats.js';

type Device = 'cpu' | 'cuda';
type Precision = 'fp32' | 'fp16';

const { values: args } = parseArgs({
  options: {
    device: { type: 'string', default: 'cpu' },
    sizes: { type: 'string' },
    python: { type: 'string' },
    rounds: { type: 'string', default: '4' },
    iters: { type: 'string' },
    warmup: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    amp: { type: 'string' },
    out: { type: 'string' },
  },
});

function fail(msg: string): never {
  console.error(`bench/engine: ${msg}`);
  process.exit(2);
}
function intArg(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

const device = args.device as Device;
if (device !== 'cpu' && device !== 'cuda') fail(`--device must be cpu or cuda, got '${args.device}'`);
const sizes = args.sizes ?? (device === 'cuda' ? 'h100' : 'small');
if (sizes !== 'small' && sizes !== 'h100') fail(`--sizes must be small or h100, got '${sizes}'`);
const python = args.python ?? (device === 'cuda' ? 'python3' : '/usr/bin/python3');
const ROUNDS = intArg('rounds', args.rounds, 1);
const ITERS = intArg('iters', args.iters ?? (device === 'cuda' ? '10' : '3'), 1);
const WARMUP = intArg('warmup', args.warmup, 0);
const THREADS = intArg('threads', args.threads, 1);
const precisions = (args.amp ?? (device === 'cuda' ? 'fp32,fp16' : 'fp32')).split(',') as Precision[];
for (const p of precisions) if (p !== 'fp32' && p !== 'fp16') fail(`--amp lists fp32 and/or fp16, got '${p}'`);
if (device === 'cpu' && precisions.includes('fp16')) fail('fp16 autocast is CUDA-only (--amp fp32 on cpu)');
if (device === 'cuda' && !torch.cuda.isAvailable()) {
  fail(`--device cuda, but CUDA is not available (addon ${torch.buildInfo().addon}, cudaCompiled=${torch.buildInfo().cudaCompiled})`);
}

/** The sizes of each case. `small` takes ~0.1–1 s per step on 2 CPU cores; `h100` is nnU-Net-sized. */
const SIZES = {
  small: { conv: { input: [1, 32, 16, 32, 48], out: 32 }, unet: { input: [1, 1, 16, 32, 32], features: [8, 16, 32, 64] } },
  h100: {
    conv: { input: [2, 32, 40, 224, 192], out: 32 },
    unet: { input: [2, 1, 40, 224, 192], features: [32, 64, 128, 256, 320] },
  },
}[sizes];
const CLASSES = 3;
const ADD_CALLS = 10_000;
const SEED = 20260327;
const SGD_OPTIONS = { lr: 0.01, momentum: 0.99, nesterov: true, weightDecay: 3e-5 };

// ---- the U-Net (parameters in a plain record; the same names in the PyTorch peer) ----

/** Per-stage strides [z, y, x]: 1 for stage 0, then 2 along each dim while the size halves to ≥ 4. */
function stageStrides(spatial: number[], stages: number): number[][] {
  const cur = [...spatial];
  const out: number[][] = [[1, 1, 1]];
  for (let s = 1; s < stages; s++) {
    const st = cur.map((n) => (n % 2 === 0 && n / 2 >= 4 ? 2 : 1));
    st.forEach((v, d) => (cur[d] /= v));
    out.push(st);
  }
  return out;
}

/** The parameter shapes, in a fixed order (transposed-conv kernels equal the stage's stride). */
function unetShapes(features: number[], strides: number[][]): [string, number[]][] {
  const shapes: [string, number[]][] = [];
  const block = (prefix: string, cin: number, cout: number) => {
    for (let k = 0; k < 2; k++) {
      shapes.push([`${prefix}.conv${k}.weight`, [cout, k === 0 ? cin : cout, 3, 3, 3]], [`${prefix}.conv${k}.bias`, [cout]]);
      shapes.push([`${prefix}.norm${k}.weight`, [cout]], [`${prefix}.norm${k}.bias`, [cout]]);
    }
  };
  features.forEach((f, s) => block(`enc${s}`, s === 0 ? SIZES.unet.input[1] : features[s - 1], f));
  for (let s = features.length - 2; s >= 0; s--) {
    shapes.push([`dec${s}.up.weight`, [features[s + 1], features[s], ...strides[s + 1]]], [`dec${s}.up.bias`, [features[s]]]);
    block(`dec${s}`, 2 * features[s], features[s]);
  }
  shapes.push(['head.weight', [CLASSES, features[0], 1, 1, 1]], ['head.bias', [CLASSES]]);
  return shapes;
}

/** Initial weights (nnU-Net's: Kaiming normal, a = 0.01; zero biases; unit norm scales), seeded. */
function initUnet(features: number[], strides: number[][]): Record<string, Tensor> {
  torch.manualSeed(SEED);
  const p: Record<string, Tensor> = {};
  for (const [name, shape] of unetShapes(features, strides)) {
    if (name.endsWith('.weight') && shape.length === 5) {
      const fanIn = shape[1] * shape[2] * shape[3] * shape[4];
      p[name] = torch.randn(shape).mul_(Math.sqrt(2 / (1 + 0.01 ** 2)) / Math.sqrt(fanIn));
    } else {
      p[name] = name.includes('.norm') && name.endsWith('.weight') ? torch.ones(shape) : torch.zeros(shape);
    }
  }
  return p;
}

function convNormAct(x: Tensor, p: Record<string, Tensor>, prefix: string, stride: number[]): Tensor {
  let h = x;
  for (let k = 0; k < 2; k++) {
    h = F.conv3d(h, p[`${prefix}.conv${k}.weight`], p[`${prefix}.conv${k}.bias`], {
      stride: (k === 0 ? stride : 1) as [number, number, number] | number,
      padding: 1,
    });
    h = F.instanceNorm(h, { weight: p[`${prefix}.norm${k}.weight`], bias: p[`${prefix}.norm${k}.bias`], eps: 1e-5 });
    h = F.leakyRelu(h, 0.01, true);
  }
  return h;
}

function unetForward(x: Tensor, p: Record<string, Tensor>, stages: number, strides: number[][]): Tensor {
  const skips: Tensor[] = [];
  let h = x;
  for (let s = 0; s < stages; s++) {
    h = convNormAct(h, p, `enc${s}`, strides[s]);
    skips.push(h);
  }
  for (let s = stages - 2; s >= 0; s--) {
    const st = strides[s + 1] as [number, number, number];
    const up = F.convTranspose3d(h, p[`dec${s}.up.weight`], p[`dec${s}.up.bias`], { stride: st });
    h = convNormAct(torch.cat([up, skips[s]], 1), p, `dec${s}`, [1, 1, 1]);
  }
  return F.conv3d(h, p['head.weight'], p['head.bias']);
}

// ---- the cases ----

interface Case {
  name: string;
  /** Runs one timed iteration. */
  step(): void;
  /** Values to compare with the peer's. */
  check(): Record<string, number>;
  dispose(): void;
}

const sync = () => {
  if (device === 'cuda') torch.cuda.synchronize();
};
const amp = <T>(prec: Precision, fn: () => T): T => (prec === 'fp16' ? torch.autocast(fn, { dtype: 'float16' }) : fn());

function convCase(prec: Precision): Case {
  const { input, out } = SIZES.conv;
  torch.manualSeed(SEED);
  const x = torch.keep(torch.randn(input).to(device));
  const w = torch.keep(torch.randn([out, input[1], 3, 3, 3]).mul_(0.05).to(device).requiresGrad_());
  const b = torch.keep(torch.zeros([out], { device }).requiresGrad_());
  const xg = torch.keep(x.clone().requiresGrad_());
  const fwdBwd = (): Tensor =>
    torch.scope(() => {
      const y = amp(prec, () => F.conv3d(xg, w, b, { padding: 1 }));
      y.float().square().mean().backward();
      return y.float().sum();
    });
  const clear = () => [w, b, xg].forEach((t) => (t.grad = null));
  return {
    name: `conv3d fwd+bwd ${prec}`,
    step: () => {
      fwdBwd().dispose();
      clear();
    },
    check: () =>
      torch.scope(() => {
        const ysum = fwdBwd();
        const r = { input: x.sum().item(), outputSum: ysum.item(), weightGradSum: w.grad!.sum().item(), weightGradNorm: w.grad!.norm().item() };
        clear();
        return r;
      }),
    dispose: () => [x, w, b, xg].forEach((t) => t.dispose()),
  };
}

function unetCase(prec: Precision, weights: Record<string, Tensor>, data: Record<string, Tensor>): Case {
  const { features } = SIZES.unet;
  const strides = stageStrides(SIZES.unet.input.slice(2), features.length);
  const p = torch.keep(Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, v.to(device).requiresGrad_()])));
  const x = torch.keep(data.x.to(device));
  const y = torch.keep(data.y.to(device));
  const opt = new optim.SGD(Object.values(p), SGD_OPTIONS);
  const trainStep = (): void =>
    torch.scope(() => {
      const loss = amp(prec, () => F.crossEntropy(unetForward(x, p, features.length, strides), y));
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
  const lossNow = (): number =>
    torch.noGrad(() => torch.scope(() => amp(prec, () => F.crossEntropy(unetForward(x, p, features.length, strides), y)).item()));
  return {
    name: `U-Net train step ${prec}`,
    step: trainStep,
    check: () => {
      const before = lossNow();
      trainStep();
      return { lossBefore: before, lossAfter: lossNow() };
    },
    dispose: () => {
      for (const t of [...Object.values(p), x, y]) t.dispose();
      for (const t of Object.values(opt.stateDict().tensors)) t.dispose();
    },
  };
}

/** 10,000 `add`s of two 4-element tensors; also through the raw addon call (no Tensor object). */
function addCases(): Case[] {
  const a = torch.keep(torch.ones([4], { device }));
  const b = torch.keep(torch.ones([4], { device }));
  const ADD = opId('add');
  const viaTensor: Case = {
    name: `add ×${ADD_CALLS} (Tensor API)`,
    step: () => {
      for (let i = 0; i < ADD_CALLS; i++) a.add(b).dispose();
      sync();
    },
    check: () => ({}),
    dispose: () => undefined,
  };
  const raw: Case = {
    name: `add ×${ADD_CALLS} (raw addon call)`,
    step: () => {
      const ah = a.handle;
      const bh = b.handle;
      for (let i = 0; i < ADD_CALLS; i++) native.dispose(call(ADD, ah, bh, 1) as never);
      sync();
    },
    check: () => ({}),
    dispose: () => [a, b].forEach((t) => t.dispose()),
  };
  return [viaTensor, raw];
}

function timeCase(c: Case): number[] {
  for (let i = 0; i < WARMUP; i++) c.step();
  sync();
  const times: number[] = [];
  for (let i = 0; i < ITERS; i++) {
    const t0 = performance.now();
    c.step();
    sync();
    times.push(performance.now() - t0);
  }
  return times;
}

// ---- one round of each side ----

type Timings = Record<string, number[]>;
type Checks = Record<string, Record<string, number>>;

async function runMeatus(weightsFile: string, wantChecks: boolean): Promise<{ times: Timings; checks: Checks }> {
  const times: Timings = {};
  const checks: Checks = {};
  const { tensors: loaded } = await torch.loadSafetensors(weightsFile);
  const { x, y, ...weights } = loaded;
  const cases: (() => Case)[] = [];
  for (const prec of precisions) cases.push(() => convCase(prec), () => unetCase(prec, weights, { x, y }));
  const run = (c: Case) => {
    if (wantChecks) checks[c.name] = c.check();
    times[c.name] = timeCase(c);
    c.dispose();
    if (device === 'cuda') torch.cuda.emptyCache();
  };
  for (const make of cases) run(make());
  addCases().forEach(run);
  for (const t of Object.values(loaded)) t.dispose();
  return { times, checks };
}

interface PeerResult {
  torch: string;
  threads: number;
  times: Timings;
  checks: Checks;
}

function runPeer(configFile: string): PeerResult {
  const script = new URL('./peers/engine_torch.py', import.meta.url).pathname;
  const r = spawnSync(python, [script, configFile], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) fail(`cannot run the PyTorch peer with ${python}: ${r.error.message}`);
  if (r.status !== 0) fail(`the PyTorch peer (${python}) failed with status ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
}

// ---- main ----

torch.setNumThreads(THREADS);
const dir = mkdtempSync(join(tmpdir(), 'meatus-bench-engine-'));
const weightsFile = join(dir, 'unet.safetensors');
const configFile = join(dir, 'config.json');
const strides = stageStrides(SIZES.unet.input.slice(2), SIZES.unet.features.length);
torch.scope(() => {
  const w = initUnet(SIZES.unet.features, strides);
  torch.manualSeed(SEED + 1);
  const x = torch.randn(SIZES.unet.input);
  const y = torch.randint(0, CLASSES, [SIZES.unet.input[0], ...SIZES.unet.input.slice(2)]);
  writeFileSync(weightsFile, torch.encodeSafetensors({ ...w, x, y }));
});
const peerConfig = {
  device, threads: THREADS, warmup: WARMUP, iters: ITERS, seed: SEED, weights: weightsFile, precisions, addCalls: ADD_CALLS,
  conv: SIZES.conv, unet: { ...SIZES.unet, strides, classes: CLASSES }, sgd: SGD_OPTIONS, check: false,
};

const mine: Timings = {};
const theirs: Timings = {};
let myChecks: Checks = {};
let peerChecks: Checks = {};
let peerInfo = { torch: '?', threads: 0 };
const append = (into: Timings, from: Timings) => {
  for (const [k, v] of Object.entries(from)) (into[k] ??= []).push(...v);
};
try {
  for (let r = 0; r < ROUNDS; r++) {
    const first = r === 0;
    // The first round also checks the numbers; alternate who goes first to spread drift evenly.
    writeFileSync(configFile, JSON.stringify({ ...peerConfig, check: first }));
    const order = r % 2 === 0 ? ['meatus', 'torch'] : ['torch', 'meatus'];
    for (const side of order) {
      if (side === 'meatus') {
        const m = await runMeatus(weightsFile, first);
        append(mine, m.times);
        if (first) myChecks = m.checks;
      } else {
        const p = runPeer(configFile);
        append(theirs, p.times);
        if (first) peerChecks = p.checks;
        peerInfo = { torch: p.torch, threads: p.threads };
      }
    }
    process.stderr.write(`bench/engine: round ${r + 1}/${ROUNDS} done\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Agreement: every checked value within 1e-4 relative (fp16: 1e-2) of the peer's.
const agreement: Record<string, { ok: boolean; maxRelDiff: number; meatus: Record<string, number>; torch: Record<string, number> }> = {};
for (const [name, vals] of Object.entries(myChecks)) {
  if (Object.keys(vals).length === 0) continue;
  const peer = peerChecks[name] ?? {};
  let maxRel = 0;
  for (const [k, v] of Object.entries(vals)) {
    const q = peer[k];
    const rel = q === undefined ? Infinity : Math.abs(v - q) / Math.max(Math.abs(q), 1e-12);
    maxRel = Math.max(maxRel, rel);
  }
  agreement[name] = { ok: maxRel <= (name.includes('fp16') ? 1e-2 : 1e-4), maxRelDiff: maxRel, meatus: vals, torch: peer };
}

const info = torch.buildInfo();
const cpu = cpus()[0]?.model ?? 'unknown';
const rows = Object.keys(mine).map((name) => {
  const m = mine[name];
  const t = theirs[name]; // none for the meatus-only raw-call row
  return {
    name,
    meatusMedianMs: median(m),
    meatusMinMs: Math.min(...m),
    torchMedianMs: t ? median(t) : null,
    torchMinMs: t ? Math.min(...t) : null,
    speedRatio: t ? median(t) / median(m) : null,
    speedRatioMin: t ? Math.min(...t) / Math.min(...m) : null,
    check: agreement[name] ? (agreement[name].ok ? 'OK' : 'MISMATCH') : '—',
  };
});

console.log(
  `Engine: meatus (libtorch ${info.version}) vs PyTorch ${peerInfo.torch} on ${device}` +
    (device === 'cpu' ? `, ${THREADS} threads (peer: ${peerInfo.threads})` : '') +
    `; ${cpu}; sizes '${sizes}'; ${ROUNDS} rounds × ${ITERS} iterations after ${WARMUP} warm-up`,
);
console.log(
  '| case | meatus median ms | meatus min ms | PyTorch median ms | PyTorch min ms | speed meatus/PyTorch (median) | (min) | values |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of rows) {
  const f = (v: number | null) => (v === null ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(2));
  const q = (v: number | null) => (v === null ? '—' : v.toFixed(3));
  console.log(
    `| ${r.name} | ${f(r.meatusMedianMs)} | ${f(r.meatusMinMs)} | ${f(r.torchMedianMs)} | ${f(r.torchMinMs)} | ` +
      `${q(r.speedRatio)} | ${q(r.speedRatioMin)} | ${r.check} |`,
  );
}
const perCall = (name: string, t: Timings) => (median(t[name] ?? [NaN]) * 1000) / ADD_CALLS;
const addNames = Object.keys(mine).filter((n) => n.startsWith('add'));
console.log(
  `per-op cost (tiny add): ${addNames.map((n) => `meatus ${n.replace(/.*\((.*)\)/, '$1')} ${perCall(n, mine).toFixed(2)} µs`).join(', ')}, ` +
    `PyTorch ${perCall(addNames[0], theirs).toFixed(2)} µs`,
);
for (const [name, a] of Object.entries(agreement)) {
  console.log(`agreement ${name}: max relative difference ${a.maxRelDiff.toExponential(2)} → ${a.ok ? 'OK' : 'MISMATCH'}`);
}

const outFile = args.out ?? new URL('./results/engine.json', import.meta.url).pathname;
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify(
    {
      bench: 'engine',
      date: new Date().toISOString(),
      machine: { cpu, cores: cpus().length, node: process.version },
      command: `node --import tsx bench/engine.ts ${process.argv.slice(2).join(' ')}`.trim(),
      device,
      sizes: { name: sizes, ...SIZES, unetStrides: strides },
      threads: THREADS,
      rounds: ROUNDS,
      iters: ITERS,
      warmup: WARMUP,
      meatus: { libtorch: info.version, cudaCompiled: info.cudaCompiled },
      peer: { python, ...peerInfo },
      rows,
      agreement,
      times: { meatus: mine, torch: theirs },
    },
    null,
    2,
  ) + '\n',
);
if (Object.values(agreement).some((a) => !a.ok)) process.exitCode = 1;
