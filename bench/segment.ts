// Benchmark: the two-stage segmentation pipeline on a whole-head-sized phantom against the same two
// networks run by PyTorch the way nnU-Net runs them (full-volume sliding windows for both stages),
// in the same run; and the head cases of issue 13 (localise, then segment).
//
// - The scan: `generatePhantom({ fov: 'head' })`, 80 × 384 × 384 voxels of 1.5 × 0.41 × 0.41 mm.
// - The models: `--models DIR` (stage1.safetensors, stage2.safetensors, and localiser.safetensors when
//   present; with their ensemble members stage1-2.safetensors, … on both sides), else the built-in
//   default model (models/default) when present, else two networks with random weights on a plan
//   like the default recipe's (saved as checkpoints, so `loadModel` reads them as it reads trained
//   ones; no localiser).
// - meatus, on the preprocessed grid ("grid", libtorch; `--no-grid` leaves it out): stage 1 full
//   volume (`predictPreprocessed`), argmax, largest 6-connected component = WT, stage 2 on [T2, WT]
//   over only the tiles that intersect the WT bounding box + 2 voxels (as `segment()` does), label =
//   WT ? argmax(EM, IM) : 0. Its label map is compared with the peer's (Dice per class and WT);
//   opt-in faster modes (`--modes`) run the same way and are compared too.
// - meatus end to end (`--no-e2e` leaves these out), with `--engine` (default onnxruntime, as
//   `meatus segment` on the CPU): the real `segment()` on the T2 volume (preprocessing, the passes,
//   restoring to the original geometry), timed per pass — full volume (compared with the peer's label
//   map restored to the original grid) and, when the models have a localiser, localised (speed-up
//   against the peer, goal ≥ 5×). Head cases (bench/lib/head-cases.ts): the scan, an NF2 head (seed
//   + 1) and a healthy head (seed + 2) of the same geometry, each localised, the tumour cases also
//   full volume (agreement localised vs full, goal Dice ≥ 0.99; and each one's Dice against the
//   phantom's truth, since the localised stage 1 tiles its regions on their own grid and the two
//   differ by where the tiles fall), and each through the command
//   `meatus segment <head.nii.gz> --out DIR` under GNU time (`--no-cli` leaves it out): wall time
//   and peak RSS (goals ≤ 60 s, aim 20 s, and ≤ 2 GB on the tumour scan; ≤ 20 s on the healthy one).
// - The peer (bench/peers/segment_torch.py): reads meatus's preprocessed stage-1 input (so
//   preprocessing is identical) and the same checkpoints; nnU-Net's sliding window for both stages.
// - Each side runs in a fresh process (peak RSS = that process's maxrss); rounds alternate which side
//   goes first; 2 threads on both sides, and the same environment (meatus sets OMP_WAIT_POLICY=PASSIVE
//   for itself when unset; the peer gets the same value; the command gets MEATUS_NUM_THREADS).
//
// Run: node --import tsx bench/segment.ts [--models DIR] [--device cpu|cuda] [--python PATH]
//        [--rounds N] [--threads N] [--seed N] [--modes tileBatch4,step75|none] [--no-grid] [--no-e2e]
//        [--no-cli] [--engine onnxruntime|libtorch] [--out FILE]
//        [--matrix Z,Y,X (the head matrix; default 80,384,384; smaller for quick checks)]
// Prints tables and writes bench/results/segment.json (or --out).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { torch, type Device } from '../src/torch/index.js';
import type { PhantomConfig } from '../src/data/phantom/config.js';
import { generatePhantom } from '../src/data/phantom/generate.js';
import { loadEnsemble, loadModel, type Engine, type Model } from '../src/infer/model.js';
import { segment, type SegmentOptions } from '../src/infer/pipeline.js';
import { predictPreprocessed } from '../src/infer/predict.js';
import { tileStarts } from '../src/infer/sliding-window.js';
import { saveCheckpoint } from '../src/nn/checkpoint.js';
import { makePlan } from '../src/preprocess/plan.js';
import { preprocessForInference, restoreToOriginal, type CaseProperties } from '../src/preprocess/preprocess.js';
import { buildNetwork } from '../src/nn/from-plan.js';
import type { CheckpointMeta } from '../src/train/trainer.js';
import type { Plan, Task } from '../src/preprocess/types.js';
import { boundingBox, expandBox, type Box } from '../src/volume/bbox.js';
import { largestComponent } from '../src/volume/components.js';
import type { Mat4, Vec3, Volume } from '../src/volume/volume.js';
import { agreement, type Agreement } from './lib/agreement.js';
import { failer, intArg as intOption } from './lib/args.js';
import { makeHeadCases, reportHead } from './lib/head-cases.js';
import { GNU_TIME, runMeatusSegment } from './lib/meatus-cli.js';
import { disposeModels, hasStages, stageFiles, type FolderModels } from '../src/infer/model-folder.js';
import { median } from './lib/stats.js';

