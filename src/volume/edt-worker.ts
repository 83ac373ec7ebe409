/**
 * Worker thread of `edt-parallel.ts`: runs one range of one EDT phase on shared memory with this
 * thread's WebAssembly kernel and answers `{ id }` (or `{ id, error }`).
 */
import { parentPort } from 'node:worker_threads';
import { edtKernel } from './edt-kernel.js';
import type { Vec3 } from './volume.js';

/** A job posted by the driver: phase `'z'` over in-slice positions, or `'yx'` over slices, `[from, to)`. */
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
}

parentPort?.on('message', (job: EdtJob) => {
  try {
    const kernel = edtKernel();
    if (job.pass === 'z') kernel.zColumns(job.mask, job.dist, job.idx, job.shape, job.from, job.to);
    else kernel.slices(job.dist, job.idx, job.shape, job.spacing, job.from, job.to);
    parentPort?.postMessage({ id: job.id });
  } catch (e) {
    parentPort?.postMessage({ id: job.id, error: e instanceof Error ? e.message : String(e) });
  }
});
