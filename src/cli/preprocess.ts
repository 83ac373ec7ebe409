/**
 * `meatus preprocess`: crops, normalises and resamples a dataset's training cases as a plan says.
 */
import { existsSync } from 'node:fs';
import { oneOf, parseCli, positive, UsageError } from './args.js';
import { NONFINITE_POLICIES } from '../preprocess/input-check.js';
import { checkOutput } from '../util/output-path.js';
import { readPlan } from '../preprocess/plan.js';
import { preprocessDataset } from '../preprocess/preprocess.js';

/** One-line description for `meatus --help`. */
export const summary = 'preprocess a dataset for training (crop, z-score, resample to the plan)';

const USAGE = `usage: meatus preprocess --dataset DIR --plan PLAN.json --out DIR [options]

Writes, per training case, <id>.image.f32 (float32 [C, z, y, x]), <id>.label.u8 and <id>.json,
plus plan.json and cases.json, to the output folder.

options:
  --dataset DIR   dataset folder (nnU-Net raw layout or crossMoDA)
  --plan FILE     plan from \`meatus plan\`
  --out DIR       output folder
  --jobs N        worker threads (default: the number of cores; --workers is an alias)
  --overwrite     write into an --out that already holds preprocessed data
  --nonfinite refuse|replace-with-minimum
                  NaN/Inf voxels: refuse the case (default) or replace them by the image's
                  smallest finite value (README: "Inputs meatus accepts")`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const values = parseCli(
    'preprocess',
    USAGE,
    argv,
    {
      dataset: { type: 'string' },
      plan: { type: 'string' },
      out: { type: 'string' },
      jobs: { type: 'string' },
      overwrite: { type: 'boolean' },
      nonfinite: { type: 'string' },
    },
    ['dataset', 'plan', 'out'],
    { aliases: { workers: 'jobs' } },
  );
  if (typeof values === 'number') return values;
  const workers = positive('jobs', values.jobs);
  const nonfinite = oneOf('nonfinite', values.nonfinite, NONFINITE_POLICIES);
  if (!existsSync(values.dataset!)) throw new UsageError(`--dataset ${values.dataset}: no such folder`);
  checkOutput('--out', values.out!, { kind: 'dir', overwrite: Boolean(values.overwrite), outputs: ['cases.json', 'plan.json'] });
  const plan = await readPlan(values.plan!);
  const result = await preprocessDataset(values.dataset!, plan, values.out!, {
    workers,
    nonfinite,
    onProgress: (done, total, id) =>
      console.log(`${String(done).padStart(String(total).length)}/${total}  ${id}`),
  });
  console.log(`wrote ${result.cases.length} cases to ${values.out!} in ${result.seconds.toFixed(1)} s`);
  return 0;
}
