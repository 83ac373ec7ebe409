/**
 * Worker thread of `folder.ts`: reads one prediction and its reference and answers their metrics.
 * Messages: `{ seq, pair, opts }` in, `{ seq, result }` or `{ seq, error }` out. Also exports
 * {@link evaluatePair}, which `folder.ts` calls on the main thread for one-case folders.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readNifti } from '../volume/nifti-file.js';
import { evaluateCase, type CaseMetrics, type MetricOptions } from './metrics.js';

/** One case: its id, prediction file and reference file. */
export interface CasePair {
  id: string;
  pred: string;
  ref: string;
}

/** `workerData.role` of these workers. */
export const WORKER_ROLE = 'meatus-evaluate-folder';

/**
 * Reads both label maps and evaluates the prediction against the reference.
 * @throws Error naming the file that cannot be read, or (from `evaluateCase`) both files when
 *   their geometries differ.
 */
export async function evaluatePair(pair: CasePair, opts: MetricOptions = {}): Promise<CaseMetrics> {
  const [pred, ref] = await Promise.all([readNifti(pair.pred), readNifti(pair.ref)]);
  return evaluateCase(pred, ref, pair.id, { ...opts, names: { pred: pair.pred, ref: pair.ref } });
}

/** A job posted by `folder.ts`. */
export interface FolderJob {
  seq: number;
  pair: CasePair;
  opts: MetricOptions;
}

if (parentPort && (workerData as { role?: string } | null)?.role === WORKER_ROLE) {
  const port = parentPort;
  port.on('message', (job: FolderJob) => {
    evaluatePair(job.pair, job.opts).then(
      (result) => port.postMessage({ seq: job.seq, result }),
      (e: unknown) => port.postMessage({ seq: job.seq, error: e instanceof Error ? e.message : String(e) }),
    );
  });
}
