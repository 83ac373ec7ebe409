/**
 * `BatchLoader`: batches for the trainer, made ahead of time by worker threads
 * (`node:worker_threads`) so that the training loop never waits on augmentation.
 *
 * - Batch `(epoch, iteration)` is a pure function of the options and `(seed, epoch, iteration)`
 *   (see `batch.ts`): any number of workers, inline (`workers: 0`) or resumed, gives the same bytes.
 * - `next(epoch, iteration)` returns that batch and queues the next `prefetch` ones (wrapping into
 *   the next epoch after `iterationsPerEpoch`); a request outside the queue (a resume, a jump) is
 *   computed on demand and the stale queue is dropped.
 * - Cases come from a pluggable source: `{ kind: 'dir', dir }` — each worker reads cases lazily with
 *   `readPreprocessedCase(dir, id)` of `src/preprocess/preprocess.ts` (or of the module named by `reader`) and keeps
 *   the last `cacheCases`; or `{ kind: 'memory', cases }` — copied once into `SharedArrayBuffer`s
 *   that all workers share.
 * - Batches come back zero-copy (transferred buffers). Workers are unref'd except while a `next()`
 *   is awaited, so a forgotten loader never keeps the process alive; `close()` terminates them.
 * - A failure while making a batch (a bad case file, a label outside 0–2) rejects that `next()`
 *   with the worker's message and the case id; a worker that dies rejects everything pending.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../util/worker.js';
import { assembleBatch, pickCases, type BatchStreamOptions } from './batch.js';
import { ClassLocationCache } from './sampler.js';
import type { PreprocessedCase, Task } from '../preprocess/types.js';
import type { Batch } from './types.js';

/** Where cases come from. `reader`: a module path or URL exporting the {@link CaseReader} functions. */
export type CaseSource =
  { kind: 'dir'; dir: string; reader?: string } | { kind: 'memory'; cases: PreprocessedCase[] };

/** What a `dir` source's reader module exports (`src/preprocess/preprocess.ts` by default). */
export interface CaseReader {
  readPreprocessedCase(dir: string, id: string): Promise<PreprocessedCase>;
  listPreprocessedCases(dir: string): Promise<string[]>;
}

/** Options of {@link BatchLoader}. */
export interface BatchLoaderOptions extends BatchStreamOptions {
  /** Where cases come from (or give `dir`). */
  source?: CaseSource;
  /** Shorthand for `source: { kind: 'dir', dir }`. */
  dir?: string;
  task: Task;
  /** The cases to draw from, in this order (default: all of the source, in its order). */
  caseIds?: string[];
  /** Worker threads (default `availableParallelism() − 1`, at least 1); 0 runs inline on the calling thread. */
  workers?: number;
  /** Batches made ahead (default `2 × workers`, 0 inline). */
  prefetch?: number;
  /** Iterations per epoch, for prefetching across an epoch boundary (default: no wrap). */
  iterationsPerEpoch?: number;
  /** `dir` source: cases kept in memory per worker (default 8). */
  cacheCases?: number;
}

/** Everything a {@link BatchProducer} needs; structured-cloneable (it is posted to workers). */
export interface ProducerInit {
  source: { kind: 'dir'; dir: string; reader: string } | { kind: 'memory'; cases: PreprocessedCase[] };
  ids: string[];
  task: Task;
  stream: BatchStreamOptions;
  cacheCases: number;
}

/** Messages to a worker. */
export type LoaderRequest =
  { type: 'init'; init: ProducerInit } | { type: 'batch'; job: number; epoch: number; iteration: number };
/** Messages from a worker. */
export type LoaderReply =
  { type: 'batch'; job: number; batch: Batch } | { type: 'error'; job: number; message: string };


function readerUrl(reader: string | undefined): string {
  if (reader === undefined) return siblingModule(import.meta.url, '../preprocess/preprocess').href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reader) && !isAbsolute(reader)) return reader;
  return pathToFileURL(resolve(reader)).href;
}

