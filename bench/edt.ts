// Benchmark: meatus exact EDT (serial and worker-parallel) against scipy.ndimage.distance_transform_edt,
// measured in the same run on the same mask. Rounds alternate meatus and scipy (a peer process per
// round), so that each round's ratio compares runs made seconds apart: this virtual machine's speed
// drifts by up to 1.5× from minute to minute. Run: node --import tsx bench/edt.ts [--rounds N]
// Prints a table (best times, their ratio, and the median and range of the per-round ratios) and
// writes bench/results/edt.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { edt } from '../src/volume/edt.js';
import { edtParallel } from '../src/volume/edt-parallel.js';
import type { Vec3 } from '../src/volume/volume.js';
import { median } from './lib/stats.js';

const SHAPE: Vec3 = [80, 384, 384];
const SPACING: Vec3 = [1.5, 0.41, 0.41];
const SEED = 20260327;
const argRounds = process.argv.indexOf('--rounds');
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 5;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`bench/edt: --rounds must be a positive integer`);
/** meatus runs per variant and round (the best counts): its runs are short, scipy's take seconds. */
const MEATUS_RUNS = 3;

/** mulberry32: a small seeded PRNG in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sets the voxels inside an axis-aligned ellipsoid (centre in voxels, radii in mm). */
function ellipsoid(mask: Uint8Array, c: Vec3, r: Vec3): void {
  const [nz, ny, nx] = SHAPE;
  const lo = (a: number) => Math.max(0, Math.floor(c[a] - r[a] / SPACING[a]));
  const hi = (a: number, n: number) => Math.min(n - 1, Math.ceil(c[a] + r[a] / SPACING[a]));
  for (let z = lo(0); z <= hi(0, nz); z++) {
    for (let y = lo(1); y <= hi(1, ny); y++) {
      for (let x = lo(2); x <= hi(2, nx); x++) {
        const dz = ((z - c[0]) * SPACING[0]) / r[0];
        const dy = ((y - c[1]) * SPACING[1]) / r[1];
        const dx = ((x - c[2]) * SPACING[2]) / r[2];
        if (dz * dz + dy * dy + dx * dx <= 1) mask[(z * ny + y) * nx + x] = 1;
      }
    }
  }
}

/** A tumour-like mask: an ellipsoid with a smaller lobe (the intrameatal part), plus random blobs. */
function makeMask(): Uint8Array {
  const mask = new Uint8Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
  const rand = rng(SEED);
  ellipsoid(mask, [40, 200, 170], [12, 14, 11]);
  ellipsoid(mask, [38, 212, 196], [4, 4, 9]);
  for (let i = 0; i < 25; i++) {
    const c: Vec3 = [rand() * SHAPE[0], rand() * SHAPE[1], rand() * SHAPE[2]];
    const r = 1 + rand() * 4;
    ellipsoid(mask, c, [r, r * (0.6 + rand()), r * (0.6 + rand())]);
  }
  return mask;
}

/** Best of `MEATUS_RUNS` runs. */
async function best<T>(f: () => T | Promise<T>): Promise<{ ms: number; last: T }> {
  let ms = Infinity;
  let last!: T;
  for (let i = 0; i < MEATUS_RUNS; i++) {
    const t0 = performance.now();
    last = await f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, last };
}

interface Peer {
  scipy: string;
  numpy: string;
  best_ms: number;
  reuse_best_ms: number;
}

/** One scipy run with a fresh output and one into `distances=` (after its own warm-up run). */
function scipyRound(dir: string): Peer {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      new URL('./peers/edt_scipy.py', import.meta.url).pathname,
      join(dir, 'mask.raw'),
      ...SHAPE.map(String),
      ...SPACING.map(String),
      '1',
      join(dir, 'out.raw'),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bench/edt: scipy peer failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const mask = makeMask();
const setCount = mask.reduce((a, v) => a + v, 0);
const threads = availableParallelism();
// Reused outputs (`out`), against scipy's `distances=`: no fresh pages to fault in.
const out = new Float32Array(mask.length);
const sharedOut = new Float32Array(new SharedArrayBuffer(4 * mask.length));
const variants = {
  serial: () => edt(mask, SHAPE, SPACING),
  parallel: () => edtParallel(mask, SHAPE, SPACING),
  serialReuse: () => edt(mask, SHAPE, SPACING, { out }),
  parallelReuse: () => edtParallel(mask, SHAPE, SPACING, { out: sharedOut }),
};
type Variant = keyof typeof variants;
const names = Object.keys(variants) as Variant[];
for (const v of names) await best(variants[v]); // warm-up: worker threads compile their own kernels

const times: Record<Variant | 'scipy' | 'scipyReuse', number[]> = {
  serial: [],
  parallel: [],
  serialReuse: [],
  parallelReuse: [],
  scipy: [],
  scipyReuse: [],
};
const last = {} as Record<Variant, Float32Array>;
const dir = mkdtempSync(join(tmpdir(), 'meatus-bench-edt-'));
let peer!: Peer;
let scipyDist: Float32Array;
try {
  writeFileSync(join(dir, 'mask.raw'), mask);
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of names) {
      const r = await best(variants[v]);
      times[v].push(r.ms);
      last[v] = r.last.distance;
    }
    peer = scipyRound(dir);
    times.scipy.push(peer.best_ms);
    times.scipyReuse.push(peer.reuse_best_ms);
  }
  scipyDist = new Float32Array(new Uint8Array(readFileSync(join(dir, 'out.raw'))).buffer);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const min = (a: number[]) => Math.min(...a);
