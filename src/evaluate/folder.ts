/**
 * Evaluating a folder of predictions against a folder of references, paired by case id.
 *
 * A folder holds `<id>.nii.gz` (or `<id>.nii`) label maps — nnU-Net's prediction folders — or is an
 * nnU-Net raw dataset whose `labelsTr/` holds them. Other files (nnU-Net's `plans.json`, hidden
 * temporaries) are ignored. Cases are evaluated on worker threads (two by default, one per case at
 * most; a single case runs on the calling thread); results come back sorted by id.
 */
import { stat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../util/worker.js';
import type { CaseMetrics, MetricOptions } from './metrics.js';
import { WORKER_ROLE, evaluatePair, type CasePair, type FolderJob } from './folder-worker.js';

export type { CasePair } from './folder-worker.js';

/** Predictions paired with references. */
export interface CasePairing {
  /** The folder the predictions were read from. */
  predDir: string;
  /** The folder the references were read from (`<ref>/labelsTr` for a raw dataset). */
  refDir: string;
  /** Cases found in both, sorted by id. */
  pairs: CasePair[];
  /** Ids with a reference but no prediction. */
  missingPredictions: string[];
  /** Ids with a prediction but no reference. */
  missingReferences: string[];
}

/** Options of {@link evaluateFolder}: the metric options plus threading and progress. */
export interface EvaluateFolderOptions extends Omit<MetricOptions, 'names'> {
  /** Worker threads (default 2); never more than the number of cases. */
  threads?: number;
  /** Called after each case. */
  onCase?: (done: number, total: number, id: string) => void;
  /**
   * Whether references without a prediction are allowed (default true: the predictions present are
   * evaluated and the rest listed in `missingPredictions`, as nnU-Net's `compute_metrics_on_folder`
   * with `chill=True`); false refuses them before evaluating, as `nnUNetv2_evaluate_folder` without
   * `--chill` (MIC-DKFZ/nnUNet, nnunetv2/evaluation/evaluate_predictions.py, commit 9b10d6c: the
   * CLI's `--chill` is a store_true flag; without it every reference file must exist in the
   * prediction folder).
   */
  chill?: boolean;
}

/** The result of {@link evaluateFolder}. */
export interface FolderEvaluation extends CasePairing {
  /** One entry per pair, sorted by id. */
  cases: CaseMetrics[];
  /** Wall time, seconds. */
  seconds: number;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/**
 * The label maps of a folder, by case id: `<id>.nii.gz` or `<id>.nii` directly in `dir`, or in
 * `dir/labelsTr/` when that exists.
 * @param role - 'predictions' or 'references', named in errors.
 * @throws Error if the folder does not exist, holds no label map, or holds one id twice.
 */
export async function listLabelMaps(dir: string, role: string): Promise<{ dir: string; files: Map<string, string> }> {
  if (!(await isDir(dir))) throw new Error(`${role} folder ${dir}: not found; expected a folder of <id>.nii.gz label maps`);
  const root = (await isDir(join(dir, 'labelsTr'))) ? join(dir, 'labelsTr') : dir;
  const files = new Map<string, string>();
  for (const name of (await readdir(root)).sort()) {
    const m = /^([^.].*?)\.nii(\.gz)?$/.exec(name);
    if (!m) continue;
    const prev = files.get(m[1]);
    if (prev) throw new Error(`${role} folder ${root}: case '${m[1]}' has two files, ${prev} and ${name}; expected one`);
    files.set(m[1], join(root, name));
  }
  if (files.size === 0) throw new Error(`${role} folder ${root}: no .nii.gz or .nii label maps; expected <id>.nii.gz files`);
  return { dir: root, files };
}

function sample(ids: string[]): string {
  return ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, … (${ids.length} in all)` : '');
}

/**
 * Pairs the label maps of two folders by case id.
 * @throws Error (see {@link listLabelMaps}), or naming both folders when no id is in both.
 */
export async function pairFolders(predDir: string, refDir: string): Promise<CasePairing> {
  const pred = await listLabelMaps(predDir, 'predictions');
  const ref = await listLabelMaps(refDir, 'references');
  const ids = [...ref.files.keys()].filter((id) => pred.files.has(id)).sort();
  if (ids.length === 0) {
    throw new Error(
      `no case in both ${pred.dir} (predictions: ${sample([...pred.files.keys()])}) and ${ref.dir} ` +
        `(references: ${sample([...ref.files.keys()])}); expected matching <id>.nii.gz names`,
    );
  }
  return {
    predDir: pred.dir,
    refDir: ref.dir,
    pairs: ids.map((id) => ({ id, pred: pred.files.get(id)!, ref: ref.files.get(id)! })),
    missingPredictions: [...ref.files.keys()].filter((id) => !pred.files.has(id)).sort(),
    missingReferences: [...pred.files.keys()].filter((id) => !ref.files.has(id)).sort(),
  };
}

/**
 * Starts one evaluation worker. Running TypeScript sources (this file's URL ends in `.ts`), the
 * worker registers tsx before importing its source: Node 20 applies neither the parent's loader
 * hooks nor `execArgv: ['--import', 'tsx']` to worker threads.
 */
function startWorker(): Worker {
  return startModuleWorker(siblingModule(import.meta.url, 'folder-worker'), { workerData: { role: WORKER_ROLE } });
}

/** Runs `pairs` on `threads` workers, each taking the next case when it finishes one. */
function runOnWorkers(pairs: CasePair[], threads: number, opts: MetricOptions, onDone: (i: number, r: CaseMetrics) => void): Promise<void> {
  const workers = Array.from({ length: threads }, startWorker);
  let next = 0;
  let finished = 0;
  return new Promise<void>((resolvePromise, reject) => {
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      reject(e);
    };
    const feed = (w: Worker) => {
      if (next < pairs.length) w.postMessage({ seq: next, pair: pairs[next++], opts } satisfies FolderJob);
    };
    for (const w of workers) {
      w.on('message', (m: { seq: number; result?: CaseMetrics; error?: string }) => {
        if (failed) return;
        if (m.error !== undefined) return fail(new Error(m.error));
        onDone(m.seq, m.result!);
        if (++finished === pairs.length) resolvePromise();
        else feed(w);
      });
      w.on('error', (e) => fail(new Error(`evaluation worker failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (finished < pairs.length) fail(new Error(`evaluation worker exited (code ${code}) before the last case`));
      });
      feed(w);
    }
  }).finally(() => Promise.all(workers.map((w) => w.terminate())));
}

