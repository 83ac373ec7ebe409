// Benchmark: one stage-2 (`split`) training step of meatus's nnU-Net U-Net against the same step in
// PyTorch, in the same run, and what the Boundary Distance Loss adds to it.
//
// The step is the trainer's (src/train/trainer.ts) without the data loader: fixed inputs — an image
// batch [N, 2, Z, Y, X] (T2 + whole-tumour mask), the labels (0 BG, 1 EM, 2 IM: a ball split by a
// plane, so the IM/EM interface exists and the BDL is active), the target of each deep-supervision
// output strided from the full-resolution one, φ from `boundaryDistanceMap` as the data pipeline
// computes it. Forward of the real `UNet` (deep supervision; fp16 autocast with --amp on CUDA),
// `deepSupervisionLoss` of `diceCeLoss`, + γ·`boundaryDistanceLoss` on the full-resolution output
// (not computed for γ = 0), backward, `loss.item()`, `clipGradNorm_` at 12, SGD Nesterov 0.99 with
// weight decay 3e-5, zero grad. (The trainer's GradScaler is left out: disabled on CPU anyway.)
//
// Cases: the step with γ = 0 and with γ = 0.5 (timed interleaved, step by step, so that drift in the
// machine's load hits both alike), and the BDL alone (forward + backward on fixed full-resolution
// logits). The PyTorch peer (bench/peers/train_torch.py, spawned once per round; rounds alternate
// who goes first) builds nnU-Net's PlainConvUNet with the same parameter names, loads the same
// initial weights and inputs (one safetensors file) and re-implements the losses; the first round
// checks that the loss before the step, the gradient norm, the BDL and the loss after one step agree.
//
// Run: node --import tsx bench/train.ts [--device cpu|cuda] [--sizes small|h100] [--python PATH]
//        [--rounds N] [--iters N] [--warmup N] [--bdl-iters N] [--threads N] [--amp] [--patch Z,Y,X] [--out FILE]
// (--patch overrides the size's patch; it must be a multiple of the topology's divisor.)
// Prints a table and writes bench/results/train.json (or --out).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { optim, torch, type Tensor } from '../src/torch/index.js';
import { UNet, type UNetConfig } from '../src/nn/index.js';
import {
  boundaryDistanceLoss,
  deepSupervisionLoss,
  deepSupervisionWeights,
  diceCeLoss,
} from '../src/loss/index.js';
import { boundaryDistanceMap } from '../src/volume/interface.js';
import { featuresPerStage, poolAndConvProps } from '../src/preprocess/topology.js';
import { median } from './lib/stats.js';

type Device = 'cpu' | 'cuda';
type V3 = [number, number, number];

const { values: args } = parseArgs({
  options: {
    device: { type: 'string', default: 'cpu' },
    sizes: { type: 'string' },
    python: { type: 'string' },
    rounds: { type: 'string', default: '4' },
    iters: { type: 'string' },
    warmup: { type: 'string', default: '1' },
    'bdl-iters': { type: 'string' },
    threads: { type: 'string', default: '2' },
    amp: { type: 'boolean', default: false },
    patch: { type: 'string' },
    out: { type: 'string' },
  },
});

