/**
 * Worker thread of `edt-parallel.ts`: runs one range of one EDT pass on shared memory and
 * answers `{ id }` (or `{ id, error }`). Keeps its slice scratch between jobs.
 */
import { parentPort } from 'node:worker_threads';
import { createEdtScratch, edtSlices, edtSweepZ, type EdtAboveSeed, type EdtScratch } from './edt.js';
import type { Vec3 } from './volume.js';

/** A job posted by the driver: pass `'z'` over in-slice positions, or `'yx'` over slices, `[from, to)`. */
export interface EdtJob {
  id: number;
  pass: 'z' | 'yx';
  mask: Uint8Array;
  dist: Float32Array;
  idx: Int32Array | null;
  shape: Vec3;
  spacing: Vec3;
  from: number;
  to: number;
  /** Pass `'z'`: the seeds to fill for these positions. */
  seeds?: EdtAboveSeed[];
  /** Pass `'yx'`: the seed of this range (null for the top range). */
  seed?: EdtAboveSeed | null;
}

let scratch: EdtScratch | null = null;
let scratchKey = '';

function scratchFor(shape: Vec3, withIndices: boolean): EdtScratch {
  const key = `${shape[1]}x${shape[2]}:${withIndices}`;
  if (!scratch || key !== scratchKey) {
    scratch = createEdtScratch(shape, withIndices);
    scratchKey = key;
  }
  return scratch;
}

parentPort?.on('message', (job: EdtJob) => {
  try {
    if (job.pass === 'z') {
      edtSweepZ(job.mask, job.dist, job.idx, job.shape, job.from, job.to, job.seeds ?? []);
    } else {
      const s = scratchFor(job.shape, job.idx !== null);
      edtSlices(job.mask, job.dist, job.idx, job.shape, job.spacing, job.from, job.to, s, job.seed ?? undefined);
    }
    parentPort?.postMessage({ id: job.id });
  } catch (e) {
    parentPort?.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  }
});
