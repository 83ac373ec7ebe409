/**
 * Multi-threaded exact EDT for Node: the two phases of `edt.ts` (the z sweeps, split by in-slice
 * position; then the per-slice work, split into contiguous slice ranges), each run by a small pool
 * of worker threads, each with its own WebAssembly kernel, over `SharedArrayBuffer`s. Same result
 * as {@link edt}, bit for bit.
 * Node only (`node:worker_threads`); in a browser use {@link edt}.
 *
 * The pool is created on first use and reused across calls; its workers are unref'd while idle,
 * so they never keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { startModuleWorker } from '../util/worker.js';
import type { Worker } from 'node:worker_threads';
import { edtOutputs, type EdtOptions, type EdtResult } from './edt.js';
import type { EdtJob } from './edt-worker.js';
import { checkMask, checkSpacing } from './mask-args.js';
import type { Vec3 } from './volume.js';

/** Options of {@link edtParallel}. */
export interface EdtParallelOptions extends EdtOptions {
  /** Number of worker threads (default `os.availableParallelism()`); the pool grows to the largest asked. */
  threads?: number;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { resolve: () => void; reject: (e: Error) => void }>;
}

const pool: PoolWorker[] = [];
/** Shared copy of the last non-shared mask, reused by the next call when large enough. */
let maskCopy: Uint8Array | null = null;
let nextId = 1;
let inFlight = 0;

/** The worker source next to this file: `.ts` when running sources through tsx, `.js` once compiled. */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./edt-worker${ext}`, import.meta.url);
}

/**
 * Starts one worker. Running TypeScript sources, the worker must load tsx itself: Node 20 does not
 * apply `--import` loader hooks to worker threads, so a two-line bootstrap registers tsx first.
 */
function startWorker(): Worker {
  return startModuleWorker(workerUrl());
}

function spawn(): PoolWorker {
  const w: PoolWorker = { worker: startWorker(), pending: new Map() };
  w.worker.unref();
  w.worker.on('message', (m: { id: number; error?: string }) => {
    const p = w.pending.get(m.id);
    if (!p) return;
    w.pending.delete(m.id);
    if (m.error === undefined) p.resolve();
    else p.reject(new Error(`edtParallel: worker failed: ${m.error}`));
  });
  const fail = (e: Error): void => {
    const i = pool.indexOf(w);
    if (i >= 0) pool.splice(i, 1);
    for (const p of w.pending.values()) p.reject(new Error(`edtParallel: worker died: ${e.message}`));
    w.pending.clear();
  };
  w.worker.on('error', fail);
  w.worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  return w;
}

function run(w: PoolWorker, job: Omit<EdtJob, 'id'>): Promise<void> {
  const id = nextId++;
  return new Promise<void>((resolve, reject) => {
    w.pending.set(id, { resolve, reject });
    w.worker.postMessage({ ...job, id });
  });
}

/** Splits `[0, n)` into `parts` contiguous ranges, the first ones one longer. */
function ranges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  let from = 0;
  for (let i = 0; i < parts; i++) {
    const to = from + Math.floor(n / parts) + (i < n % parts ? 1 : 0);
    if (to > from) out.push([from, to]);
    from = to;
  }
  return out;
}

/**
 * {@link edt} on worker threads: exact Euclidean distance (mm) from every voxel to the nearest
 * voxel where `mask` is non-zero, `+Infinity` everywhere (indices -1) for an empty mask.
 * The result equals `edt(mask, shape, spacing, opts)` bit for bit, indices included.
 *
 * The returned arrays are backed by `SharedArrayBuffer`s (posting them to a worker shares rather
 * than copies them); `opts.out`/`opts.outIndices` must be too. A mask not already in shared memory
 * is copied into a shared buffer that is kept for the next call.
 *
 * @param mask - Binary mask, x fastest; any non-zero is "set".
 * @param shape - `[z, y, x]` voxel counts.
 * @param spacing - `[sz, sy, sx]` voxel size in mm.
 * @throws Error (as a rejected promise) on a bad mask length, shape, spacing, `opts.threads` or
 *   output array (wrong type or length, not shared memory), indices asked of more than 2³¹ − 1
 *   voxels, or if a worker fails.
 * @example
 * const { distance } = await edtParallel(mask, [80, 384, 384], [1.5, 0.41, 0.41]);
 */
export async function edtParallel(
  mask: Uint8Array,
  shape: Vec3,
  spacing: Vec3,
  opts: EdtParallelOptions = {},
): Promise<EdtResult> {
  const n = checkMask('edtParallel', mask, shape);
  checkSpacing('edtParallel', spacing);
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`edtParallel: opts.threads must be a positive integer, got ${String(threads)}`);
  }
  while (pool.length < threads) pool.push(spawn());
  const workers = pool.slice(0, threads);

  for (const [name, a] of [
    ['out', opts.out],
    ['outIndices', opts.outIndices],
  ] as const) {
    if (a && !(a.buffer instanceof SharedArrayBuffer)) {
      throw new Error(
        `edtParallel: opts.${name} must be backed by a SharedArrayBuffer (the workers write it)`,
      );
    }
  }
  const { distance: dist, indices: idx } = edtOutputs(
    'edtParallel',
    n,
    opts,
    (bytes) => new SharedArrayBuffer(bytes),
  );
  let sharedMask = mask;
  if (!(mask.buffer instanceof SharedArrayBuffer)) {
    // The copy lives in a buffer kept between calls (only ever read by the workers).
    if (!maskCopy || maskCopy.length < n || inFlight > 0) maskCopy = new Uint8Array(new SharedArrayBuffer(n));
    sharedMask = maskCopy.subarray(0, n);
    sharedMask.set(mask);
  }
  const base = { mask: sharedMask, dist, idx, shape: [...shape] as Vec3, spacing: [...spacing] as Vec3 };

  if (inFlight++ === 0) for (const w of pool) w.worker.ref();
  try {
    const zParts = ranges(shape[1] * shape[2], workers.length);
    await Promise.all(zParts.map(([from, to], i) => run(workers[i], { ...base, pass: 'z', from, to })));
    const sliceParts = ranges(shape[0], workers.length);
    await Promise.all(sliceParts.map(([from, to], i) => run(workers[i], { ...base, pass: 'yx', from, to })));
  } finally {
    if (--inFlight === 0) for (const w of pool) w.worker.unref();
  }
  return idx ? { distance: dist, indices: idx } : { distance: dist };
}
