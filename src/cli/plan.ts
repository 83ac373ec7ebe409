/**
 * `meatus plan`: fingerprints a dataset and writes a training plan (spacing, patch, topology) as
 * editable JSON.
 */
import { parseCli, positive } from './args.js';
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
  --seed S          seed of the foreground intensity sampling (default 1234)`;

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
    },
    ['dataset', 'out'],
  );
  if (typeof values === 'number') return values;
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new Error(`--seed: expected an integer, got '${values.seed}'`);
  const memoryBudgetMB = positive('budget-mb', values['budget-mb'], false);
  const batchSize = positive('batch-size', values['batch-size'], true);
  const fp = await computeFingerprint(values.dataset!, {
    seed,
    onProgress: (done, total, id) => process.stderr.write(`\rfingerprint ${done}/${total} ${id}    `),
  });
  process.stderr.write('\n');
  const baseFeatures = positive('base-features', values['base-features'], true);
  const maxFeatures = positive('max-features', values['max-features'], true);
  const spacing =
    values.spacing === undefined
      ? undefined
      : (values.spacing.split(',').map(Number) as [number, number, number]);
  if (spacing && (spacing.length !== 3 || spacing.some((v) => !(v > 0))))
    throw new Error(`--spacing: expected three positive numbers Z,Y,X in mm, got '${values.spacing}'`);
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
