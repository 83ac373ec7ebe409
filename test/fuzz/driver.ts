/**
 * The fuzz driver: reads mutants in one worker thread of this process under a watchdog — a read
 * (the reader alone, not the mutant's generation or the oracle) that takes longer than `timeoutMs` is a hang (the worker is terminated and restarted after it),
 * one during which the process's resident memory passes `memoryLimitMB` is a memory failure, a
 * worker that dies is a crash. Counts the outcome classes of `oracle.ts` overall and per kind.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../src/util/worker.js';
import { KINDS, type MutationKind } from './nifti-mutants.js';
import { FAILURES, type Outcome } from './oracle.js';

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  seed: number;
  count: number;
  /** First mutant index (default 0). */
  start?: number;
  /** A mutant taking longer is a hang (default 10 000 ms). */
  timeoutMs?: number;
  /** Resident memory (RSS) of the whole process above which a mutant fails (default 1024 MB). */
  memoryLimitMB?: number;
  onProgress?: (done: number, total: number) => void;
}

/** One failing mutant. */
export interface FuzzFailure {
  index: number;
  outcome: Outcome;
  kind: MutationKind | '?';
  what: string;
  message: string;
}

/** What {@link runFuzz} found. */
export interface FuzzSummary {
  seed: number;
  count: number;
  outcomes: Record<Outcome, number>;
  byKind: Record<string, Partial<Record<Outcome, number>>>;
  failures: FuzzFailure[];
  /** Peak resident memory of the process during the run, MB. */
  peakRssMB: number;
  /** The slowest single read, ms. */
  slowestMs: number;
  seconds: number;
}

interface Report {
  i: number;
  outcome: Outcome;
  message: string;
  ms: number;
  kind: MutationKind;
  what: string;
}

/**
 * Runs mutants `start … start + count − 1` of `seed` through the reader (see the module comment).
 * @example const s = await runFuzz({ seed: 1, count: 300 }); s.failures.length // 0
 */
export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const t0 = performance.now();
  const start = o.start ?? 0;
  const end = start + o.count;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const limit = (o.memoryLimitMB ?? 1024) * 2 ** 20;
  const outcomes = Object.fromEntries(['valid', 'refused', ...FAILURES].map((k) => [k, 0])) as Record<Outcome, number>;
  const byKind: FuzzSummary['byKind'] = Object.fromEntries(KINDS.map((k) => [k, {}]));
  const failures: FuzzFailure[] = [];
  let peak = process.memoryUsage.rss();
  let slowest = 0;
  let done = 0;
  const record = (r: Omit<Report, 'ms'> & { kind: MutationKind | '?' }) => {
    outcomes[r.outcome]++;
    const k = (byKind[r.kind] ??= {});
    k[r.outcome] = (k[r.outcome] ?? 0) + 1;
    if (r.outcome !== 'valid' && r.outcome !== 'refused') failures.push({ index: r.i, outcome: r.outcome, kind: r.kind, what: r.what, message: r.message });
    o.onProgress?.(++done, o.count);
  };
  let next = start;
  while (next < end) {
    // One worker reads from `next` on; it is replaced after a hang, a memory failure or a crash.
    next = await new Promise<number>((resolve) => {
      const w: Worker = startModuleWorker(new URL('./worker.ts', import.meta.url), {}, 'fuzzWorkerMain');
      let current = next;
      // The worker's start-up (tsx, the base files) is not a mutant's time: allow it two minutes.
      let startedAt = performance.now() + 120_000 - timeoutMs;
      let finished = false;
      const stop = (outcome: Outcome, message: string) => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        record({ i: current, outcome, message, kind: '?' as MutationKind, what: '' });
        void w.terminate().then(() => resolve(current + 1));
      };
      const timer = setInterval(() => {
        const rss = process.memoryUsage.rss();
        peak = Math.max(peak, rss);
        if (rss > limit) stop('memory', `resident memory ${(rss / 2 ** 20).toFixed(0)} MB > ${(limit / 2 ** 20).toFixed(0)} MB`);
        else if (performance.now() - startedAt > timeoutMs) stop('hang', `no answer after ${timeoutMs} ms`);
      }, 20);
      // Between reads (the oracle's check, the next mutant's generation), a minute before a hang.
      const between = () => performance.now() + 60_000 - timeoutMs;
      w.on('message', (m: { started?: number; decoded?: number; done?: boolean } & Partial<Report>) => {
        if (finished) return;
        if (m.started !== undefined) {
          current = m.started;
          startedAt = performance.now();
        } else if (m.decoded !== undefined) {
          startedAt = between();
        } else if (m.done) {
          finished = true;
          clearInterval(timer);
          void w.terminate().then(() => resolve(end));
        } else {
          slowest = Math.max(slowest, m.ms!);
          peak = Math.max(peak, process.memoryUsage.rss());
          record(m as Report);
          current = m.i! + 1;
          startedAt = between();
        }
      });
      w.on('error', (e) => stop(/memory/i.test(e.message) ? 'memory' : 'crash', `worker died: ${e.message}`));
      w.on('exit', (code) => stop('crash', `worker exited with code ${code}`));
      w.postMessage({ seed: o.seed, from: next, to: end });
    });
  }
  return { seed: o.seed, count: o.count, outcomes, byKind, failures, peakRssMB: Math.round(peak / 2 ** 20), slowestMs: Math.round(slowest), seconds: (performance.now() - t0) / 1000 };
}