const SELF = fileURLToPath(import.meta.url);
const HERE = dirname(SELF);
/** The whole-head phantom: about 384 × 384 × 80 at 0.41 × 0.41 × 1.5 mm. */
const HEAD = { fov: 'head', headMatrix: [80, 384, 384], headInPlaneSpacing: [0.41, 0.41], sliceSpacing: [1.5, 1.5] } as const;
const STAGE2_MARGIN = 2;
/** Random stage 1: the quantile of a central tile's tumour-minus-background logit made the threshold. */
const WT_QUANTILE = 0.999;

/** An opt-in mode: options of the meatus grid pipeline that may change the output. */
interface ModeOptions {
  tileBatch?: number;
  /** Step of stage 1's tiles (fraction of the patch). */
  step1?: number;
  /** Step of stage 2's tiles. */
  step2?: number;
}
const MODES: Record<string, ModeOptions> = {
  default: {},
  tileBatch4: { tileBatch: 4 },
  step75: { step1: 0.75 },
  'tileBatch4+step75': { tileBatch: 4, step1: 0.75 },
};

// ---- a child process: one meatus run, timed and measured on its own ----

interface ChildJob {
  kind: 'grid' | 'segment';
  /** Each network's checkpoints: one, or an ensemble's members (`loadEnsemble`; the peer averages their logits too). */
  stage1: string[];
  stage2: string[];
  /** segment: the localiser's checkpoints (run first when given), and the engine of every network. */
  localiser?: string[];
  engine?: Engine;
  device: Device;
  threads: number;
  /** grid: the preprocessed `[1, z, y, x]` float32 file and its shape; segment: the raw T2 file and its geometry. */
  input: string;
  shape: Vec3;
  spacing?: Vec3;
  affine?: Mat4;
  mode?: ModeOptions;
  labelOut: string;
}

interface ChildResult {
  seconds: Record<string, number>;
  maxRssMB: number;
  tiles?: { stage1: number; stage2: number };
  wtVoxels: number;
  region?: Box | null;
  notes?: string[];
  /** segment, localised: the regions the localiser found (voxels of the input, end exclusive). */
  regions?: { start: Vec3; end: Vec3 }[];
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function argmaxInto(p: Float32Array, n: number, k: number, out: Uint8Array): Uint8Array {
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[c * n + i] > p[best * n + i]) best = c;
    out[i] = best;
  }
  return out;
}

