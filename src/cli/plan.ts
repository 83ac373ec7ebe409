/**
 * `meatus plan`: fingerprints a dataset and writes a training plan (spacing, patch, topology) as
 * editable JSON.
 */
import { existsSync } from 'node:fs';
import { integer, oneOf, parseCli, positive, UsageError } from './args.js';
import { NONFINITE_POLICIES } from '../preprocess/input-check.js';
import { checkOutput } from '../util/output-path.js';
import { ProgressBar } from '../util/progress.js';
import { computeFingerprint } from '../preprocess/fingerprint.js';
import { formatPlan, makePlan, writePlan } from '../preprocess/plan.js';

/** One-line description for `meatus --help`. */
export const summary =
  'plan spacing, patch size and network topology for a dataset (nnU-Net 3d_fullres rules)';

const USAGE = `usage: meatus plan --dataset DIR --out PLAN.json [options]

Reads the labelled training cases of DIR (nnU-Net raw layout or crossMoDA), computes the dataset
fingerprint and writes a plan: target spacing, patch size, U-Net stages (features, kernels,
strides), normalisation. The plan is 2-space JSON; edit it by hand if you like.

options:
  --dataset DIR     dataset folder
  --out FILE        plan file to write
  --budget-mb N     activation memory budget in MB (default 600)
  --batch-size N    batch size (default 2)
  --base-features N features of the first stage, doubling per stage (default 32)
  --max-features N  cap on the features per stage (default 320)
  --spacing Z,Y,X   target spacing in mm instead of the dataset's median (e.g. a coarser grid for CPU)
  --seed S          seed of the foreground intensity sampling (default 1234)
  --overwrite       replace an existing plan file
  --nonfinite refuse|replace-with-minimum
                    NaN/Inf voxels: refuse the case (default) or replace them by the image's
                    smallest finite value (README: "Inputs meatus accepts")`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const values = parseCli(
    'plan',
    USAGE,
    argv,
    {
      dataset: { type: 'string' },
      out: { type: 'string' },
      'budget-mb': { type: 'string' },
      'batch-size': { type: 'string' },
      'base-features': { type: 'string' },
      'max-features': { type: 'string' },
      spacing: { type: 'string' },
      seed: { type: 'string' },
      overwrite: { type: 'boolean' },
      nonfinite: { type: 'string' },
    },
    ['dataset', 'out'],
  );
  if (typeof values === 'number') return values;
  const seed = integer('seed', values.seed);
  const memoryBudgetMB = positive('budget-mb', values['budget-mb'], false);
  const batchSize = positive('batch-size', values['batch-size'], true);
  const baseFeatures = positive('base-features', values['base-features'], true);
  const maxFeatures = positive('max-features', values['max-features'], true);
  const spacing =
    values.spacing === undefined
      ? undefined
      : (values.spacing.split(',').map((v) => (v.trim() === '' ? NaN : Number(v))) as [number, number, number]);
  if (spacing && (spacing.length !== 3 || spacing.some((v) => !(v > 0) || !Number.isFinite(v))))
    throw new UsageError(`--spacing: expected three positive numbers Z,Y,X in mm, got '${values.spacing}'`);
  if (!existsSync(values.dataset!)) throw new UsageError(`--dataset ${values.dataset}: no such folder`);
  checkOutput('--out', values.out!, { kind: 'file', overwrite: Boolean(values.overwrite) });
  let bar: ProgressBar | undefined;
  const nonfinite = oneOf('nonfinite', values.nonfinite, NONFINITE_POLICIES);
  const fp = await computeFingerprint(values.dataset!, {
    seed,
    nonfinite,
    onProgress: (_done, total, id) => {
      bar ??= new ProgressBar(total, 'fingerprint');
      bar.tick(1, id);
    },
  });
  const plan = makePlan(fp, {
    memoryBudgetMB,
    batchSize,
    baseFeatures,
    maxFeatures,
    spacing,
    dataset: values.dataset!,
  });
  await writePlan(values.out!, plan);
  console.log(formatPlan(plan));
  console.log(`wrote ${values.out!}`);
  return 0;
}
