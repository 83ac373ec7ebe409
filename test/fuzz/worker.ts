// The fuzz worker thread: decodes mutants `from`…`to − 1` one after the other, reporting the start
// and end of each read (the driver's watchdog times the reader alone) and each outcome.
import { parentPort } from 'node:worker_threads';
import { decodeNifti, type NiftiImage } from '../../src/volume/nifti.js';
import { mutant } from './nifti-mutants.js';
import { classify } from './oracle.js';

/** Message from the driver. */
export interface FuzzJob {
  seed: number;
  from: number;
  to: number;
}

/** Runs in the worker: answers {@link FuzzJob}s. */
export function fuzzWorkerMain(): void {
  parentPort!.on('message', (job: FuzzJob) => {
    for (let i = job.from; i < job.to; i++) {
      const m = mutant(job.seed, i);
      parentPort!.postMessage({ started: i });
      const t0 = performance.now();
      let result: { img: NiftiImage } | { error: unknown };
      try {
        result = { img: decodeNifti(m.bytes, m.name, { channels: 'allow' }) };
      } catch (error) {
        result = { error };
      }
      const ms = performance.now() - t0;
      parentPort!.postMessage({ decoded: i });
      const { outcome, message } = classify(m.bytes, m.name, result);
      parentPort!.postMessage({ i, outcome, message, ms, kind: m.kind, what: m.what, size: m.bytes.length });
    }
    parentPort!.postMessage({ done: true });
  });
}
