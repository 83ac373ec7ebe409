// Benchmark: Dice + ASSD + HD95 of one class (the whole tumour) with meatus against medpy's
// definitions in scipy (bench/peers/metrics_scipy.py), measured in the same run on the same masks;
// also times evaluateCase (all classes and the boundary ASSD) on the label maps.
// Run: node --import tsx bench/metrics.ts [--repeats N] [--peer-repeats M]
// Prints a table and writes bench/results/metrics.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dice, evaluateCase } from '../src/evaluate/metrics.js';
import { surfaceDistances } from '../src/evaluate/surface.js';
import { diagonalAffine, type Vec3, type Volume } from '../src/volume/volume.js';

const SHAPE: Vec3 = [80, 384, 384];
const SPACING: Vec3 = [1.5, 0.41, 0.41];
const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REPEATS = flag('--repeats', 10);
const PEER_REPEATS = flag('--peer-repeats', 2);
const WARMUP = 3;

/** A seeded generator in [0, 1) (32-bit LCG). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Paints `label` into `labels` inside a lumpy ellipsoid: centre in voxels, radii in mm, the radius
 * modulated by a few low-order waves (amplitude `lump`, phases from `rand`), as a tumour surface.
 */
function paintBlob(
  labels: Uint8Array,
  centre: Vec3,
  radii: Vec3,
  lump: number,
  rand: () => number,
  label: number,
): void {
  const [nz, ny, nx] = SHAPE;
  const waves = Array.from({ length: 4 }, (_, k) => ({
    k: k + 2,
    a: lump * (0.4 + rand()),
    p: rand() * 2 * Math.PI,
  }));
  const reach = (a: number) => Math.ceil((radii[a] * (1 + 2 * lump)) / SPACING[a]);
  for (let z = Math.max(0, centre[0] - reach(0)); z <= Math.min(nz - 1, centre[0] + reach(0)); z++) {
    for (let y = Math.max(0, centre[1] - reach(1)); y <= Math.min(ny - 1, centre[1] + reach(1)); y++) {
      for (let x = Math.max(0, centre[2] - reach(2)); x <= Math.min(nx - 1, centre[2] + reach(2)); x++) {
        const u = ((z - centre[0]) * SPACING[0]) / radii[0];
        const v = ((y - centre[1]) * SPACING[1]) / radii[1];
        const w = ((x - centre[2]) * SPACING[2]) / radii[2];
        const r = Math.sqrt(u * u + v * v + w * w);
        const theta = Math.atan2(v, w);
        const phi = Math.acos(r > 0 ? u / r : 1);
        let bound = 1;
        for (const { k, a, p } of waves) bound += a * Math.sin(k * theta + p) * Math.sin((k - 1) * phi + p);
        if (r <= bound) labels[(z * ny + y) * nx + x] = label;
      }
    }
  }
}

/** Reference and prediction label maps: a ~2 cm extrameatal blob with an intrameatal lobe. */
function makeLabels(): { ref: Uint8Array; pred: Uint8Array } {
  const n = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const ref = new Uint8Array(n);
  const pred = new Uint8Array(n);
  paintBlob(ref, [40, 200, 170], [10, 11, 9.5], 0.08, lcg(7), 1);
  paintBlob(ref, [38, 206, 199], [3, 3.2, 7], 0.05, lcg(8), 2);
  // The prediction: shifted ~1 mm, slightly larger, other lumps, lobe shorter, two false positives.
  paintBlob(pred, [41, 202, 168], [10.4, 11.3, 9.8], 0.08, lcg(9), 1);
  paintBlob(pred, [38, 207, 197], [3.2, 3, 6], 0.05, lcg(10), 2);
  paintBlob(pred, [30, 250, 140], [2, 2.5, 2.5], 0.1, lcg(11), 1);
  paintBlob(pred, [52, 160, 215], [1.5, 2, 2], 0.1, lcg(12), 2);
  return { ref, pred };
}

async function bestOf<T>(repeats: number, f: () => T): Promise<{ best: number; times: number[]; last: T }> {
  let last = f();
  for (let i = 1; i < WARMUP; i++) last = f();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    last = f();
    times.push(performance.now() - t0);
  }
  return { best: Math.min(...times), times, last };
}

const { ref, pred } = makeLabels();
const wt = (l: Uint8Array) => l.map((v) => (v > 0 ? 1 : 0));
const refWt = wt(ref);
const predWt = wt(pred);
const count = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);