async function child(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as ChildJob;
  torch.setNumThreads(job.threads);
  const sync = () => job.device === 'cuda' && torch.cuda.synchronize();
  const seconds: Record<string, number> = {};
  let t0 = performance.now();
  const load = (paths: string[]) => loadEnsemble(paths, job.device, { engine: job.kind === 'segment' ? job.engine : undefined });
  const models: FolderModels = { stage1: await load(job.stage1), stage2: await load(job.stage2) };
  if (job.localiser) models.localiser = await load(job.localiser);
  const { stage1, stage2 } = models;
  const image = readF32(job.input);
  seconds.load = (performance.now() - t0) / 1000;
  const n = job.shape[0] * job.shape[1] * job.shape[2];
  let result: ChildResult;
  if (job.kind === 'segment') {
    const t2: Volume<Float32Array> = { data: image, shape: job.shape, spacing: job.spacing!, affine: job.affine! };
    t0 = performance.now();
    const opts: SegmentOptions = { localise: job.localiser !== undefined };
    const r = segment(t2, models, opts);
    sync();
    const total = (performance.now() - t0) / 1000;
    Object.assign(seconds, r.seconds, { total });
    writeFileSync(job.labelOut, r.label.data);
    const regions = r.localisation?.regions.map((g) => ({ start: g.start, end: g.end }));
    result = { seconds, maxRssMB: 0, wtVoxels: r.wholeTumour.data.reduce((a, v) => a + v, 0), notes: r.notes, ...(regions ? { regions } : {}) };
  } else {
    const m = job.mode ?? {};
    const tiles = { stage1: 0, stage2: 0 };
    t0 = performance.now();
    const p1 = predictPreprocessed(stage1, image, 1, job.shape, { stepSize: m.step1, tileBatch: m.tileBatch, onProgress: (_d, t) => (tiles.stage1 = t) });
    const wt = largestComponent(argmaxInto(p1, n, 2, new Uint8Array(n)), job.shape, 6);
    sync();
    seconds.stage1 = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const label = new Uint8Array(n);
    const box = boundingBox(wt, job.shape);
    const region = box ? expandBox(box, [STAGE2_MARGIN, STAGE2_MARGIN, STAGE2_MARGIN], job.shape) : null;
    if (region) {
      const x2 = new Float32Array(2 * n);
      x2.set(image);
      for (let i = 0; i < n; i++) x2[n + i] = wt[i];
      const p2 = predictPreprocessed(stage2, x2, 2, job.shape, { stepSize: m.step2, tileBatch: m.tileBatch, region, onProgress: (_d, t) => (tiles.stage2 = t) });
      for (let i = 0; i < n; i++) if (wt[i]) label[i] = p2[n + i] >= p2[2 * n + i] ? 1 : 2;
    }
    sync();
    seconds.stage2 = (performance.now() - t0) / 1000;
    seconds.total = seconds.stage1 + seconds.stage2;
    writeFileSync(job.labelOut, label);
    result = { seconds, maxRssMB: 0, tiles, wtVoxels: wt.reduce((a, v) => a + v, 0), region, notes: region ? [] : ['stage 1 found no tumour'] };
  }
  disposeModels(models);
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(result));
}

// ---- the parent ----

const fail = failer('segment');
const intArg = (name: string, v: string | undefined, min: number) => intOption(fail, name, v, min);

/** A plan like models/default/recipe.sh's (crop phantoms, 1.2 × 0.8 × 0.8 mm, features 16 → 128, budget 250 MB). */
function recipePlan(): Plan {
  const fingerprint = {
    spacings: [[1.25, 0.5, 0.5] as Vec3],
    shapesAfterCrop: [[38, 128, 128] as Vec3],
    foregroundIntensity: { mean: 1, std: 0.2, p00_5: 0.5, p99_5: 1.5, min: 0.3, max: 2 },
    medianRelativeSizeAfterCrop: 1,
  };
  return makePlan(fingerprint, { spacing: [1.2, 0.8, 0.8], memoryBudgetMB: 250, baseFeatures: 16, maxFeatures: 128, dataset: 'bench/segment.ts (random weights)' });
}

/**
 * Saves a network of `task` with random weights (seeded) as a checkpoint `loadModel` reads. With
 * `calibrate` (stage 1), the final head's tumour bias is lowered so that only the top
 * 1 − {@link WT_QUANTILE} of a central tile's voxels are tumour: a random network otherwise calls
 * about half the head tumour, and stage 2's region would be the whole image — nothing like a
 * trained model's few-cm³ tumour.
 */