/** scipy's times to compare a variant with: into `distances=` for the reused-output variants. */
const peerTimes = (v: Variant) => (v.endsWith('Reuse') ? times.scipyReuse : times.scipy);
/** Per-round speed-ups of a variant against the scipy run of the same round. */
const roundRatios = (v: Variant) => times[v].map((t, i) => peerTimes(v)[i] / t);
const stats = Object.fromEntries(
  names.map((v) => {
    const peerBest = min(peerTimes(v));
    const r = roundRatios(v);
    return [
      v,
      {
        bestMs: min(times[v]),
        speedup: peerBest / min(times[v]),
        roundMedian: median(r),
        roundMin: min(r),
        roundMax: Math.max(...r),
      },
    ];
  }),
) as Record<
  Variant,
  { bestMs: number; speedup: number; roundMedian: number; roundMin: number; roundMax: number }
>;

// Agreement: parallel == serial bit for bit; serial vs scipy within float32 rounding.
const a = last.serial;
let parallelMismatch = 0;
for (const b of [last.parallel, last.serialReuse, last.parallelReuse]) {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) parallelMismatch++;
}
let maxRel = 0;
let exact = 0;
for (let i = 0; i < a.length; i++) {
  if (a[i] === scipyDist[i]) exact++;
  else maxRel = Math.max(maxRel, Math.abs(a[i] - scipyDist[i]) / Math.abs(scipyDist[i]));
}
const agree = parallelMismatch === 0 && maxRel <= 1e-6;

const cpu = cpus()[0]?.model ?? 'unknown';
const load = loadavg().map((l) => Number(l.toFixed(2))); // other work on the machine skews timings
const label: Record<Variant, string> = {
  serial: 'meatus edt (serial)',
  parallel: `meatus edtParallel (${threads} threads)`,
  serialReuse: 'meatus edt (serial), reused out',
  parallelReuse: `meatus edtParallel (${threads} threads), reused out`,
};
console.log(
  `EDT ${SHAPE.join('×')} spacing (${SPACING.join(', ')}) mm, ${setCount} set voxels; ${cpu}, ${threads} threads; ` +
    `${ROUNDS} rounds alternating meatus (best of ${MEATUS_RUNS}) and scipy`,
);
console.log(
  'implementation'.padEnd(52) +
    'best ms'.padStart(10) +
    'speed-up (bests)'.padStart(18) +
    'per round: median [range]'.padStart(30),
);
const row = (name: string, ms: number, ratio: string, rounds: string) =>
  console.log(name.padEnd(52) + ms.toFixed(1).padStart(10) + ratio.padStart(18) + rounds.padStart(30));
for (const v of names) {
  const st = stats[v];
  row(
    label[v],
    st.bestMs,
    `${st.speedup.toFixed(2)}×`,
    `${st.roundMedian.toFixed(1)}× [${st.roundMin.toFixed(1)}–${st.roundMax.toFixed(1)}]`,
  );
  if (v === 'parallel') row(`scipy ${peer.scipy} distance_transform_edt`, min(times.scipy), '1×', '');
  if (v === 'parallelReuse') row('scipy, reused distances=', min(times.scipyReuse), '1×', '');
}
console.log(
  `agreement: parallel and reused-output runs vs serial ${parallelMismatch} differing voxels; vs scipy ${exact}/${a.length} bit-equal, ` +
    `max relative difference ${maxRel.toExponential(2)} → ${agree ? 'OK' : 'MISMATCH'}`,
);

const resultsDir = new URL('./results', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  new URL('edt.json', resultsDir),
  JSON.stringify(
    {
      bench: 'edt',
      date: new Date().toISOString(),
      machine: { cpu, threads, node: process.version, loadAverage: load },
      shape: SHAPE,
      spacing: SPACING,
      setVoxels: setCount,
      rounds: ROUNDS,
      meatusRunsPerRound: MEATUS_RUNS,
      meatusSerialMs: stats.serial.bestMs,
      meatusParallelMs: stats.parallel.bestMs,
      scipyMs: min(times.scipy),
      speedupSerial: stats.serial.speedup,
      speedupParallel: stats.parallel.speedup,
      perRound: Object.fromEntries(
        names.map((v) => [
          v,
          {
            median: stats[v].roundMedian,
            min: stats[v].roundMin,
            max: stats[v].roundMax,
            ratios: roundRatios(v),
          },
        ]),
      ),
      reusedOutput: {
        meatusSerialMs: stats.serialReuse.bestMs,
        meatusParallelMs: stats.parallelReuse.bestMs,
        scipyMs: min(times.scipyReuse),
        speedupSerial: stats.serialReuse.speedup,
        speedupParallel: stats.parallelReuse.speedup,
      },
      times,
      peer: { scipy: peer.scipy, numpy: peer.numpy },
      agreement: { parallelMismatch, scipyBitEqual: exact, voxels: a.length, maxRelative: maxRel, ok: agree },
    },
    null,
    2,
  ) + '\n',
);
if (!agree) process.exitCode = 1;
