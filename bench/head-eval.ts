// Evaluation: the built-in model on unseen whole-head phantoms — the accuracy targets of issue 13.
//
// - The cases: `--cases N` (default 20) head-field-of-view phantoms (`generatePhantom({ fov: 'head',
//   headGeometry })`, the geometry cycling through the named ones of `HEAD_GEOMETRIES`: CISS, FIESTA,
//   1 mm sagittal, TSE, slab). A quarter of them healthy heads (`healthyProbability: 1`; 5 of 20),
//   a tenth NF2 (`bilateralProbability: 1`; 2 of 20, at least 1 from 3 cases on), the rest single
//   tumours with the Koos grade cycling I → IV. Case i's seed is the string `head-eval:<seed>:<i>`;
//   the script checks that none equals a patient seed of the training set (`<s>:patient:<p>`, s and
//   the patient count read from the model folder's recipe.sh), so the cases are unseen.
// - The model: `--models DIR` (default models/default): stage1, stage2 and, when present, the
//   localiser, with `--engine` (default onnxruntime, as `meatus segment` on the CPU); `segment()`
//   localised (`--no-localise`: both stages over the whole scan, for checks).
// - Per case: Dice whole tumour, EM and IM against the phantom's label (`evaluateCase`; a class
//   empty in both maps has no Dice and is left out of the means, as nnU-Net does), predicted and true
//   tumour volume, for healthy heads the total false-positive volume (mL), for NF2 whether each
//   tumour got a predicted component (the true label's 26-connected components, each assigned to the
//   tumour of `meta.tumours` whose porus is nearest its centroid; found = some predicted tumour voxel
//   in it), the localiser's regions, and seconds per pass (`localise`, `stage1`, `stage2`) and in all.
// - Targets (issue 13): mean Dice over the tumour cases WT ≥ 0.90, EM ≥ 0.90, IM ≥ 0.75; false
//   positives ≤ 0.1 mL on each healthy head; both tumours found in every NF2 case.
// Cases run one after the other in this process, `--threads` (default 2) libtorch/ONNX Runtime threads.
//
// Run: node --import tsx bench/head-eval.ts [--models DIR] [--cases 20] [--seed 0] [--engine onnxruntime|libtorch]
//        [--threads 2] [--no-localise] [--geometries ciss,fiesta,iso,tse,slab] [--out FILE]
// Prints a table, the means and pass/fail per target, and writes bench/results/head-eval.json (or --out),
// rewritten after every case (`complete: false` until the end), so a stopped run keeps its cases.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { torch } from '../src/torch/index.js';
import { HEAD_GEOMETRIES, type PhantomConfig } from '../src/data/phantom/config.js';
import { generatePhantom, type PhantomMeta } from '../src/data/phantom/generate.js';
import { hashSeed } from '../src/data/random.js';
import type { Koos } from '../src/data/phantom/tumour.js';
import type { Engine } from '../src/infer/model.js';
import { segment, type SegmentOptions, type SegmentResult } from '../src/infer/pipeline.js';
import { evaluateCase } from '../src/evaluate/metrics.js';
import { voxelToRas } from '../src/measure/geometry.js';
import { label as components } from '../src/volume/components.js';
import type { Volume } from '../src/volume/volume.js';
import { failer, intArg } from './lib/args.js';
import { disposeModels, hasStages, loadModelFolder } from '../src/infer/model-folder.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const fail = failer('head-eval');
/** The targets of issue 13. */
const TARGETS = { wt: 0.9, em: 0.9, im: 0.75, fpMl: 0.1 } as const;

type Kind = 'healthy' | 'nf2' | 'single';

/** One planned case: what to generate. */
interface CasePlan {
  id: string;
  seed: string;
  kind: Kind;
  geometry: string;
  koos?: Koos;
}

/**
 * The cases of the evaluation: round(n/4) healthy, round(n/10) NF2 (at least one from 3 cases on),
 * the rest single tumours with Koos I–IV in turn; geometry i of case i cycles through `geometries`.
 */