const oneClass = await bestOf(REPEATS, () => {
  const d = dice(predWt, refWt);
  const { assd, hd95 } = surfaceDistances(predWt, refWt, SHAPE, SPACING);
  return { dice: d, assd, hd95 };
});
const vol = (data: Uint8Array): Volume => ({
  data,
  shape: SHAPE,
  spacing: SPACING,
  affine: diagonalAffine(SPACING),
});
const wholeCase = await bestOf(REPEATS, () => evaluateCase(vol(pred), vol(ref), 'bench'));

const dir = mkdtempSync(join(tmpdir(), 'meatus-bench-metrics-'));
let peer: {
  scipy: string;
  numpy: string;
  times_ms: number[];
  best_ms: number;
  dice: number;
  assd: number;
  hd95: number;
};
try {
  writeFileSync(join(dir, 'pred.raw'), predWt);
  writeFileSync(join(dir, 'ref.raw'), refWt);
  const r = spawnSync(
    '/usr/bin/python3',
    [
      new URL('./peers/metrics_scipy.py', import.meta.url).pathname,
      join(dir, 'pred.raw'),
      join(dir, 'ref.raw'),
      ...SHAPE.map(String),
      ...SPACING.map(String),
      String(PEER_REPEATS),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bench/metrics: scipy peer failed (${r.status}): ${r.stderr}`);
  peer = JSON.parse(r.stdout.trim().split('\n').pop()!);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const ours = oneClass.last;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const diffs = {
  dice: rel(ours.dice, peer.dice),
  assd: rel(ours.assd, peer.assd),
  hd95: rel(ours.hd95, peer.hd95),
};
const agree = Object.values(diffs).every((d) => d <= 1e-9);
const wtCase = wholeCase.last.classes.wholeTumour;
const caseAgrees = wtCase.dice === ours.dice && wtCase.assd === ours.assd && wtCase.hd95 === ours.hd95;

const cpu = cpus()[0]?.model ?? 'unknown';
const load = loadavg().map((l) => Number(l.toFixed(2)));
console.log(
  `Metrics, one class (whole tumour): ${SHAPE.join('×')} at (${SPACING.join(', ')}) mm, reference ${count(refWt)} voxels, ` +
    `prediction ${count(predWt)}; ${cpu}, load ${load.join(' ')}`,
);
console.log('implementation'.padEnd(52) + 'best ms'.padStart(10) + 'speed-up vs scipy'.padStart(20));
const rows: [string, number][] = [
  ['meatus dice + surfaceDistances (assd, hd95)', oneClass.best],
  ['meatus evaluateCase (4 classes + boundary ASSD)', wholeCase.best],
  [`scipy ${peer.scipy} medpy-style dc + assd + hd95`, peer.best_ms],
];
for (const [name, ms] of rows) {
  console.log(
    name.padEnd(52) + ms.toFixed(1).padStart(10) + `${(peer.best_ms / ms).toFixed(1)}×`.padStart(20),
  );
}
console.log(
  `values: dice ${ours.dice}, assd ${ours.assd} mm, hd95 ${ours.hd95} mm; scipy ${peer.dice}, ${peer.assd}, ${peer.hd95}; ` +
    `max relative difference ${Math.max(...Object.values(diffs)).toExponential(2)} → ${agree ? 'OK' : 'MISMATCH'}; ` +
    `evaluateCase whole tumour ${caseAgrees ? 'identical' : 'DIFFERENT'}; boundary ASSD ${wholeCase.last.boundaryAssd} mm`,
);

const results = {
  bench: 'metrics',
  date: new Date().toISOString(),
  machine: { cpu, cores: cpus().length, node: process.version, loadAverage: load },
  shape: SHAPE,
  spacing: SPACING,
  voxels: { reference: count(refWt), prediction: count(predWt) },
  repeats: { meatus: REPEATS, warmup: WARMUP, scipy: PEER_REPEATS },
  bestMs: { oneClass: oneClass.best, evaluateCase: wholeCase.best, scipy: peer.best_ms },
  speedup: { oneClass: peer.best_ms / oneClass.best, evaluateCase: peer.best_ms / wholeCase.best },
  times: { oneClass: oneClass.times, evaluateCase: wholeCase.times, scipy: peer.times_ms },
  values: { meatus: ours, scipy: { dice: peer.dice, assd: peer.assd, hd95: peer.hd95 }, relative: diffs },
  evaluateCase: wholeCase.last,
  peer: { scipy: peer.scipy, numpy: peer.numpy },
  agreement: { ok: agree && caseAgrees },
};
const resultsDir = new URL('./results', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(new URL('metrics.json', resultsDir), `${JSON.stringify(results, null, 2)}\n`);
if (!agree || !caseAgrees) process.exitCode = 1;