async function randomCheckpoint(path: string, plan: Plan, task: Task, seed: number, calibrate?: { image: Float32Array; shape: Vec3 }): Promise<void> {
  torch.manualSeed(seed);
  const net = buildNetwork(plan, task, 'cpu', false);
  net.eval();
  const sd = net.stateDict();
  if (calibrate) {
    const { image, shape } = calibrate;
    const p = plan.patchSize;
    const at = shape.map((s, a) => Math.max(0, Math.floor((s - p[a]) / 2))) as Vec3;
    if (shape.some((s, a) => s < p[a])) fail(`the preprocessed image ${shape.join('×')} is smaller than the patch ${p.join('×')}`);
    const d = torch.noGrad(() =>
      torch.scope(() => {
        const x = torch.tensor(image, { shape: [1, 1, ...shape] });
        const tile = x.slice(2, at[0], at[0] + p[0]).slice(3, at[1], at[1] + p[1]).slice(4, at[2], at[2] + p[2]).contiguous();
        const logits = net.forward(tile)[0];
        return logits.select(1, 1).sub(logits.select(1, 0)).toFloat32Array();
      }),
    );
    const q = Float32Array.from(d).sort()[Math.floor(WT_QUANTILE * (d.length - 1))];
    const key = `decoder.seg_layers.${plan.network.features.length - 2}.bias`;
    const b = sd[key].toFloat32Array();
    sd[key] = torch.tensor(Float32Array.from([b[0], b[1] - q]), { shape: [2] });
  }
  const state = { epoch: -1, ema: null, bestEma: 0, bestEpoch: -1, log: [], scaler: { scale: 1, goodSteps: 0 } };
  const meta = { task, plan, config: {}, state } as unknown as CheckpointMeta;
  await saveCheckpoint(path, sd, meta);
  net.dispose();
}

