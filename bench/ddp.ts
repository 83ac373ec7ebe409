// Benchmark: data-parallel training steps on this machine — 1 process against N processes (c10d,
// Gloo), in the same run, with the same global batch.
//
// The step is the trainer's (src/train/trainer.ts) without the data loader: the default model's
// plan (models/default/plan.json: patch 24 × 48 × 40, features 16 → 128, batch 2), the stage-1 task
// (1 channel, 2 classes), deep supervision, `deepSupervisionLoss` of `diceCeLoss`, backward,
// `reduceGradients` (the bucketed all-reduce, weighted by each rank's share of the batch),
// `clipGradNorm_` at 12, SGD Nesterov 0.99 with weight decay 3e-5. The global batch is the plan's
// (2): 1 process takes both samples, N processes split them as the trainer does (`rankBatchSize`);
// a third configuration gives each of the N processes the plan's batch (global batch 2N: weak
// scaling), because libtorch 1.13's CPU convolutions are several times slower per sample at batch 1.
// Processes are started by `launchWorkers` (as `meatus train --nproc-per-node N`), so each of N
// processes gets cores / N libtorch threads; rounds alternate which configuration goes first.
// Steps per second = 1 / (median seconds per step of rank 0); samples per second = global batch ×
// steps per second; speed-up = samples per second against 1 process.
//
// Run: node --import tsx bench/ddp.ts [--nproc 2] [--rounds 2] [--steps 10] [--warmup 3] [--out FILE]
// Prints a table and writes bench/results/ddp.json (or --out).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { distributed as dist, optim, torch } from '../src/torch/index.js';
import { buildNetwork } from '../src/nn/from-plan.js';
import { readPlan } from '../src/preprocess/plan.js';
import { deepSupervisionLoss, deepSupervisionWeights, diceCeLoss } from '../src/loss/index.js';
import { outputScales } from '../src/train/trainer.js';
import { launchWorkers, readLaunchEnv } from '../src/train/launch.js';
import { rankBatchSize, reduceGradients } from '../src/train/data-parallel.js';
import { median } from './lib/stats.js';

const SELF = fileURLToPath(import.meta.url);
/** Rank 0's timings: seconds per step, and of them in `reduceGradients`. */
interface RankResult {
  times: number[];
  reduceTimes: number[];
  threads: number;
  localBatch: number;
}
const PLAN = fileURLToPath(new URL('../models/default/plan.json', import.meta.url));

/** One rank: times `warmup + steps` training steps; rank 0 writes its per-step seconds to $BENCH_OUT. */
async function child(): Promise<void> {
  const env = readLaunchEnv()!;
  if (env.worldSize > 1) dist.initProcessGroup({ ...env, timeoutSeconds: 600 });
  const plan = await readPlan(PLAN);
  const global = Number(process.env.BENCH_GLOBAL_BATCH);
  const local = rankBatchSize(global, env.worldSize, env.rank);
  const [steps, warmup] = [Number(process.env.BENCH_STEPS), Number(process.env.BENCH_WARMUP)];
  torch.manualSeed(1);
  const net = buildNetwork(plan, 'wholeTumour', 'cpu', true);
  const params = net.parameters();
  const opt = new optim.SGD(params, { lr: 0.01, momentum: 0.99, nesterov: true, weightDecay: 3e-5 });
  const scales = outputScales(plan);
  const weights = deepSupervisionWeights(scales.length);
  torch.manualSeed(100 + env.rank);
  const x = torch.randn([local, 1, ...plan.patchSize]);
  const full = torch.randint(0, 2, [local, ...plan.patchSize]);
  const targets = scales.map(([sz, sy, sx]) => full.slice(1, 0, undefined, sz).slice(2, 0, undefined, sy).slice(3, 0, undefined, sx));
  const times: number[] = [];
  const reduceTimes: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    torch.scope(() => {
      const outs = net.forward(x);
      const loss = deepSupervisionLoss(outs, targets.slice(0, outs.length), (o, y) => diceCeLoss(o, y), weights);
      loss.backward();
      loss.item();
    });
    const r0 = performance.now();
    reduceGradients(params, local / global);
    if (i >= warmup) reduceTimes.push((performance.now() - r0) / 1000);
    optim.clipGradNorm_(params, 12);
    opt.step();
    opt.zeroGrad();
    if (i >= warmup) times.push((performance.now() - t0) / 1000);
  }
  if (env.rank === 0) writeFileSync(process.env.BENCH_OUT!, JSON.stringify({ times, reduceTimes, threads: torch.getNumThreads(), localBatch: local }));
  dist.destroyProcessGroup();
}