function fail(msg: string): never {
  console.error(`bench/train: ${msg}`);
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
const BDL_ITERS = intArg('bdl-iters', args['bdl-iters'] ?? (device === 'cuda' ? '20' : '10'), 1);
const THREADS = intArg('threads', args.threads, 1);
const AMP = args.amp;
if (AMP && device !== 'cuda') fail('--amp (fp16 autocast) is CUDA-only');
if (device === 'cuda' && !torch.cuda.isAvailable()) {
  fail(
    `--device cuda, but CUDA is not available (addon ${torch.buildInfo().addon}, cudaCompiled=${torch.buildInfo().cudaCompiled})`,
  );
}

// ---- the configuration: task `split` (2 input channels, 3 classes), a plan-like topology ----

const SPACING: V3 = [1.5, 0.5, 0.5];
const IN_CHANNELS = 2;
const CLASSES = 3;
const SEED = 20260327;
const GAMMAS = [0, 0.5];
const TAU = 1;
const GRAD_CLIP = 12;
const SGD_OPTIONS = { lr: 0.01, momentum: 0.99, nesterov: true, weightDecay: 3e-5 };

/** `small`: ~0.5–2 s per step on 2 CPU cores. `h100`: the paper's patch, nnU-Net's topology for it. */
function topology(): {
  patch: V3;
  batch: number;
  network: Pick<UNetConfig, 'features' | 'kernels' | 'strides'>;
} {
  if (sizes === 'small') {
    return {
      patch: [16, 32, 32],
      batch: 2,
      network: {
        features: [32, 64, 128, 256],
        kernels: [
          [1, 3, 3],
          [3, 3, 3],
          [3, 3, 3],
          [3, 3, 3],
        ],
        strides: [
          [1, 1, 1],
          [1, 2, 2],
          [2, 2, 2],
          [2, 2, 2],
        ],
      },
    };
  }
  const patch: V3 = [40, 224, 192];
  const props = poolAndConvProps(SPACING, patch);
  return {
    patch: props.patchSize,
    batch: 2,
    network: {
      features: featuresPerStage(props.strides.length),
      kernels: props.kernels,
      strides: props.strides,
    },
  };
}
const TOPO = topology();
if (args.patch !== undefined) {
  const p = args.patch.split(',').map(Number);
  const div = TOPO.network.strides.reduce<number[]>((a, s) => a.map((v, i) => v * s[i]), [1, 1, 1]);
  if (p.length !== 3 || p.some((v, i) => !Number.isInteger(v) || v < div[i] || v % div[i] !== 0)) {
    fail(`--patch must be Z,Y,X, multiples of [${div}], got '${args.patch}'`);
  }
  TOPO.patch = p as V3;
}
const NETWORK: UNetConfig = {
  inChannels: IN_CHANNELS,
  numClasses: CLASSES,
  ...TOPO.network,
  deepSupervision: true,
};

/** Downsampling of each deep-supervision output, full resolution first (the trainer's `outputScales`). */
const SCALES: V3[] = [[1, 1, 1]];
for (let i = 1; i < NETWORK.strides.length - 1; i++)
  SCALES.push(SCALES[i - 1].map((v, a) => v * NETWORK.strides[i][a]) as V3);
const DS_WEIGHTS = deepSupervisionWeights(SCALES.length);

/**
 * The batch: per sample a ball (radius 0.3 of the patch's smallest extent in mm, centre shifted per
 * sample) split by the plane x = centre + 1.5 mm into EM (1) and IM (2); T2 = 1 in the ball + noise;
 * mask = label > 0; φ = `boundaryDistanceMap` (mm). Also seeded logits for the BDL-alone case.
 */
function makeBatch(): Record<string, Tensor> {
  const [nz, ny, nx] = TOPO.patch;
  const n = TOPO.batch;
  const vox = nz * ny * nx;
  const labels = new Int32Array(n * vox);
  const phi = new Float32Array(n * vox);
  const radius = 0.3 * Math.min(...TOPO.patch.map((s, a) => s * SPACING[a]));
  for (let b = 0; b < n; b++) {
    const c = TOPO.patch.map((s, a) => (s / 2 + (b === 0 ? 0 : 0.1 * s * (a === 0 ? 0.5 : 1))) * SPACING[a]);
    const lab = labels.subarray(b * vox, (b + 1) * vox);
    for (let z = 0, i = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++, i++) {
          const dz = z * SPACING[0] - c[0];
          const dy = y * SPACING[1] - c[1];
          const dx = x * SPACING[2] - c[2];
          if (dz * dz + dy * dy + dx * dx <= radius * radius) lab[i] = dx > 1.5 ? 2 : 1;
        }
      }
    }
    phi.set(boundaryDistanceMap(lab, TOPO.patch, SPACING), b * vox);
  }
  torch.manualSeed(SEED + 1);
  const y = torch.tensor(labels, { shape: [n, nz, ny, nx] }).long();
  const mask = y.gt(0).float();
  const t2 = mask.add(torch.randn([n, nz, ny, nx]).mul(0.3));
  const x = torch.stack([t2, mask], 1);
  const logits = torch.randn([n, CLASSES, nz, ny, nx]).mul(2);
  return { x, y, phi: torch.tensor(phi, { shape: [n, nz, ny, nx] }), logits };
}

// ---- the cases ----

interface Case {
  name: string;
  step(): void;
  check(): Record<string, number>;
  dispose(): void;
}

const sync = () => {
  if (device === 'cuda') torch.cuda.synchronize();
};

interface Inputs {
  x: Tensor;
  targets: Tensor[];
  phi: Tensor;
  logits: Tensor;
  weights: Record<string, Tensor>;
}