async function importReader(url: string): Promise<CaseReader> {
  const mod = (await import(url)) as Partial<CaseReader>;
  if (typeof mod.readPreprocessedCase !== 'function' || typeof mod.listPreprocessedCases !== 'function') {
    throw new Error(
      `reader module ${url} must export readPreprocessedCase(dir, id) and listPreprocessedCases(dir)`,
    );
  }
  return mod as CaseReader;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Makes batches from a {@link ProducerInit}: the code a worker (or the inline loader) runs.
 * Keeps foreground locations per case and, for a `dir` source, the last `cacheCases` cases.
 */
export class BatchProducer {
  private readonly memory = new Map<string, PreprocessedCase>();
  private readonly cache = new Map<string, Promise<PreprocessedCase>>();
  private readonly locations = new ClassLocationCache();
  private reader: Promise<CaseReader> | null = null;

  constructor(private readonly init: ProducerInit) {
    if (init.source.kind === 'memory') for (const c of init.source.cases) this.memory.set(c.id, c);
  }

  private load(id: string): Promise<PreprocessedCase> {
    const src = this.init.source;
    if (src.kind === 'memory') {
      const c = this.memory.get(id);
      return c ? Promise.resolve(c) : Promise.reject(new Error('not among the in-memory cases'));
    }
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    this.reader ??= importReader(src.reader);
    const p = this.reader.then((r) => r.readPreprocessedCase(src.dir, id));
    this.cache.set(id, p);
    p.catch(() => this.cache.get(id) === p && this.cache.delete(id));
    while (this.cache.size > Math.max(0, this.init.cacheCases)) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
    return p;
  }

  /**
   * Batch `(epoch, iteration)`.
   * @throws Error (rejected) naming the case that could not be read or used.
   */
  async produce(epoch: number, iteration: number): Promise<Batch> {
    const opts = { ...this.init.stream, epoch, iteration, locationCache: this.locations };
    const ids = pickCases(this.init.ids.length, opts).map((i) => this.init.ids[i]);
    const loading = new Map<string, Promise<PreprocessedCase>>();
    for (const id of ids) if (!loading.has(id)) loading.set(id, this.load(id));
    const cases: PreprocessedCase[] = [];
    for (const id of ids) {
      try {
        const c = await loading.get(id)!;
        if (c.id !== id) throw new Error(`the reader returned case '${c.id}'`);
        cases.push(c);
      } catch (e) {
        const msg = errorMessage(e);
        throw new Error(msg.includes(`'${id}'`) ? msg : `case '${id}': ${msg}`);
      }
    }
    return assembleBatch(cases, this.init.task, opts);
  }
}

/** A copy of `a` in shared memory (or `a` itself if it already is). */
function toShared<T extends Float32Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const s = new ctor(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

function shareCase(c: PreprocessedCase): PreprocessedCase {
  const p = c.wholeTumourPrediction;
  return {
    ...c,
    image: toShared(c.image),
    label: toShared(c.label),
    ...(p ? { wholeTumourPrediction: toShared(p) } : {}),
  };
}

/**
 * Starts the worker. Running TypeScript sources, Node 20 does not apply `--import tsx` (in
 * `execArgv`) to worker threads, so a two-line bootstrap registers tsx and then imports the
 * worker module (as `edt-parallel.ts` does).
 */
function startWorker(): Worker {
  return startModuleWorker(siblingModule(import.meta.url, 'loader-worker'));
}

interface Pending {
  resolve: (b: Batch) => void;
  reject: (e: Error) => void;
  label: string;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

function checkCount(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
    throw new Error(`BatchLoader: ${name} is ${v}, expected an integer ≥ 0`);
  }
}

/**
 * Batches of one stream (training or validation) from worker threads.
 * @example
 * const loader = new BatchLoader({ source: { kind: 'dir', dir }, task: 'split', patchSize: [40, 128, 128],
 *   batchSize: 2, seed: 1, augment: true, iterationsPerEpoch: 250 });
 * const batch = await loader.next(epoch, iteration);
 * await loader.close();
 */
export class BatchLoader {
  /** Number of worker threads (0: inline). */
  readonly workers: number;
  /** Batches made ahead. */
  readonly prefetch: number;
  private readonly opts: BatchLoaderOptions;
  private readonly ready: Promise<void>;
  private readonly pool: PoolWorker[] = [];
  private inline: BatchProducer | null = null;
  private readonly queue = new Map<string, Promise<Batch>>();
  private nextJob = 1;
  private waiting = 0;
  private closed = false;
  private failure: Error | null = null;

  /** @throws Error for a missing or doubly given source, or a bad worker, prefetch, epoch-length or cache count. */
  constructor(opts: BatchLoaderOptions) {
    if ((opts.source === undefined) === (opts.dir === undefined)) {
      throw new Error('BatchLoader: give exactly one of source and dir');
    }
    for (const k of ['workers', 'prefetch', 'cacheCases'] as const) checkCount(k, opts[k]);
    if (
      opts.iterationsPerEpoch !== undefined &&
      !(Number.isInteger(opts.iterationsPerEpoch) && opts.iterationsPerEpoch >= 1)
    ) {
      throw new Error(
        `BatchLoader: iterationsPerEpoch is ${opts.iterationsPerEpoch}, expected an integer ≥ 1`,
      );
    }
    this.opts = opts;
    this.workers = opts.workers ?? Math.max(1, availableParallelism() - 1);
    this.prefetch = opts.prefetch ?? 2 * this.workers;
    this.ready = this.start();
    this.ready.catch(() => undefined); // reported by next()
  }

  private async start(): Promise<void> {
    const { task } = this.opts;
    const source: CaseSource = this.opts.source ?? { kind: 'dir', dir: this.opts.dir as string };
    let ids = this.opts.caseIds;
    let src: ProducerInit['source'];
    if (source.kind === 'memory') {
      const known = new Set<string>();
      for (const c of source.cases) {
        if (known.has(c.id))
          throw new Error(`BatchLoader: case id '${c.id}' appears twice in the memory source`);
        known.add(c.id);
      }
      ids ??= source.cases.map((c) => c.id);
      const missing = ids.find((id) => !known.has(id));
      if (missing !== undefined)
        throw new Error(`BatchLoader: case '${missing}' is not in the memory source`);
      const wanted = new Set(ids);
      const cases = source.cases.filter((c) => wanted.has(c.id));
      src = { kind: 'memory', cases: this.workers > 0 ? cases.map(shareCase) : cases };
    } else {
      src = { kind: 'dir', dir: source.dir, reader: readerUrl(source.reader) };
      ids ??= await (await importReader(src.reader)).listPreprocessedCases(source.dir);
    }
    if (ids.length === 0) throw new Error('BatchLoader: no cases to draw from');
    const o = this.opts;
    const stream: BatchStreamOptions = {
      patchSize: o.patchSize,
      batchSize: o.batchSize,
      seed: o.seed,
      augment: o.augment,
      stage2Input: o.stage2Input,
      oversampleForeground: o.oversampleForeground,
      foregroundPlacement: o.foregroundPlacement,
      contralateral: o.contralateral,
      hardNegatives: o.hardNegatives,
      augmentation: o.augmentation,
    };
    const init: ProducerInit = { source: src, ids, task, stream, cacheCases: this.opts.cacheCases ?? 8 };
    if (this.closed) return;
    if (this.workers === 0) {
      this.inline = new BatchProducer(init);
      return;
    }
    for (let i = 0; i < this.workers; i++) this.pool.push(this.spawn(i, init));
  }

  private spawn(index: number, init: ProducerInit): PoolWorker {
    const w: PoolWorker = { worker: startWorker(), pending: new Map() };
    if (this.waiting === 0) w.worker.unref();
    w.worker.on('message', (m: LoaderReply) => {
      const p = w.pending.get(m.job);
      if (!p) return;
      w.pending.delete(m.job);
      if (m.type === 'batch') p.resolve(m.batch);
      else p.reject(new Error(`BatchLoader: ${p.label} failed in worker ${index}: ${m.message}`));
    });
    const die = (why: string): void => {
      if (this.closed) return;
      this.failure ??= new Error(`BatchLoader: worker ${index} died (${why})`);
      for (const p of w.pending.values())
        p.reject(new Error(`BatchLoader: ${p.label} lost: worker ${index} died (${why})`));
      w.pending.clear();
    };
    w.worker.on('error', (e) => die(errorMessage(e)));
    w.worker.on('exit', (code) => die(`exit code ${code}`));
    w.worker.postMessage({ type: 'init', init } satisfies LoaderRequest);
    return w;
  }

  /** The batch `k` positions after `(epoch, iteration)`, wrapping epochs when their length is known. */
  private advance(epoch: number, iteration: number, k: number): [number, number] {
    const per = this.opts.iterationsPerEpoch;
    let e = epoch;
    let i = iteration + k;
    if (per !== undefined) {
      e += Math.floor(i / per);
      i %= per;
    }
    return [e, i];
  }

  private request(epoch: number, iteration: number): Promise<Batch> {
    const label = `batch (epoch ${epoch}, iteration ${iteration})`;
    const p = this.ready.then(() => {
      if (this.closed) throw new Error('BatchLoader: closed');
      if (this.failure) throw this.failure;
      if (this.inline) {
        return this.inline.produce(epoch, iteration).catch((e: unknown) => {
          throw new Error(`BatchLoader: ${label} failed: ${errorMessage(e)}`);
        });
      }
      const w = this.pool.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const job = this.nextJob++;
      return new Promise<Batch>((resolve, reject) => {
        w.pending.set(job, { resolve, reject, label });
        w.worker.postMessage({ type: 'batch', job, epoch, iteration } satisfies LoaderRequest);
      });
    });
    p.catch(() => undefined); // a prefetched batch may never be asked for
    return p;
  }

  private hold(delta: 1 | -1): void {
    const before = this.waiting;
    this.waiting += delta;
    if (before === 0 && this.waiting > 0) for (const w of this.pool) w.worker.ref();
    if (before > 0 && this.waiting === 0) for (const w of this.pool) w.worker.unref();
  }

  /**
   * Batch `(epoch, iteration)` (integers ≥ 0); queues the following ones.
   * @throws Error (rejected) if the loader is closed, a worker died, or the batch could not be
   *   made — the message names the batch and the case.
   */
  async next(epoch: number, iteration: number): Promise<Batch> {
    if (this.closed) throw new Error('BatchLoader: next() called after close()');
    if (!(Number.isInteger(epoch) && epoch >= 0 && Number.isInteger(iteration) && iteration >= 0)) {
      throw new Error(`BatchLoader: next(${epoch}, ${iteration}), expected integers ≥ 0`);
    }
    const key = `${epoch}:${iteration}`;
    const p = this.queue.get(key) ?? this.request(epoch, iteration);
    this.queue.delete(key);
    const upcoming = Array.from({ length: this.prefetch }, (_, k) => this.advance(epoch, iteration, k + 1));
    const keep = new Set(upcoming.map(([e, i]) => `${e}:${i}`));
    for (const k of [...this.queue.keys()]) if (!keep.has(k)) this.queue.delete(k);
    for (const [e, i] of upcoming)
      if (!this.queue.has(`${e}:${i}`)) this.queue.set(`${e}:${i}`, this.request(e, i));
    this.hold(1);
    try {
      return await p;
    } finally {
      this.hold(-1);
    }
  }

  /** Terminates the workers; pending and later `next()` calls reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    const pool = this.pool.splice(0);
    for (const w of pool) {
      for (const p of w.pending.values()) p.reject(new Error(`BatchLoader: ${p.label} cancelled by close()`));
      w.pending.clear();
    }
    await Promise.all(pool.map((w) => w.worker.terminate()));
  }
}