/** A configuration: processes and global batch. */
interface Config {
  nproc: number;
  global: number;
}

async function runConfig({ nproc, global }: Config, dir: string, o: { steps: number; warmup: number }): Promise<RankResult> {
  const out = join(dir, `n${nproc}-b${global}-${Date.now()}.json`);
  const env = {
    ...process.env,
    BENCH_CHILD: '1',
    BENCH_OUT: out,
    BENCH_STEPS: String(o.steps),
    BENCH_WARMUP: String(o.warmup),
    BENCH_GLOBAL_BATCH: String(global),
  };
  const code = await launchWorkers({ nproc, command: process.execPath, args: ['--import', 'tsx', SELF], env });
  if (code !== 0) throw new Error(`bench/ddp: ${nproc} process(es) failed with code ${code}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

async function parent(): Promise<void> {
  const { values } = parseArgs({
    options: { nproc: { type: 'string', default: '2' }, rounds: { type: 'string', default: '2' }, steps: { type: 'string', default: '10' }, warmup: { type: 'string', default: '3' }, out: { type: 'string' } },
  });
  const nproc = Number(values.nproc);
  const rounds = Number(values.rounds);
  const o = { steps: Number(values.steps), warmup: Number(values.warmup) };
  if (!dist.availableBackends().gloo) throw new Error('bench/ddp: the addon has no c10d (npm run setup; Debian needs libgloo-dev)');
  const dir = mkdtempSync(join(tmpdir(), 'meatus-bench-ddp-'));
  const load0 = loadavg()[0];
  const batch = (await readPlan(PLAN)).batchSize;
  const configs: Config[] = [
    { nproc: 1, global: batch },
    { nproc, global: batch },
    { nproc, global: batch * nproc },
  ];
  const rows: RankResult[][] = configs.map(() => []);
  try {
    for (let r = 0; r < rounds; r++) {
      const order = configs.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const res = await runConfig(configs[i], dir, o);
        rows[i].push(res);
        console.log(`round ${r + 1}: ${configs[i].nproc} process(es), global batch ${configs[i].global}: median ${median(res.times).toFixed(3)} s/step, of which all-reduce ${median(res.reduceTimes).toFixed(3)} s`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = configs.map((c, i) => {
    const s = median(rows[i].flatMap((x) => x.times));
    const reduce = median(rows[i].flatMap((x) => x.reduceTimes));
    return { processes: c.nproc, globalBatch: c.global, threadsPerProcess: rows[i][0].threads, batchPerProcess: rows[i][0].localBatch, secondsPerStep: s, reduceSeconds: reduce, stepsPerSecond: 1 / s, samplesPerSecond: c.global / s };
  });
  console.log('\n| processes | global batch | threads each | batch each | s/step (median) | of which all-reduce s | steps/s | samples/s | speed-up (samples/s) |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of summary) {
    console.log(
      `| ${s.processes} | ${s.globalBatch} | ${s.threadsPerProcess} | ${s.batchPerProcess} | ${s.secondsPerStep.toFixed(3)} | ${s.reduceSeconds.toFixed(3)} | ${s.stepsPerSecond.toFixed(3)} | ${s.samplesPerSecond.toFixed(3)} | ${(s.samplesPerSecond / summary[0].samplesPerSecond).toFixed(2)}× |`,
    );
  }
  const result = { date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, loadavgBefore: load0, loadavgAfter: loadavg()[0], rounds, ...o, configs, summary, raw: rows };
  const out = values.out ?? join(dirname(SELF), 'results', 'ddp.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`\nload average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}; ${out}`);
}

if (process.env.BENCH_CHILD) await child();
else await parent();