/** One training step as the trainer runs it, with BDL weight `gamma`. */
function stepCase(gamma: number, inp: Inputs): Case {
  const net = new UNet({ ...NETWORK, device });
  net.loadStateDict(inp.weights);
  const params = net.parameters();
  const opt = new optim.SGD(params, SGD_OPTIONS);
  const lossOf = (outs: Tensor[]) => {
    const base = deepSupervisionLoss(
      outs.map((o) => o.float()),
      inp.targets.slice(0, outs.length),
      (o, y) => diceCeLoss(o, y),
      DS_WEIGHTS,
    );
    if (gamma === 0) return { loss: base, bdl: null as Tensor | null };
    const bdl = boundaryDistanceLoss(outs[0].float(), inp.phi, { tau: TAU });
    return { loss: base.add(bdl.mul(gamma)), bdl };
  };
  const trainStep = () => {
    const { loss, bdl } = torch.scope(() => {
      const outs = torch.autocast(() => net.forward(inp.x), { enabled: AMP });
      const r = lossOf(outs);
      r.loss.backward();
      return { loss: r.loss.item(), bdl: r.bdl ? r.bdl.item() : 0 };
    });
    const norm = optim.clipGradNorm_(params, GRAD_CLIP);
    opt.step();
    opt.zeroGrad();
    return { loss, bdl, norm };
  };
  const lossNow = () =>
    torch.noGrad(() =>
      torch.scope(() => lossOf(torch.autocast(() => net.forward(inp.x), { enabled: AMP })).loss.item()),
    );
  return {
    name: `train step γ=${gamma}`,
    step: () => void trainStep(),
    check: () => {
      const r = trainStep();
      const out: Record<string, number> = {
        lossBefore: r.loss,
        gradNormBefore: r.norm,
        lossAfter: lossNow(),
      };
      if (gamma !== 0) out.bdlBefore = r.bdl;
      return out;
    },
    dispose: () => {
      net.dispose();
      opt.dispose();
    },
  };
}

/** The BDL alone: forward + backward on fixed full-resolution logits (what γ > 0 adds to a step). */
function bdlCase(inp: Inputs): Case {
  const logits = torch.keep(inp.logits.clone().requiresGrad_());
  const run = () =>
    torch.scope(() => {
      const v = boundaryDistanceLoss(logits, inp.phi, { tau: TAU });
      v.backward();
      return v.item();
    });
  return {
    name: 'BDL fwd+bwd alone',
    step: () => {
      run();
      logits.grad = null;
    },
    check: () => {
      const value = run();
      const r = torch.scope(() => ({
        value,
        gradSum: logits.grad!.sum().item(),
        gradNorm: logits.grad!.norm().item(),
      }));
      logits.grad = null;
      return r;
    },
    dispose: () => logits.dispose(),
  };
}

/** Warm-up, then iterations that run one step of each case in turn (order alternating). */
function timeInterleaved(cases: Case[], iters: number): Record<string, number[]> {
  const times: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (let i = 0; i < WARMUP + iters; i++) {
    for (const c of i % 2 === 0 ? cases : [...cases].reverse()) {
      sync();
      const t0 = performance.now();
      c.step();
      sync();
      if (i >= WARMUP) times[c.name].push(performance.now() - t0);
    }
  }
  return times;
}

// ---- one round of each side ----

type Timings = Record<string, number[]>;
type Checks = Record<string, Record<string, number>>;

async function runMeatus(file: string, wantChecks: boolean): Promise<{ times: Timings; checks: Checks }> {
  const checks: Checks = {};
  const { tensors } = await torch.loadSafetensors(file);
  const { x, y, phi, logits, ...weights } = tensors;
  const dev = (t: Tensor) => (device === 'cpu' ? t : torch.keep(t.to(device)));
  const full = dev(y);
  const targets = SCALES.map(([sz, sy, sx]) =>
    torch.keep(full.slice(1, 0, undefined, sz).slice(2, 0, undefined, sy).slice(3, 0, undefined, sx)),
  );
  const inp: Inputs = { x: dev(x), targets, phi: dev(phi), logits: dev(logits), weights };
  const steps = GAMMAS.map((g) => stepCase(g, inp));
  if (wantChecks) for (const c of steps) checks[c.name] = c.check();
  const times = timeInterleaved(steps, ITERS);
  steps.forEach((c) => c.dispose());
  if (device === 'cuda') torch.cuda.emptyCache();
  const b = bdlCase(inp);
  if (wantChecks) checks[b.name] = b.check();
  Object.assign(times, timeInterleaved([b], BDL_ITERS));
  b.dispose();
  const own = [...targets, ...(device === 'cpu' ? [] : [inp.x, full, inp.phi, inp.logits])];
  for (const t of [...own, ...Object.values(tensors)]) t.dispose();
  if (device === 'cuda') torch.cuda.emptyCache();
  return { times, checks };
}