function planCases(n: number, seed: number, geometries: string[]): CasePlan[] {
  const healthy = Math.round(n / 4);
  const nf2 = n >= 3 ? Math.max(1, Math.round(n / 10)) : 0;
  const out: CasePlan[] = [];
  for (let i = 0; i < n; i++) {
    const kind: Kind = i < healthy ? 'healthy' : i < healthy + nf2 ? 'nf2' : 'single';
    const koos = kind === 'single' ? ((((i - healthy - nf2) % 4) + 1) as Koos) : undefined;
    out.push({
      id: `head_${String(i + 1).padStart(2, '0')}`,
      seed: `head-eval:${seed}:${i}`,
      kind,
      geometry: geometries[i % geometries.length],
      ...(koos ? { koos } : {}),
    });
  }
  return out;
}

function phantomConfig(c: CasePlan): Partial<PhantomConfig> {
  const base: Partial<PhantomConfig> = { fov: 'head', headGeometry: c.geometry };
  if (c.kind === 'healthy') return { ...base, healthyProbability: 1 };
  if (c.kind === 'nf2') return { ...base, healthyProbability: 0, bilateralProbability: 1 };
  return { ...base, healthyProbability: 0, bilateralProbability: 0, koos: c.koos };
}

/**
 * The patient seeds of the model's training phantoms, from its recipe.sh: every `meatus phantom …
 * --seed S [--patients P] [--first-patient K]` line (patient k of such a dataset is drawn from
 * `S:patient:k−1`, src/data/phantom/dataset.ts), hashed as `drawPatient` hashes them; null when the
 * folder has no recipe to read.
 */
function trainingSeeds(modelDir: string): { seed: number; patients: number; hashes: Set<number> } | null {
  const recipe = join(modelDir, 'recipe.sh');
  if (!existsSync(recipe)) return null;
  const lines = readFileSync(recipe, 'utf8')
    .split('\n')
    .filter((l) => /meatus phantom .*--seed \d+/.test(l));
  if (lines.length === 0) return null;
  const hashes = new Set<number>();
  let patients = 0;
  for (const line of lines) {
    const seed = Number(/--seed (\d+)/.exec(line)![1]);
    const n = Number(/--patients (\d+)/.exec(line)?.[1] ?? /--cases (\d+)/.exec(line)?.[1] ?? 1000);
    const first = Number(/--first-patient (\d+)/.exec(line)?.[1] ?? 1);
    for (let p = first - 1; p < first - 1 + n; p++) hashes.add(hashSeed(`${seed}:patient:${p}`));
    patients += n;
  }
  return { seed: Number(/--seed (\d+)/.exec(lines[0])![1]), patients, hashes };
}

/** Per tumour of an NF2 case: its side, its true voxels, and the predicted tumour voxels among them. */
interface TumourFound {
  side: string;
  trueVoxels: number;
  predictedVoxels: number;
  found: boolean;
}

/**
 * Which tumours of `meta.tumours` got a predicted component: the true label's 26-connected
 * components, each assigned to the tumour whose porus (RAS mm) is nearest its centroid.
 */
function tumoursFound(truth: Volume<Uint8Array>, pred: Uint8Array, meta: PhantomMeta): TumourFound[] {
  const [, ny, nx] = truth.shape;
  const wt = Uint8Array.from(truth.data, (v) => (v > 0 ? 1 : 0));
  const { labels, count } = components(wt, truth.shape, 26);
  const sums = Array.from({ length: count }, () => [0, 0, 0, 0, 0]); // x, y, z, voxels, predicted
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === 0) continue;
    const s = sums[l - 1];
    s[0] += i % nx;
    s[1] += Math.floor(i / nx) % ny;
    s[2] += Math.floor(i / (nx * ny));
    s[3]++;
    if (pred[i] > 0) s[4]++;
  }
  const out: TumourFound[] = meta.tumours.map((t) => ({
    side: t.side,
    trueVoxels: 0,
    predictedVoxels: 0,
    found: false,
  }));
  for (const s of sums) {
    const c = voxelToRas(truth.affine, [s[0] / s[3], s[1] / s[3], s[2] / s[3]]);
    let best = 0;
    let bestD = Infinity;
    meta.tumours.forEach((t, k) => {
      const d = Math.hypot(c[0] - t.porusRas[0], c[1] - t.porusRas[1], c[2] - t.porusRas[2]);
      if (d < bestD) [best, bestD] = [k, d];
    });
    out[best].trueVoxels += s[3];
    out[best].predictedVoxels += s[4];
  }
  for (const t of out) t.found = t.predictedVoxels > 0;
  return out;
}

