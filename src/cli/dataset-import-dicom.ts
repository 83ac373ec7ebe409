/**
 * `meatus dataset import-dicom DIR --out NEW_DIR`: DICOM series and RT structure sets (e.g. TCIA's
 * Vestibular-Schwannoma-SEG) → an nnU-Net raw dataset (see `src/data/dicom/import.ts`). A
 * subcommand of `meatus dataset`, kept in its own file.
 */
import { existsSync, statSync } from 'node:fs';
import { importDicom } from '../data/dicom/import.js';
import type { SeriesKind } from '../data/dicom/vs-seg.js';
import { checkOutput } from '../util/output-path.js';
import { ProgressBar } from '../util/progress.js';
import { oneOf, parseCommand, UsageError } from './args.js';

/** The usage lines, shown by `meatus dataset --help` too. */
export const IMPORT_DICOM_USAGE = `  meatus dataset import-dicom DIR --out NEW_DIR [--modality T2|ceT1] [--series REGEX] [--roi REGEX]
                              [--cochlea] [--json]

import-dicom: turns the DICOM image series under DIR and their RTSTRUCT contours into an nnU-Net
       raw dataset at NEW_DIR (which must not exist): one case per patient and study, named
       <PatientID>_t<k> with k the study's place in date order; the tumour ROI (TV, AN, …; or
       --roi) rasterised as label 1 on the series' grid (even-odd rule at voxel centres); series
       without a structure set go to imagesTs. Writes dates.csv (case,date) and
       import-report.json (every case's UIDs; everything skipped, with the reason).
       --modality   which series become the images: T2 (default) or ceT1, found by Series
                    Description (t2_/CISS/FIESTA/…, or t1_/MPRAGE/…); --series REGEX replaces that
       --cochlea    also write the cochlea ROI to NEW_DIR/cochleaTr/<case>.nii.gz
       --json       print the import report as JSON
       The labels are the whole tumour (TCIA's VS-SEG has no intra/extrameatal split): train
       stage 1 on it with meatus train --task wholeTumour.`;

function regex(flag: string, v: string | undefined): RegExp | undefined {
  if (v === undefined) return undefined;
  try {
    return new RegExp(v, 'i');
  } catch (e) {
    throw new UsageError(`--${flag}: '${v}' is not a regular expression (${(e as Error).message})`);
  }
}

/** Runs the subcommand with `argv` (after `import-dicom`); returns the exit code. */
export async function importDicomCli(argv: string[]): Promise<number> {
  const a = parseCommand(
    {
      name: 'dataset import-dicom',
      usage: `usage:\n${IMPORT_DICOM_USAGE}`,
      options: {
        out: { type: 'string' },
        modality: { type: 'string' },
        series: { type: 'string' },
        roi: { type: 'string' },
        cochlea: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      required: ['out'],
      positionals: { min: 1, max: 1, name: 'folder' },
    },
    argv,
  );
  if (typeof a === 'number') return a;
  const { values, positionals } = a;
  const kind = oneOf<SeriesKind>('modality', values.modality, ['T2', 'ceT1']);
  const series = regex('series', values.series);
  const roi = regex('roi', values.roi);
  if (!existsSync(positionals[0]) || !statSync(positionals[0]).isDirectory()) {
    throw new UsageError(`${positionals[0]}: no such folder; expected a folder of DICOM files`);
  }
  if (existsSync(values.out!))
    throw new UsageError(`--out ${values.out}: already exists; choose a new folder for the imported dataset`);
  checkOutput('--out', values.out!, { kind: 'dir' });
  let bar: ProgressBar | undefined;
  let stage = '';
  const report = await importDicom(positionals[0], values.out!, {
    kind,
    series,
    roi,
    cochlea: values.cochlea,
    onProgress: (s, _done, total) => {
      if (s !== stage) [stage, bar] = [s, new ProgressBar(total, s === 'scan' ? 'read' : 'write')];
      bar!.tick(1);
    },
  });
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  for (const s of report.skipped) console.log(`skipped ${s.path}: ${s.reason}`);
  const tr = report.cases.filter((c) => c.set === 'Tr').length;
  const patients = new Set(report.cases.map((c) => c.patientId)).size;
  console.log(
    `imported ${report.cases.length} ${report.kind} cases of ${patients} patient${patients === 1 ? '' : 's'} into ${values.out}: ` +
      `${tr} labelled (imagesTr, labelsTr), ${report.cases.length - tr} without contours (imagesTs); ` +
      `${report.skipped.length} item${report.skipped.length === 1 ? '' : 's'} skipped (listed above and in import-report.json)`,
  );
  return 0;
}