interface PeerResult {
  torch: string;
  threads: number;
  ompWaitPolicy: string | null;
  times: Timings;
  checks: Checks;
}

function runPeer(configFile: string): PeerResult {
  const script = new URL('./peers/train_torch.py', import.meta.url).pathname;
  // The same OpenMP wait policy as meatus's libtorch (src/torch/native.ts makes it PASSIVE unless set):
  // spinning OpenMP threads on a loaded machine slow every op by up to 100×.
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  const r = spawnSync(python, [script, configFile], { encoding: 'utf8', maxBuffer: 64 << 20, env });
  if (r.error) fail(`cannot run the PyTorch peer with ${python}: ${r.error.message}`);
  if (r.status !== 0) fail(`the PyTorch peer (${python}) failed with status ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
}

// ---- main ----

torch.setNumThreads(THREADS);
const loadBefore = loadavg();
const dir = mkdtempSync(join(tmpdir(), 'meatus-bench-train-'));
const dataFile = join(dir, 'train.safetensors');
const configFile = join(dir, 'config.json');
torch.scope(() => {
  torch.manualSeed(SEED);
  const net = new UNet(NETWORK); // nnU-Net's initialisation, seeded
  try {
    writeFileSync(dataFile, torch.encodeSafetensors({ ...net.stateDict(), ...makeBatch() }));
  } finally {
    net.dispose();
  }
});
const peerConfig = {
  device,
  threads: THREADS,
  warmup: WARMUP,
  iters: ITERS,
  bdlIters: BDL_ITERS,
  amp: AMP,
  data: dataFile,
  network: NETWORK,
  scales: SCALES,
  dsWeights: DS_WEIGHTS,
  gammas: GAMMAS,
  loss: { tau: TAU, gradClip: GRAD_CLIP },
  sgd: SGD_OPTIONS,
  check: false,
};

const mine: Timings = {};
const theirs: Timings = {};
let myChecks: Checks = {};
let peerChecks: Checks = {};
let peerInfo: Omit<PeerResult, 'times' | 'checks'> = { torch: '?', threads: 0, ompWaitPolicy: null };
const append = (into: Timings, from: Timings) => {
  for (const [k, v] of Object.entries(from)) (into[k] ??= []).push(...v);
};
const t0 = performance.now();
try {
  for (let r = 0; r < ROUNDS; r++) {
    const first = r === 0;
    writeFileSync(configFile, JSON.stringify({ ...peerConfig, check: first }));
    for (const side of r % 2 === 0 ? ['meatus', 'torch'] : ['torch', 'meatus']) {
      if (side === 'meatus') {
        const m = await runMeatus(dataFile, first);
        append(mine, m.times);
        if (first) myChecks = m.checks;
      } else {
        const p = runPeer(configFile);
        append(theirs, p.times);
        if (first) peerChecks = p.checks;
        peerInfo = { torch: p.torch, threads: p.threads, ompWaitPolicy: p.ompWaitPolicy };
      }
    }
    process.stderr.write(
      `bench/train: round ${r + 1}/${ROUNDS} done (${((performance.now() - t0) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)})\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg();

// Agreement: every checked value within 1e-4 relative of the peer's (fp16 autocast: 1e-2).
const tolerance = AMP ? 1e-2 : 1e-4;
const agreement: Record<
  string,
  { ok: boolean; maxRelDiff: number; meatus: Record<string, number>; torch: Record<string, number> }
> = {};
for (const [name, vals] of Object.entries(myChecks)) {
  const peer = peerChecks[name] ?? {};
  let maxRel = 0;
  for (const [k, v] of Object.entries(vals)) {
    const q = peer[k];
    maxRel = Math.max(maxRel, q === undefined ? Infinity : Math.abs(v - q) / Math.max(Math.abs(q), 1e-12));
  }
  agreement[name] = { ok: maxRel <= tolerance, maxRelDiff: maxRel, meatus: vals, torch: peer };
}

const rows = Object.keys(mine).map((name) => {
  const m = mine[name];
  const t = theirs[name];
  return {
    name,
    meatusMedianMs: median(m),
    meatusMinMs: Math.min(...m),
    torchMedianMs: median(t),
    torchMinMs: Math.min(...t),
    speedRatio: median(t) / median(m),
    speedRatioMin: Math.min(...t) / Math.min(...m),
    check: agreement[name] ? (agreement[name].ok ? 'OK' : 'MISMATCH') : '—',
  };
});

/** (t_γ0.5 − t_γ0)/t_γ0 from medians, from minima, and the median of the interleaved pairs' ratios. */
function bdlOverhead(t: Timings) {
  const [a, b] = GAMMAS.map((g) => t[`train step γ=${g}`]);
  const pairs = a.map((v, i) => b[i] / v - 1);
  return {
    fromMedians: median(b) / median(a) - 1,
    fromMinima: Math.min(...b) / Math.min(...a) - 1,
    pairedMedian: median(pairs),
    bdlAloneOverMedianStep: median(t['BDL fwd+bwd alone']) / median(a),
  };
}
const overhead = { meatus: bdlOverhead(mine), torch: bdlOverhead(theirs) };

const info = torch.buildInfo();
const cpu = cpus()[0]?.model ?? 'unknown';
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
console.log(
  `Training step: meatus (libtorch ${info.version}) vs PyTorch ${peerInfo.torch} on ${device}${AMP ? ' (fp16 autocast)' : ''}` +
    (device === 'cpu'
      ? `, ${THREADS} threads (peer: ${peerInfo.threads}), OMP_WAIT_POLICY ${process.env.OMP_WAIT_POLICY} (peer: ${peerInfo.ompWaitPolicy})`
      : '') +
    `; ${cpu}; sizes '${sizes}' (patch [${TOPO.patch}], batch ${TOPO.batch}, features [${NETWORK.features}]); ` +
    `${ROUNDS} rounds × ${ITERS} iterations after ${WARMUP} warm-up; load average ${loadBefore.map((v) => v.toFixed(2)).join(' ')} → ${loadAfter.map((v) => v.toFixed(2)).join(' ')}`,
);
console.log(
  '| case | meatus median ms | meatus min ms | PyTorch median ms | PyTorch min ms | speed meatus/PyTorch (median) | (min) | values |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of rows) {
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
  console.log(
    `| ${r.name} | ${f(r.meatusMedianMs)} | ${f(r.meatusMinMs)} | ${f(r.torchMedianMs)} | ${f(r.torchMinMs)} | ` +
      `${r.speedRatio.toFixed(3)} | ${r.speedRatioMin.toFixed(3)} | ${r.check} |`,
  );
}
for (const [side, o] of Object.entries(overhead)) {
  console.log(
    `BDL overhead ${side}: ${pct(o.fromMedians)} (medians), ${pct(o.fromMinima)} (minima), ${pct(o.pairedMedian)} (median of interleaved pairs); ` +
      `BDL alone = ${pct(o.bdlAloneOverMedianStep)} of the γ=0 step`,
  );
}
for (const [name, a] of Object.entries(agreement)) {
  console.log(
    `agreement ${name}: max relative difference ${a.maxRelDiff.toExponential(2)} → ${a.ok ? 'OK' : 'MISMATCH'}`,
  );
}

const outFile = args.out ?? new URL('./results/train.json', import.meta.url).pathname;
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify(
    {
      bench: 'train',
      date: new Date().toISOString(),
      machine: {
        cpu,
        cores: cpus().length,
        node: process.version,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAfter,
      },
      command: `node --import tsx bench/train.ts ${process.argv.slice(2).join(' ')}`.trim(),
      device,
      amp: AMP,
      sizes: {
        name: sizes,
        patch: TOPO.patch,
        batch: TOPO.batch,
        spacing: SPACING,
        network: NETWORK,
        scales: SCALES,
        dsWeights: DS_WEIGHTS,
      },
      loss: { gammas: GAMMAS, tau: TAU, gradClip: GRAD_CLIP },
      sgd: SGD_OPTIONS,
      threads: THREADS,
      rounds: ROUNDS,
      iters: ITERS,
      bdlIters: BDL_ITERS,
      warmup: WARMUP,
      meatus: {
        libtorch: info.version,
        cudaCompiled: info.cudaCompiled,
        ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? null,
      },
      peer: { python, ...peerInfo },
      rows,
      bdlOverhead: overhead,
      agreement,
      times: { meatus: mine, torch: theirs },
    },
    null,
    2,
  ) + '\n',
);
if (Object.values(agreement).some((a) => !a.ok)) process.exitCode = 1;