/** The result of one case. */
interface CaseResult {
  id: string;
  seed: string;
  kind: Kind;
  geometry: string;
  shape: number[];
  spacing: number[];
  koos: number | null;
  sides: string[];
  trueMl: number;
  predictedMl: number;
  dice: { wt: number | null; em: number | null; im: number | null };
  hd95: { wt: number | null; em: number | null; im: number | null };
  /** Healthy heads: the predicted tumour volume, all of it false positive. */
  falsePositiveMl: number | null;
  /** NF2: each tumour, found or not. */
  tumours: TumourFound[] | null;
  predictedComponents: number;
  localisation: { regions: number; sizesMm: number[][] } | null;
  notes: string[];
  seconds: Record<string, number>;
}

const orNull = (v: number) => (Number.isFinite(v) ? v : null);

function evaluate(
  c: CasePlan,
  ph: ReturnType<typeof generatePhantom>,
  r: SegmentResult,
  seconds: Record<string, number>,
): CaseResult {
  const voxelMl = ph.label.spacing.reduce((a, b) => a * b, 1) / 1000;
  const pred = r.label.data;
  let predicted = 0;
  for (const v of pred) if (v > 0) predicted++;
  const m = evaluateCase(r.label, ph.label, c.id);
  const k = m.classes;
  // A healthy head has no tumour to overlap: its Dice would be 0 for any false positive; its figure is the FP volume.
  const score = (v: number) => (c.kind === 'healthy' ? null : orNull(v));
  const predWt = Uint8Array.from(pred, (v) => (v > 0 ? 1 : 0));
  return {
    id: c.id,
    seed: c.seed,
    kind: c.kind,
    geometry: c.geometry,
    shape: ph.image.shape,
    spacing: ph.image.spacing,
    koos: ph.meta.koos ?? null,
    sides: ph.meta.tumours.map((t) => t.side),
    trueMl: ph.meta.volumes.total / 1000,
    predictedMl: predicted * voxelMl,
    dice: { wt: score(k.wholeTumour.dice), em: score(k.extrameatal.dice), im: score(k.intrameatal.dice) },
    hd95: { wt: score(k.wholeTumour.hd95), em: score(k.extrameatal.hd95), im: score(k.intrameatal.hd95) },
    falsePositiveMl: c.kind === 'healthy' ? predicted * voxelMl : null,
    tumours: c.kind === 'nf2' ? tumoursFound(ph.label, pred, ph.meta) : null,
    predictedComponents: components(predWt, r.label.shape, 26).count,
    localisation: r.localisation
      ? {
          regions: r.localisation.regions.length,
          sizesMm: r.localisation.regions.map((g) => g.sizeMm.map((v) => Math.round(v))),
        }
      : null,
    notes: r.notes,
    seconds,
  };
}

