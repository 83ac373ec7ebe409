/**
 * Worker thread of {@link generatePhantomDataset} with `jobs > 1`: generates and writes the
 * timepoints of one patient per message, and answers with their names and meta data.
 */
import { parentPort } from 'node:worker_threads';
import { writePatient, type PatientJob } from './dataset.js';

/** Serves patient jobs until the parent terminates the worker. */
export function main(): void {
  parentPort?.on('message', (job: PatientJob) => {
    writePatient(job).then(
      (cases) => parentPort?.postMessage({ cases }),
      (e: unknown) => parentPort?.postMessage({ error: `patient ${job.patient + 1}: ${e instanceof Error ? e.message : String(e)}` }),
    );
  });
}
