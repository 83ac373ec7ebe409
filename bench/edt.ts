// Benchmark: meatus exact EDT (serial and worker-parallel) against scipy.ndimage.distance_transform_edt,
// measured in the same run on the same mask. Run: node --import tsx bench/edt.ts [--repeats N]
// Prints a table and writes bench/results/edt.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { edt } from '../src/volume/edt.js';
import { edtParallel } from '../src/volume/edt-parallel.js';
import type { Vec3 } from '../src/volume/volume.js';

const SHAPE: Vec3 = [80, 384, 384];
const SPACING: Vec3 = [1.5, 0.41, 0.41];
const SEED = 20260327;
const argRepeats = process.argv.indexOf('--repeats');
const REPEATS = argRepeats > 0 ? Number(process.argv[argRepeats + 1]) : 5;

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

const WARMUP = 3; // worker threads JIT their own copy of the kernels: give them a few runs

async function bestOf<T>(f: () => T | Promise<T>): Promise<{ best: number; times: number[]; last: T }> {
  let last = await f();
  for (let i = 1; i < WARMUP; i++) last = await f();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    last = await f();
    times.push(performance.now() - t0);
  }
  return { best: Math.min(...times), times, last };
}

const mask = makeMask();
const setCount = mask.reduce((a, v) => a + v, 0);
const threads = availableParallelism();

const serial = await bestOf(() => edt(mask, SHAPE, SPACING));
const parallel = await bestOf(() => edtParallel(mask, SHAPE, SPACING));
// The same into a reused output array (`out`), against scipy's `distances=`: no fresh pages to fault in.
const out = new Float32Array(mask.length);
const sharedOut = new Float32Array(new SharedArrayBuffer(4 * mask.length));
const serialReuse = await bestOf(() => edt(mask, SHAPE, SPACING, { out }));
const parallelReuse = await bestOf(() => edtParallel(mask, SHAPE, SPACING, { out: sharedOut }));

const dir = mkdtempSync(join(tmpdir(), 'meatus-bench-edt-'));
let peer: { scipy: string; numpy: string; times_ms: number[]; best_ms: number; reuse_times_ms: number[]; reuse_best_ms: number };
let scipyDist: Float32Array;
try {
  writeFileSync(join(dir, 'mask.raw'), mask);
  const r = spawnSync(
    '/usr/bin/python3',
    [
      new URL('./peers/edt_scipy.py', import.meta.url).pathname,
      join(dir, 'mask.raw'),
      ...SHAPE.map(String),
      ...SPACING.map(String),
      String(Math.max(1, Math.ceil(REPEATS / 2))),
      join(dir, 'out.raw'),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bench/edt: scipy peer failed (${r.status}): ${r.stderr}`);
  peer = JSON.parse(r.stdout.trim().split('\n').pop()!);
  scipyDist = new Float32Array(new Uint8Array(readFileSync(join(dir, 'out.raw'))).buffer);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Agreement: parallel == serial bit for bit; serial vs scipy within float32 rounding.
const a = serial.last.distance;
let parallelMismatch = 0;
for (const b of [parallel.last.distance, serialReuse.last.distance, parallelReuse.last.distance]) {
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
const rows = [
  ['meatus edt (serial)', serial.best, peer.best_ms / serial.best],
  [`meatus edtParallel (${threads} threads)`, parallel.best, peer.best_ms / parallel.best],
  [`scipy ${peer.scipy} distance_transform_edt`, peer.best_ms, 1],
  ['meatus edt (serial), reused out', serialReuse.best, peer.reuse_best_ms / serialReuse.best],
  [`meatus edtParallel (${threads} threads), reused out`, parallelReuse.best, peer.reuse_best_ms / parallelReuse.best],
  ['scipy, reused distances=', peer.reuse_best_ms, 1],
] as const;
console.log(
  `EDT ${SHAPE.join('×')} spacing (${SPACING.join(', ')}) mm, ${setCount} set voxels; ${cpu}, ${threads} threads`,
);
console.log('implementation'.padEnd(52) + 'best ms'.padStart(10) + 'speed-up vs scipy'.padStart(20));
for (const [name, ms, ratio] of rows) {
  console.log(name.padEnd(52) + ms.toFixed(1).padStart(10) + `${ratio.toFixed(2)}×`.padStart(20));
}
console.log(
  `agreement: parallel and reused-output runs vs serial ${parallelMismatch} differing voxels; vs scipy ${exact}/${a.length} bit-equal, ` +
    `max relative difference ${maxRel.toExponential(2)} → ${agree ? 'OK' : 'MISMATCH'}`,
);

const resultsDir = new URL('./results/', import.meta.url);
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
      repeats: REPEATS,
      meatusSerialMs: serial.best,
      meatusParallelMs: parallel.best,
      scipyMs: peer.best_ms,
      speedupSerial: peer.best_ms / serial.best,
      speedupParallel: peer.best_ms / parallel.best,
      reusedOutput: {
        meatusSerialMs: serialReuse.best,
        meatusParallelMs: parallelReuse.best,
        scipyMs: peer.reuse_best_ms,
        speedupSerial: peer.reuse_best_ms / serialReuse.best,
        speedupParallel: peer.reuse_best_ms / parallelReuse.best,
      },
      times: {
        serial: serial.times,
        parallel: parallel.times,
        scipy: peer.times_ms,
        serialReuse: serialReuse.times,
        parallelReuse: parallelReuse.times,
        scipyReuse: peer.reuse_times_ms,
      },
      peer: { scipy: peer.scipy, numpy: peer.numpy },
      agreement: { parallelMismatch, scipyBitEqual: exact, voxels: a.length, maxRelative: maxRel, ok: agree },
    },
    null,
    2,
  ) + '\n',
);
if (!agree) process.exitCode = 1;