function mean(values: (number | null)[]): { mean: number | null; n: number } {
  const v = values.filter((x): x is number => x !== null);
  return { mean: v.length ? v.reduce((a, b) => a + b, 0) / v.length : null, n: v.length };
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      models: { type: 'string' },
      cases: { type: 'string', default: '20' },
      seed: { type: 'string', default: '0' },
      engine: { type: 'string', default: 'onnxruntime' },
      threads: { type: 'string', default: '2' },
      'no-localise': { type: 'boolean', default: false },
      geometries: { type: 'string', default: Object.keys(HEAD_GEOMETRIES).join(',') },
      out: { type: 'string' },
    },
  });
  const cases = intArg(fail, 'cases', args.cases, 1);
  const seed = intArg(fail, 'seed', args.seed, 0);
  const threads = intArg(fail, 'threads', args.threads, 1);
  const engine = args.engine as Engine;
  if (engine !== 'onnxruntime' && engine !== 'libtorch')
    fail(`--engine must be onnxruntime or libtorch, got '${args.engine}'`);
  const geometries = args.geometries!.split(',').filter(Boolean);
  for (const g of geometries)
    if (!Object.hasOwn(HEAD_GEOMETRIES, g))
      fail(`--geometries lists ${Object.keys(HEAD_GEOMETRIES).join(', ')}, got '${g}'`);
  if (geometries.length === 0) fail('--geometries is empty');
  const modelDir = resolve(args.models ?? join(HERE, '..', 'models', 'default'));
  if (!hasStages(modelDir))
    fail(`--models ${modelDir}: expected stage1.safetensors and stage2.safetensors there`);
  const outFile = resolve(args.out ?? join(HERE, 'results', 'head-eval.json'));
  const localise = !args['no-localise'];

  const plan = planCases(cases, seed, geometries);
  const training = trainingSeeds(modelDir);
  if (training) {
    const seen = plan.filter((c) => training.hashes.has(hashSeed(c.seed)));
    if (seen.length)
      fail(
        `cases ${seen.map((c) => c.id).join(', ')} have the seed of a training patient (recipe seed ${training.seed}); choose another --seed`,
      );
  }

  torch.setNumThreads(threads);
  const load0 = loadavg();
  let t0 = performance.now();
  const models = await loadModelFolder(modelDir, { engine });
  const loadSeconds = (performance.now() - t0) / 1000;
  const localised = localise && models.localiser !== undefined;
  const modelsNote =
    `${args.models ? `--models ${args.models}` : 'the built-in model (models/default)'}, engine ${engine}; ` +
    (models.localiser
      ? localise
        ? 'localised'
        : 'localiser present, --no-localise: full volume'
      : 'no localiser.safetensors: full volume');
  console.error(
    `bench/head-eval: ${cases} cases, models: ${modelsNote} (loaded in ${loadSeconds.toFixed(1)} s), ${threads} threads`,
  );

  const results: CaseResult[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown';
  // The record, rewritten after every case (complete: false) so that a stopped run keeps what it measured.
  const writeRecord = (verdict: object) => {
    mkdirSync(dirname(outFile), { recursive: true });
    const record = {
      bench: 'head-eval',
      date: new Date().toISOString(),
      machine: { cpu, cores: cpus().length, node: process.version },
      command: `node --import tsx bench/head-eval.ts ${process.argv.slice(2).join(' ')}`.trim(),
      loadAverage: { start: load0, now: loadavg() },
      threads,
      models: { dir: modelDir, note: modelsNote, engine, localised, loadSeconds },
      training: training ? { recipeSeed: training.seed, patients: training.patients, disjoint: true } : null,
      targets: TARGETS,
      ...verdict,
      cases: results,
    };
    writeFileSync(outFile, JSON.stringify(record, null, 2) + '\n');
  };
  try {
    for (const c of plan) {
      t0 = performance.now();
      const ph = generatePhantom(phantomConfig(c), c.seed);
      const phantomSeconds = (performance.now() - t0) / 1000;
      const opts: SegmentOptions = { localise };
      t0 = performance.now();
      const r = segment(ph.image, models, opts);
      const total = (performance.now() - t0) / 1000;
      const res = evaluate(c, ph, r, { ...r.seconds, total, phantom: phantomSeconds });
      results.push(res);
      writeRecord({ complete: false });
      const d = (v: number | null) => (v === null ? '—' : v.toFixed(3));
      console.error(
        `bench/head-eval: ${c.id} ${c.kind} ${c.geometry} ${ph.image.shape.join('×')}: Dice WT ${d(res.dice.wt)} EM ${d(res.dice.em)} IM ${d(res.dice.im)}, ` +
          `${res.predictedMl.toFixed(2)} mL predicted / ${res.trueMl.toFixed(2)} true, ${total.toFixed(1)} s (phantom ${phantomSeconds.toFixed(1)} s)`,
      );
    }
  } finally {
    disposeModels(models);
  }

  // The table, the means and the verdict.
  const f = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));
  const s = (r: CaseResult, k: string) => (r.seconds[k] === undefined ? '—' : r.seconds[k].toFixed(1));
  console.log(
    `Head-FOV evaluation: ${cases} unseen phantoms (seed ${seed}); models: ${modelsNote}; ${threads} threads; ${cpu}, ${cpus().length} cores`,
  );
  console.log(
    '| case | kind | geometry | matrix | Koos | true mL | predicted mL | Dice WT | Dice EM | Dice IM | FP mL | NF2 found | regions | localise s | stage 1 s | stage 2 s | total s |',
  );
  console.log(
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    const nf2 = r.tumours ? r.tumours.map((t) => `${t.side} ${t.found ? 'yes' : 'NO'}`).join(', ') : '—';
    console.log(
      `| ${r.id} | ${r.kind} | ${r.geometry} | ${r.shape.join('×')} | ${r.koos ?? '—'} | ${r.trueMl.toFixed(2)} | ${r.predictedMl.toFixed(2)} | ` +
        `${f(r.dice.wt)} | ${f(r.dice.em)} | ${f(r.dice.im)} | ${f(r.falsePositiveMl, 2)} | ${nf2} | ${r.localisation?.regions ?? '—'} | ` +
        `${s(r, 'localise')} | ${s(r, 'stage1')} | ${s(r, 'stage2')} | ${s(r, 'total')} |`,
    );
  }
  const tumourCases = results.filter((r) => r.kind !== 'healthy');
  const means = {
    wt: mean(tumourCases.map((r) => r.dice.wt)),
    em: mean(tumourCases.map((r) => r.dice.em)),
    im: mean(tumourCases.map((r) => r.dice.im)),
    secondsTumour: mean(tumourCases.map((r) => r.seconds.total)),
    secondsHealthy: mean(results.filter((r) => r.kind === 'healthy').map((r) => r.seconds.total)),
  };
  const healthy = results.filter((r) => r.kind === 'healthy');
  const nf2 = results.filter((r) => r.kind === 'nf2');
  const atLeast = (m: { mean: number | null }, t: number) => m.mean !== null && m.mean >= t;
  const verdict = {
    wt: atLeast(means.wt, TARGETS.wt),
    em: atLeast(means.em, TARGETS.em),
    im: atLeast(means.im, TARGETS.im),
    healthyFalsePositives: healthy.every((r) => r.falsePositiveMl! <= TARGETS.fpMl),
    nf2BothFound: nf2.every((r) => r.tumours!.every((t) => t.found)),
  };
  const pass = Object.values(verdict).every(Boolean);
  const word = (ok: boolean) => (ok ? 'pass' : 'FAIL');
  console.log(
    `Means over the ${tumourCases.length} tumour cases: Dice WT ${f(means.wt.mean)} (target ≥ ${TARGETS.wt}: ${word(verdict.wt)}), ` +
      `EM ${f(means.em.mean)} over ${means.em.n} cases with EM (≥ ${TARGETS.em}: ${word(verdict.em)}), IM ${f(means.im.mean)} (≥ ${TARGETS.im}: ${word(verdict.im)}); ` +
      `seconds per case ${f(means.secondsTumour.mean, 1)}.`,
  );
  console.log(
    `Healthy heads (${healthy.length}): false positives ${healthy.map((r) => f(r.falsePositiveMl, 2)).join(', ') || '—'} mL (each ≤ ${TARGETS.fpMl}: ${word(verdict.healthyFalsePositives)}); ` +
      `seconds per case ${f(means.secondsHealthy.mean, 1)}. NF2 (${nf2.length}): both tumours found in ${nf2.filter((r) => r.tumours!.every((t) => t.found)).length} (${word(verdict.nf2BothFound)}). ` +
      `Overall: ${pass ? 'PASS' : 'FAIL'}.`,
  );
  if (!localised) console.log(`Note: not localised (${modelsNote}).`);

  writeRecord({ complete: true, means, verdict, pass });
  console.error(`bench/head-eval: wrote ${outFile}`);
}

await main();
