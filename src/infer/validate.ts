/**
 * Final validation of a trained model, as nnU-Net runs it at the end of training: every validation
 * case predicted whole by the sliding window (not patches), and the Dice of each foreground class
 * against its reference. It works on the preprocessed grid (the plan's spacing, cropped to
 * non-zero), where the model was trained, so it needs only the preprocessed folder; `meatus
 * evaluate` gives the full metrics on the original grid.
 */
import { join } from 'node:path';
import { dice } from '../evaluate/metrics.js';
import { readPreprocessedCase } from '../preprocess/preprocess.js';
import type { Task } from '../preprocess/types.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Model } from './model.js';
import { argmax, predictPreprocessed, type PredictOptions } from './predict.js';

/** Relative difference between a case's spacing and the plan's beyond which they are different grids. */
const SPACING_TOLERANCE = 0.15;

/** Foreground class names of a task's output, in channel order (channel 0 is background). */
export function foregroundClassNames(task: Task): string[] {
  return task === 'wholeTumour' ? ['wholeTumour'] : ['extrameatal', 'intrameatal'];
}

/** One validation case: Dice per foreground class (`NaN` where prediction and reference are both empty). */
export interface CaseValidation {
  id: string;
  dice: Record<string, number>;
}

/** What {@link validateModel} returns and writes as `summary.json`. */
export interface ValidationSummary {
  /** The checkpoint that was validated. */
  checkpoint: string;
  task: Task;
  /** Where Dice was computed: the preprocessed grid (plan spacing, cropped to non-zero). */
  grid: 'preprocessed';
  spacing: [number, number, number];
  cases: CaseValidation[];
  /** Mean Dice per class over the cases where it is defined (nnU-Net ignores `NaN`). */
  meanDice: Record<string, number>;
  /** Mean of `meanDice` over the classes. */
  meanForegroundDice: number;
  seconds: number;
}

/** Options of {@link validateModel}. */
export interface ValidateOptions extends Pick<PredictOptions, 'mirror' | 'tileBatch' | 'stepSize'> {
  /** Stage 2 (`split`): the whole-tumour channel from the reference (default) or the stored stage-1 prediction. */
  stage2Input?: 'reference' | 'prediction';
  /** Write `summary.json` into this folder (created). */
  outDir?: string;
  /** Called after each case. */
  onCase?: (done: number, total: number, c: CaseValidation) => void;
  /** Called inside a case, after each batch of sliding-window tiles (`id`: the case). */
  onTiles?: (id: string, done: number, total: number) => void;
}

/**
 * Predicts each case of `caseIds` from the preprocessed folder `dataDir` with `model` and scores it
 * against the case's label, mapped to the model's task (whole tumour = label > 0).
 *
 * @param model - A loaded model (`loadModel`); its plan must be the one `dataDir` was made with.
 * @param dataDir - Folder written by `meatus preprocess` (or the `preprocessed/` of a run).
 * @param caseIds - Cases to validate (usually the run's validation split).
 * @throws Error naming the case or file for unreadable data, a case whose spacing differs from the
 *   model's plan, a missing stage-1 prediction with `stage2Input: 'prediction'`, or an empty `caseIds`.
 */
export async function validateModel(
  model: Model,
  dataDir: string,
  caseIds: readonly string[],
  o: ValidateOptions = {},
): Promise<ValidationSummary> {
  if (caseIds.length === 0) throw new Error('validateModel: no validation cases');
  const t0 = performance.now();
  const names = foregroundClassNames(model.task);
  const cases: CaseValidation[] = [];
  for (const id of caseIds) {
    const c = await readPreprocessedCase(dataDir, id);
    // Preprocessing rounds the grid, so a case's true spacing differs from the plan's by a little;
    // by much more, the folder was made with another plan.
    const planned = model.plan.spacing;
    if (c.spacing.some((s, a) => Math.abs(s - planned[a]) > SPACING_TOLERANCE * planned[a])) {
      throw new Error(
        `validateModel: case '${id}' in ${dataDir} has spacing [${c.spacing.join(', ')}], the model's plan [${planned.join(', ')}]; ` +
          "preprocess with the model's plan",
      );
    }
    const n = c.label.length;
    const t2 = c.image.subarray(0, n);
    let input = t2;
    if (model.task === 'split') {
      const wt = o.stage2Input === 'prediction' ? c.wholeTumourPrediction : c.label;
      if (!wt)
        throw new Error(
          `validateModel: case '${id}' has no stage-1 prediction (${id}.wtpred.u8), needed with stage2Input 'prediction'`,
        );
      input = new Float32Array(2 * n);
      input.set(t2);
      for (let i = 0; i < n; i++) input[n + i] = wt[i] > 0 ? 1 : 0;
    }
    const onProgress = o.onTiles && ((done: number, total: number) => o.onTiles!(id, done, total));
    const probs = predictPreprocessed(model, input, model.task === 'split' ? 2 : 1, c.shape, { ...o, onProgress });
    const pred = argmax(probs, n);
    const scores: Record<string, number> = {};
    names.forEach((name, j) => {
      const cls = j + 1;
      const p = pred.map((v) => (v === cls ? 1 : 0));
      const r = c.label.map((v) => (model.task === 'wholeTumour' ? (v > 0 ? 1 : 0) : v === cls ? 1 : 0));
      scores[name] = dice(p, r);
    });
    const rec = { id, dice: scores };
    cases.push(rec);
    o.onCase?.(cases.length, caseIds.length, rec);
  }
  const meanDice: Record<string, number> = {};
  for (const name of names) {
    const v = cases.map((c) => c.dice[name]).filter(Number.isFinite);
    meanDice[name] = v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  }
  const defined = Object.values(meanDice).filter(Number.isFinite);
  const summary: ValidationSummary = {
    checkpoint: model.path,
    task: model.task,
    grid: 'preprocessed',
    spacing: [...model.plan.spacing],
    cases,
    meanDice,
    meanForegroundDice: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : NaN,
    seconds: (performance.now() - t0) / 1000,
  };
  if (o.outDir)
    await writeFileAtomic(join(o.outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