function runChild(job: ChildJob, jobFile: string, env: NodeJS.ProcessEnv): ChildResult {
  writeFileSync(jobFile, JSON.stringify(job));
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', jobFile], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) fail(`the meatus ${job.kind} run failed (status ${r.status ?? r.signal}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

interface PeerResult {
  torch: string;
  numpy: string;
  threads: number;
  device: string;
  seconds: Record<string, number>;
  processSeconds: number;
  maxRssMB: number;
  steps: { stage1: number[][]; stage2: number[][] };
  tiles: { stage1: number; stage2: number };
  wtVoxels: number;
}

function runPeer(python: string, configFile: string, env: NodeJS.ProcessEnv): PeerResult {
  const script = join(HERE, 'peers', 'segment_torch.py');
  const r = spawnSync(python, [script, configFile], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.error) fail(`cannot run the PyTorch peer with ${python}: ${r.error.message}`);
  if (r.status !== 0) fail(`the PyTorch peer (${python}) failed with status ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      models: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      python: { type: 'string' },
      rounds: { type: 'string', default: '2' },
      threads: { type: 'string', default: '2' },
      seed: { type: 'string', default: '7' },
      modes: { type: 'string', default: 'tileBatch4,step75' },
      'no-e2e': { type: 'boolean', default: false },
      'no-grid': { type: 'boolean', default: false },
      'no-cli': { type: 'boolean', default: false },
      engine: { type: 'string', default: 'onnxruntime' },
      out: { type: 'string' },
      matrix: { type: 'string' },
    },
  });
  const device = args.device as Device;
  if (device !== 'cpu' && device !== 'cuda') fail(`--device must be cpu or cuda, got '${args.device}'`);
  if (device === 'cuda' && !torch.cuda.isAvailable()) fail('--device cuda, but CUDA is not available');
  const python = args.python ?? (device === 'cuda' ? 'python3' : '/usr/bin/python3');
  const ROUNDS = intArg('rounds', args.rounds, 1);
  const THREADS = intArg('threads', args.threads, 1);
  const SEED = intArg('seed', args.seed, 0);
  const modes = args.modes === 'none' ? [] : args.modes!.split(',').filter(Boolean);
  for (const m of modes) if (!MODES[m] || m === 'default') fail(`--modes lists ${Object.keys(MODES).slice(1).join(', ')} (or none), got '${m}'`);
  const e2e = !args['no-e2e'];
  const gridRuns = !args['no-grid'];
  const cliRuns = e2e && !args['no-cli'];
  const engine = args.engine as Engine;
  if (engine !== 'onnxruntime' && engine !== 'libtorch') fail(`--engine must be onnxruntime or libtorch, got '${args.engine}'`);
  if (engine === 'onnxruntime' && device !== 'cpu') fail('--engine onnxruntime runs on the CPU; add --engine libtorch with --device cuda');
  if (cliRuns && !existsSync(GNU_TIME)) fail(`${GNU_TIME} is missing: install GNU time (apt-get install -y time) or pass --no-cli`);
  const load1 = loadavg();

  const dir = mkdtempSync(join(tmpdir(), 'meatus-bench-segment-'));
  try {
    // The models: their plans first (the preprocessing needs stage 1's), random ones built after.
    let modelDir = args.models ? resolve(args.models) : join(HERE, '..', 'models', 'default');
    let modelsNote: string;
    let plan1: Plan;
    let plan2: Plan;
    const random = !hasStages(modelDir);
    if (!random) {
      modelsNote = args.models ? `--models ${args.models}` : 'the built-in default model (models/default)';
      const plans: Plan[] = [];
      for (const p of ['stage1', 'stage2']) {
        const m: Model = await loadModel(join(modelDir, `${p}.safetensors`), 'cpu');
        plans.push(m.plan);
        m.dispose();
      }
      [plan1, plan2] = plans;
    } else {
      if (args.models) fail(`--models ${args.models}: expected stage1.safetensors and stage2.safetensors there`);
      modelDir = join(dir, 'models');
      mkdirSync(modelDir);
      plan1 = plan2 = recipePlan();
      modelsNote =
        'random weights (models/default not present) on a plan like the default recipe’s; stage 1’s tumour logit offset so that ' +
        `${(100 * (1 - WT_QUANTILE)).toFixed(2)} % of a central tile’s voxels are tumour`;
    }
    const stage1Path = random ? [join(modelDir, 'stage1.safetensors')] : stageFiles(modelDir, 'stage1');
    const stage2Path = random ? [join(modelDir, 'stage2.safetensors')] : stageFiles(modelDir, 'stage2');
    const localiserFiles = random ? [] : stageFiles(modelDir, 'localiser');
    const localiser = localiserFiles.length ? localiserFiles : undefined;
    if (e2e && !localiser) console.error(`bench/segment: ${modelDir} has no localiser.safetensors: the localised runs are left out`);
    for (const key of ['spacing', 'normalization'] as const) {
      if (JSON.stringify(plan1[key]) !== JSON.stringify(plan2[key])) {
        fail(`the stage-1 and stage-2 plans differ in ${key}: their preprocessed grids differ, which the peer does not handle`);
      }
    }

    // The scan and the preprocessed stage-1 input (the peer's input).
    let t0 = performance.now();
    const matrix = (args.matrix ?? HEAD.headMatrix.join(',')).split(',').map(Number) as Vec3;
    if (matrix.length !== 3 || !matrix.every((v) => Number.isInteger(v) && v >= 8)) fail(`--matrix must be Z,Y,X integers ≥ 8, got '${args.matrix}'`);
    const phantomConfig = { ...HEAD, headMatrix: matrix, headInPlaneSpacing: [...HEAD.headInPlaneSpacing], sliceSpacing: [...HEAD.sliceSpacing] } as Partial<PhantomConfig>;
    const { image: t2, label: truth, meta } = generatePhantom(phantomConfig, SEED);
    const phantomSeconds = (performance.now() - t0) / 1000;
    const t2File = join(dir, 't2.f32');
    writeFileSync(t2File, new Uint8Array(t2.data.buffer, t2.data.byteOffset, t2.data.byteLength));
    t0 = performance.now();
    const pre = preprocessForInference([t2], plan1);
    const preprocessSeconds = (performance.now() - t0) / 1000;
    const preFile = join(dir, 'pre.f32');
    writeFileSync(preFile, new Uint8Array(pre.image.buffer, pre.image.byteOffset, pre.image.byteLength));
    if (random) {
      await randomCheckpoint(stage1Path[0], plan1, 'wholeTumour', SEED, pre);
      await randomCheckpoint(stage2Path[0], plan2, 'split', SEED + 1);
    }
    const props: CaseProperties = pre.properties;
    console.error(
      `bench/segment: phantom ${t2.shape.join('×')} at ${t2.spacing.join('×')} mm (seed ${SEED}, Koos ${meta.koos}, ${meta.side}; ` +
        `${phantomSeconds.toFixed(1)} s), preprocessed ${pre.shape.join('×')} at ${plan1.spacing.join('×')} mm; models: ${modelsNote}`,
    );

    const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
    const seg: ChildResult[] = [];
    const peerConfigFile = join(dir, 'peer.json');
    writeFileSync(
      peerConfigFile,
      JSON.stringify({ device, threads: THREADS, input: preFile, shape: pre.shape, stage1: stage1Path, stage2: stage2Path, stepSize: 0.5, labelOut: join(dir, 'peer.u8') }),
    );
    const gridJob = (mode: string): ChildJob => ({
      kind: 'grid', stage1: stage1Path, stage2: stage2Path, device, threads: THREADS, input: preFile, shape: pre.shape, mode: MODES[mode], labelOut: join(dir, `grid-${mode}.u8`),
    });
    const segJob: ChildJob = segmentJob(t2, t2File, join(dir, 'segment.u8'), false);
    const jobFile = join(dir, 'job.json');
    function segmentJob(v: Volume<Float32Array>, input: string, labelOut: string, localised: boolean): ChildJob {
      return {
        kind: 'segment', stage1: stage1Path, stage2: stage2Path, ...(localised ? { localiser } : {}), engine, device, threads: THREADS,
        input, shape: v.shape, spacing: v.spacing, affine: v.affine, labelOut,
      };
    }
    // The head cases (issue 13): the scan above, an NF2 head and a healthy head of the same geometry.
    const head = e2e ? await makeHeadCases(t2, truth, meta, phantomConfig, SEED, dir, segJob.labelOut) : [];
    if (head.length) head[0].full = seg;

    const grid: Record<string, ChildResult[]> = {};
    const agree: Record<string, Agreement> = {};
    const peer: PeerResult[] = [];
    const loads: number[][] = [];
    let peerLabel: Uint8Array | null = null;
    let segAgreement: Agreement | null = null;
    let locAgreement: Agreement | null = null;
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['meatus', 'torch'] : ['torch', 'meatus'];
      for (const side of order) {
        loads.push(loadavg());
        if (side === 'torch') {
          peer.push(runPeer(python, peerConfigFile, env));
          peerLabel ??= new Uint8Array(readFileSync(join(dir, 'peer.u8')));
        } else if (gridRuns) {
          (grid.default ??= []).push(runChild(gridJob('default'), jobFile, env));
        }
      }
      for (const m of gridRuns ? modes : []) (grid[m] ??= []).push(runChild(gridJob(m), jobFile, env));
      if (e2e) seg.push(runChild(segJob, jobFile, env));
      for (const h of head) {
        // The scan's full-volume run is `seg`'s; the other tumour cases run full volume once, for the agreement.
        if (h.name !== 'tumour' && h.tumour && r === 0) h.full.push(runChild(segmentJob(h.image, h.file, h.fullLabel, false), jobFile, env));
        const labelOut = r === 0 ? h.localisedLabel : join(dir, 'localised-later.u8');
        if (localiser) h.localised.push(runChild(segmentJob(h.image, h.file, labelOut, true), jobFile, env));
        if (cliRuns) h.cli.push(runMeatusSegment(h.nifti, join(dir, `cli-${h.name}-${r}`), ['--models', modelDir, '--engine', engine, '--device', device], { ...env, MEATUS_NUM_THREADS: String(THREADS) }));
      }
      if (r === 0) {
        for (const m of gridRuns ? ['default', ...modes] : []) agree[m] = agreement(new Uint8Array(readFileSync(join(dir, `grid-${m}.u8`))), peerLabel!);
        if (e2e) {
          // segment() in the original geometry against the peer's label map restored to it (one-hot linear).
          const restored = restoreToOriginal(peerLabel!, props).data as Uint8Array;
          segAgreement = agreement(new Uint8Array(readFileSync(segJob.labelOut)), restored);
          if (head[0]?.localised.length) locAgreement = agreement(new Uint8Array(readFileSync(head[0].localisedLabel)), restored);
        }
      }
      console.error(`bench/segment: round ${r + 1}/${ROUNDS} done (load ${loadavg().map((v) => v.toFixed(2)).join(', ')})`);
    }

    // Tile grids: meatus's tileStarts against nnU-Net's compute_steps_for_sliding_window (from the peer).
    const tilesMeatus = { stage1: tileStarts(pre.shape, plan1.patchSize, 0.5), stage2: tileStarts(pre.shape, plan2.patchSize, 0.5) };
    const sameGrid = JSON.stringify(tilesMeatus) === JSON.stringify(peer[0].steps);

    // The table.
    const sec = (runs: { seconds: Record<string, number> }[], k: string) => median(runs.map((x) => x.seconds[k] ?? NaN));
    const mem = (runs: { maxRssMB: number }[]) => Math.max(...runs.map((x) => x.maxRssMB));
    const peerTotal = sec(peer, 'stage1') + sec(peer, 'stage2');
    const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
    interface Row {
      name: string;
      stage1: number;
      stage2: number;
      total: number;
      ratio: number;
      maxRssMB: number;
      tiles: string;
      agreement: Agreement | null;
    }
    const rows: Row[] = [];
    rows.push({ name: 'PyTorch, nnU-Net-style full volume', stage1: sec(peer, 'stage1'), stage2: sec(peer, 'stage2'), total: peerTotal, ratio: 1, maxRssMB: mem(peer), tiles: `${peer[0].tiles.stage1} + ${peer[0].tiles.stage2}`, agreement: null });
    for (const m of gridRuns ? ['default', ...modes] : []) {
      const runs = grid[m];
      const total = sec(runs, 'stage1') + sec(runs, 'stage2');
      const t = runs[0].tiles!;
      rows.push({ name: m === 'default' ? 'meatus (grid), default' : `meatus (grid), opt-in ${m}`, stage1: sec(runs, 'stage1'), stage2: sec(runs, 'stage2'), total, ratio: peerTotal / total, maxRssMB: mem(runs), tiles: `${t.stage1} + ${t.stage2}`, agreement: agree[m] });
    }
    if (e2e) {
      const total = sec(seg, 'total');
      rows.push({ name: `meatus \`segment()\` full volume, ${engine} (+ preprocessing, restore)`, stage1: sec(seg, 'stage1'), stage2: sec(seg, 'stage2'), total, ratio: peerTotal / total, maxRssMB: mem(seg), tiles: '—', agreement: segAgreement });
      const loc = head[0].localised;
      if (loc.length) {
        const t = sec(loc, 'total');
        const ls = sec(loc, 'localise');
        const locNote = Number.isNaN(ls) ? 'localiser skipped: the scan fits one of its patches' : `+ localiser ${f(ls)} s`;
        rows.push({ name: `meatus \`segment()\` localised, ${engine} (${locNote})`, stage1: sec(loc, 'stage1'), stage2: sec(loc, 'stage2'), total: t, ratio: peerTotal / t, maxRssMB: mem(loc), tiles: '—', agreement: locAgreement });
      }
    }

    const info = torch.buildInfo();
    const cpu = cpus()[0]?.model ?? 'unknown';
    const d = (v: number) => (v === 1 ? '1' : v.toFixed(5));
    console.log(
      `Segmentation: meatus (libtorch ${info.version}) vs PyTorch ${peer[0].torch} on ${device}, ${THREADS} threads (peer: ${peer[0].threads}); ${cpu}; ` +
        `phantom ${t2.shape.join('×')} → ${pre.shape.join('×')}; patch ${plan1.patchSize.join('×')}; ${ROUNDS} round(s), medians; models: ${modelsNote}`,
    );
    console.log('| pipeline | stage 1 s | stage 2 s | total s | speed-up vs PyTorch | peak RSS MB | tiles (stage 1 + 2) | Dice EM | Dice IM | Dice WT | voxels differing |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      const a = r.agreement;
      console.log(
        `| ${r.name} | ${f(r.stage1)} | ${f(r.stage2)} | ${f(r.total)} | ${r.ratio.toFixed(2)}× | ${r.maxRssMB.toFixed(0)} | ${r.tiles} | ` +
          `${a ? d(a.em) : '—'} | ${a ? d(a.im) : '—'} | ${a ? d(a.wt) : '—'} | ${a ? a.differingVoxels : '—'} |`,
      );
    }
    const first = grid.default?.[0];
    const region = first?.region;
    console.log(
      (first
        ? `WT: ${first.wtVoxels} voxels (peer ${peer[0].wtVoxels}); stage-2 region ${region ? `${region.start.join(',')} → ${region.end.join(',')}` : 'none'}; `
        : `WT of the peer: ${peer[0].wtVoxels} voxels of the preprocessed grid; `) +
        `tile grids identical to nnU-Net's: ${sameGrid ? 'yes' : 'NO'}; load average at start ${load1.map((v) => v.toFixed(2)).join(', ')}, ` +
        `at end ${loadavg().map((v) => v.toFixed(2)).join(', ')}; peer model loading + input ${f(sec(peer, 'load'))} s, meatus ${f(sec(grid.default ?? seg, 'load'))} s (not in the totals)`,
    );
    if (!sameGrid) console.log(`tile starts: meatus ${JSON.stringify(tilesMeatus)}, nnU-Net ${JSON.stringify(peer[0].steps)}`);
    const headSummary = head.length ? reportHead(head, peerTotal, engine) : null;

    const outFile = args.out ?? join(HERE, 'results', 'segment.json');
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(
      outFile,
      JSON.stringify(
        {
          bench: 'segment',
          date: new Date().toISOString(),
          machine: { cpu, cores: cpus().length, node: process.version },
          command: `node --import tsx bench/segment.ts ${process.argv.slice(2).join(' ')}`.trim(),
          loadAverage: { start: load1, beforeEachRun: loads, end: loadavg() },
          device,
          threads: THREADS,
          env: { OMP_WAIT_POLICY: env.OMP_WAIT_POLICY, OMP_NUM_THREADS: env.OMP_NUM_THREADS ?? null },
          rounds: ROUNDS,
          models: { note: modelsNote, stage1: stage1Path, stage2: stage2Path, localiser: localiser ?? null, engine, plan: { spacing: plan1.spacing, patchSize: plan1.patchSize, network: plan1.network } },
          phantom: { seed: SEED, config: HEAD, shape: t2.shape, spacing: t2.spacing, koos: meta.koos, side: meta.side, volumes: meta.volumes, seconds: phantomSeconds },
          preprocessed: { shape: pre.shape, spacing: pre.spacing, cropBox: props.cropBox, seconds: preprocessSeconds },
          meatus: { libtorch: info.version, stage2Margin: STAGE2_MARGIN },
          peer: { python, torch: peer[0].torch, numpy: peer[0].numpy, threads: peer[0].threads },
          tileGrids: { meatus: tilesMeatus, nnunet: peer[0].steps, identical: sameGrid },
          rows,
          head: headSummary && { ...headSummary, phantoms: head.map((h) => ({ name: h.name, seed: h.meta.seed, koos: h.meta.koos ?? null, sides: h.meta.tumours.map((t) => t.side), volumes: h.meta.volumes })) },
          runs: { peer, grid, segment: seg, head: head.map((h) => ({ name: h.name, localised: h.localised, full: h.name === 'tumour' ? 'runs.segment' : h.full, cli: h.cli })) },
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await child(process.argv[childAt + 1]);
else await main();
