/**
 * `meatus dataset`: inspect dataset folders.
 *
 * - `meatus dataset check DIR [--layout auto|nnunet|crossmoda] [--tolerance MM] [--json]`:
 *   validates the folder (see `src/data/check.ts`); exit code 1 when problems are found.
 * - `meatus dataset split DIR --out split.json [--seed S] [--proportions 195,32,56] [--pattern RE]`:
 *   a patient-level train/validation/test split of the training cases (see `src/data/split.ts`).
 * - `meatus dataset convert DIR --out NEW [--map 1=2,2=1,3=0 | --preset crossmoda2023]`: the labelled
 *   cases of DIR (nnU-Net raw or crossMoDA) as a new nnU-Net raw dataset with meatus's label values
 *   (see `src/data/convert.ts`, presets in `src/data/crossmoda.ts`).
 * - `meatus dataset import-dicom DIR --out NEW`: DICOM series and RT structure sets (e.g. TCIA's
 *   Vestibular-Schwannoma-SEG) as an nnU-Net raw dataset (`dataset-import-dicom.ts`).
 */

import { existsSync, statSync } from 'node:fs';
import { checkDataset } from '../data/check.js';
import { readCrossmodaDataset } from '../data/crossmoda.js';
import { readNnunetDataset } from '../data/nnunet.js';
import { splitPatients, writeSplit } from '../data/split.js';
import { convertDataset, parseLabelMap } from '../data/convert.js';
import { crossmodaTrainingCases, labelPreset } from '../data/crossmoda.js';
import { importDicomCli, IMPORT_DICOM_USAGE } from './dataset-import-dicom.js';
import { listTrainingCases } from '../preprocess/fingerprint.js';
import { checkOutput } from '../util/output-path.js';
import { ProgressBar } from '../util/progress.js';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { integer, nonNegative, oneOf, parseCommand, runSubcommand, UsageError } from './args.js';

/** One-line description for `meatus --help`. */
export const summary = 'check a dataset folder, split it by patient, convert its labels, or import DICOM';

const CHECK = 'meatus dataset check DIR [--layout auto|nnunet|crossmoda] [--tolerance MM] [--json]';
const SPLIT = 'meatus dataset split DIR --out split.json [--seed S] [--proportions 195,32,56] [--pattern REGEX] [--overwrite]';
const CONVERT = 'meatus dataset convert DIR --out NEW_DIR [--map FROM=TO,... | --preset crossmoda2023] [--modality T2|ceT1] [--overwrite]';

const USAGE = `usage:
  ${CHECK}
  ${SPLIT}
  ${CONVERT}
${IMPORT_DICOM_USAGE.split('\n\n')[0]}

check: reports geometry mismatches, unexpected label values, missing or unreadable files;
       exit code 1 when there are problems. Never modifies the dataset.
split: all timepoints of a patient go to the same set; patient/timepoint are read from case
       names with REGEX (named groups 'patient' and 'timepoint'; default <patient>_t<digits>).
convert: writes the labelled cases of DIR (nnU-Net raw or crossMoDA) to NEW_DIR as an nnU-Net raw
       dataset with meatus's labels (0 background, 1 extrameatal, 2 intrameatal), mapping label
       values with --map: e.g. --map 1=2,2=1,3=0 for data coded 1 = intrameatal, 2 = extrameatal,
       3 = cochlea. A value left outside 0–2 is an error naming the file. DIR is not modified.
       --preset crossmoda2023 applies crossMoDA 2023's codes (1 extra-meatal → 1, 2 intra-meatal → 2,
       3 cochlea → 0); \`meatus dataset check DIR\` prints each case's label values and counts first.
       crossMoDA releases label only the ceT1 scans: --modality ceT1 converts those (image channel
       'ceT1'); the default takes the T2 scans that have a label.
${IMPORT_DICOM_USAGE.split('\n\n').slice(1).join('\n\n')}`;