/**
 * Evaluates every prediction in `predDir` against the reference of the same id in `refDir`.
 * @throws Error (as a rejected promise) for a missing or empty folder, no common case, a reference
 *   without a prediction when `chill` is false, an unreadable file, or a geometry mismatch (naming
 *   both files).
 * @example
 * const ev = await evaluateFolder('runs/baseline/pred', 'data/Dataset001_VS', { emptyDice: 'nan' });
 * console.log(ev.cases.length, ev.missingPredictions);
 */
export async function evaluateFolder(predDir: string, refDir: string, opts: EvaluateFolderOptions = {}): Promise<FolderEvaluation> {
  const t0 = performance.now();
  const { threads: askedThreads = 2, onCase, chill = true, ...metricOpts } = opts;
  if (!Number.isInteger(askedThreads) || askedThreads < 1) {
    throw new Error(`evaluateFolder: threads: expected a positive integer, got ${String(askedThreads)}`);
  }
  const pairing = await pairFolders(resolve(predDir), resolve(refDir));
  const { pairs, missingPredictions: missing } = pairing;
  if (!chill && missing.length > 0) {
    throw new Error(
      `${missing.length} reference${missing.length === 1 ? ' has' : 's have'} no prediction in ${pairing.predDir}: ${sample(missing)}; ` +
        'expected a prediction for every reference (give --chill to evaluate the predictions present, as nnU-Net\'s --chill)',
    );
  }
  const cases = new Array<CaseMetrics>(pairs.length);
  let done = 0;
  const record = (i: number, r: CaseMetrics) => {
    cases[i] = r;
    onCase?.(++done, pairs.length, pairs[i].id);
  };
  const threads = Math.min(askedThreads, pairs.length);
  if (threads === 1) {
    for (let i = 0; i < pairs.length; i++) record(i, await evaluatePair(pairs[i], metricOpts));
  } else {
    await runOnWorkers(pairs, threads, metricOpts, record);
  }
  return { ...pairing, cases, seconds: (performance.now() - t0) / 1000 };
}