/** @throws UsageError unless `dir` is an existing folder. */
function existingFolder(dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`${dir}: the folder does not exist`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${dir}: is a file; expected a dataset folder`);
}

async function check(argv: string[]): Promise<number> {
  const a = parseCommand(
    {
      name: 'dataset check',
      usage: `usage: ${CHECK}\n\nReports geometry mismatches, unexpected label values, missing or unreadable files;\nexit code 1 when there are problems. Never modifies the dataset.`,
      options: { layout: { type: 'string' }, tolerance: { type: 'string' }, json: { type: 'boolean' } },
      positionals: { min: 1, max: 1, name: 'folder' },
    },
    argv,
  );
  if (typeof a === 'number') return a;
  const { values, positionals } = a;
  const layout = oneOf('layout', values.layout, ['auto', 'nnunet', 'crossmoda'] as const) ?? 'auto';
  const tolerance = nonNegative('tolerance', values.tolerance);
  existingFolder(positionals[0]);
  const report = await checkDataset(positionals[0], { layout, tolerance });
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const [id, counts] of Object.entries(report.labelCounts)) {
      const none = report.emptyLabels.includes(id) ? ' (no tumour)' : '';
      console.log(`${id}: label values ${Object.entries(counts).map(([v, n]) => `${v} (${n} voxels)`).join(', ')}${none}`);
    }
    for (const p of report.problems) console.log(`${p.file}: ${p.field}: ${p.message}`);
    for (const w of report.warnings) console.log(`warning: ${w.file}: ${w.field}: ${w.message}`);
    if (report.sourceCases) {
      console.log(`${report.sourceCases} ceT1 cases with labels (crossMoDA source domain) are not counted: meatus segments T2`);
    }
    console.log(
      `${positionals[0]} (${report.layout}): ${report.cases} cases, ${report.labelled} labelled, ` +
        (report.problems.length === 0 ? 'no problems' : `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`) +
        (report.warnings.length === 0 ? '' : `, ${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}`),
    );
  }
  return report.problems.length === 0 ? 0 : 1;
}

async function split(argv: string[]): Promise<number> {
  const a = parseCommand(
    {
      name: 'dataset split',
      usage: `usage: ${SPLIT}\n\nAll timepoints of a patient go to the same set; patient/timepoint are read from case names\nwith REGEX (named groups 'patient' and 'timepoint'; default <patient>_t<digits>).\n--overwrite replaces an existing split file.`,
      options: { out: { type: 'string' }, seed: { type: 'string' }, proportions: { type: 'string' }, pattern: { type: 'string' }, overwrite: { type: 'boolean' } },
      required: ['out'],
      positionals: { min: 1, max: 1, name: 'folder' },
    },
    argv,
  );
  if (typeof a === 'number') return a;
  const { values, positionals } = a;
  const dir = positionals[0];
  const seed = integer('seed', values.seed) ?? 0;
  let proportions: [number, number, number] | undefined;
  if (values.proportions !== undefined) {
    const p = values.proportions.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
    if (p.length !== 3 || p.some((v) => !(v >= 0) || !Number.isFinite(v)) || p.every((v) => v === 0)) {
      throw new UsageError(`--proportions: expected three non-negative numbers like 195,32,56, not all 0, got '${values.proportions}'`);
    }
    proportions = p as [number, number, number];
  }
  if (values.pattern !== undefined) {
    try {
      new RegExp(values.pattern);
    } catch (e) {
      throw new UsageError(`--pattern: not a regular expression (${(e as Error).message})`);
    }
  }
  existingFolder(dir);
  checkOutput('--out', values.out!, { kind: 'file', overwrite: Boolean(values.overwrite) });
  const isNnunet = await access(join(dir, 'dataset.json')).then(
    () => true,
    () => false,
  );
  const names = isNnunet
    ? (await readNnunetDataset(dir)).training.map((c) => c.id)
    : (await readCrossmodaDataset(dir)).cases.filter((c) => c.hrT2).map((c) => c.id);
  if (names.length === 0) throw new Error(`${dir}: no cases found; expected an nnU-Net raw or crossMoDA folder`);
  const s = splitPatients(names, { seed, proportions, pattern: values.pattern });
  await writeSplit(values.out!, s);
  const nPat = (set: string) => Object.values(s.patients).filter((v) => v === set).length;
  console.log(
    `wrote ${values.out}: train ${s.train.length} cases (${nPat('train')} patients), validation ${s.validation.length} (${nPat('validation')}), test ${s.test.length} (${nPat('test')})`,
  );
  return 0;
}

async function convert(argv: string[]): Promise<number> {
  const a = parseCommand(
    {
      name: 'dataset convert',
      usage: `usage: ${CONVERT}\n\n${USAGE.slice(USAGE.indexOf('convert: '))}`,
      options: { out: { type: 'string' }, map: { type: 'string' }, preset: { type: 'string' }, modality: { type: 'string' }, overwrite: { type: 'boolean' } },
      required: ['out'],
      positionals: { min: 1, max: 1, name: 'folder' },
      conflicts: [['map', 'preset']],
    },
    argv,
  );
  if (typeof a === 'number') return a;
  const { values, positionals } = a;
  let labelMap: ReadonlyMap<number, number> | undefined;
  try {
    labelMap = values.preset !== undefined ? labelPreset(values.preset).map : values.map === undefined ? undefined : parseLabelMap(values.map);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const modality = oneOf('modality', values.modality, ['T2', 'ceT1'] as const) ?? 'T2';
  existingFolder(positionals[0]);
  if (modality === 'ceT1' && existsSync(join(positionals[0], 'dataset.json'))) {
    throw new UsageError(`--modality ceT1: ${positionals[0]} is an nnU-Net raw dataset; the option picks the image of crossMoDA folders`);
  }
  if (resolve(values.out!) === resolve(positionals[0])) throw new UsageError(`--out ${values.out}: the source folder itself; choose another folder`);
  if (existsSync(values.out!) && !values.overwrite) {
    throw new UsageError(`--out ${values.out}: already exists; choose a new folder for the converted dataset, or pass --overwrite to replace it`);
  }
  checkOutput('--out', values.out!, { kind: 'dir', overwrite: Boolean(values.overwrite) });
  const cases = modality === 'ceT1' ? crossmodaTrainingCases(await readCrossmodaDataset(positionals[0]), 'ceT1') : await listTrainingCases(positionals[0]);
  let bar: ProgressBar | undefined;
  const n = await convertDataset(cases, values.out!, {
    labelMap,
    channelNames: modality === 'ceT1' ? ['ceT1'] : undefined,
    overwrite: Boolean(values.overwrite),
    onCase: (_done, total, id) => {
      bar ??= new ProgressBar(total, 'convert');
      bar.tick(1, id);
    },
  });
  const how = values.preset !== undefined ? ` with the preset ${values.preset}` : values.map !== undefined ? ` with the map ${values.map}` : '';
  console.log(`wrote ${n} labelled cases to ${values.out} (nnU-Net raw layout, labels 0/1/2)${how}`);
  return 0;
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  return runSubcommand('dataset', USAGE, argv, { check, split, convert, 'import-dicom': importDicomCli });
}
