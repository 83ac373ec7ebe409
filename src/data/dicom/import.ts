/**
 * `importDicom`: DICOM image series and their RT structure sets (e.g. TCIA's
 * Vestibular-Schwannoma-SEG) → an nnU-Net raw dataset meatus can check, plan and train on.
 *
 * - One case per study and patient: the series of the chosen kind (T2 by default, or ceT1) found
 *   by its Series Description (`vs-seg.ts`). Patient = PatientID (0010,0020); the patient's
 *   studies that give a case are ordered by StudyDate, StudyTime, StudyInstanceUID (a study
 *   without a date last) and numbered from 1, giving the case name `<PatientID>_t<k>` (characters other than letters, digits, `_`, `.`, `-` become `-`).
 * - The image: `series.ts` (geometry from the DICOM position/orientation attributes, LPS → RAS).
 * - The label: the tumour ROI of the structure set drawn on that series, rasterised by
 *   `rasterize.ts` (even–odd at voxel centres), written as 1 (`tumour`) on 0. The collections
 *   meatus knows draw the whole tumour, without an intra/extrameatal split, so the dataset is
 *   for `meatus train --task wholeTumour` (`dataset.json` says so). The cochlea ROI is ignored,
 *   or written to `cochleaTr/<case>.nii.gz` with `cochlea: true`.
 * - A series without a structure set becomes a test case (`imagesTs/`).
 * - `dates.csv` (`case,date`, ISO 8601 study dates) for growth reports, and `import-report.json`:
 *   every case with its source UIDs, and everything skipped with the reason.
 *
 * The destination must not exist; it is written to a temporary folder next to it and renamed at
 * the end, so a failed import leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { writeNifti } from '../../volume/nifti-file.js';
import { defaultDatatype } from '../../volume/nifti.js';
import type { Volume } from '../../volume/volume.js';
import { datasetJson, writeDatasetJson, writeNnunetCase } from '../nnunet.js';
import { formatScanDates, isoTime } from '../scan-dates.js';
import { DicomSkip, type DicomHeader } from './file.js';
import { transferSyntaxProblem } from './pixels.js';
import { rasterizeContours } from './rasterize.js';
import type { StructureSet } from './rtstruct.js';
import { scanDicomFolder, type Skip } from './scan.js';
import { readSeriesVolume, seriesGeometry, type SeriesGeometry } from './series.js';
import { cochleaRoi, SERIES_PATTERNS, seriesKind, tumourRoi, type SeriesKind } from './vs-seg.js';

/** Options of {@link importDicom}. */
export interface ImportDicomOptions {
  /** The image kind of the cases (default `T2`). */
  kind?: SeriesKind;
  /** A Series Description pattern replacing the default one of `kind`. */
  series?: RegExp;
  /** A ROI name pattern replacing the default tumour names. */
  roi?: RegExp;
  /** Also write the cochlea ROI to `cochleaTr/` (default: ignored). */
  cochlea?: boolean;
  /** Progress while reading headers, then while writing cases. */
  onProgress?: (stage: 'scan' | 'write', done: number, total: number) => void;
}

/** One imported case. */
export interface ImportedCase {
  case: string;
  set: 'Tr' | 'Ts';
  patientId: string;
  /** ISO date (YYYY-MM-DD), or '' when the study has none. */
  date: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesDescription: string;
  /** The folder of the series' first slice. */
  folder: string;
  shape: [number, number, number];
  /** The structure set and ROI the label comes from (training cases). */
  structureSet?: string;
  roi?: string;
  cochlea?: string;
}

/** What {@link importDicom} did. */
export interface ImportDicomReport {
  source: string;
  kind: SeriesKind;
  cases: ImportedCase[];
  skipped: Skip[];
}

interface Candidate {
  g: SeriesGeometry;
  first: DicomHeader;
  set?: StructureSet;
  mask?: Uint8Array;
  roi?: string;
  cochlea?: { name: string; mask: Uint8Array };
}

function isoDate(da: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  return Number.isFinite(isoTime(iso)) ? iso : '';
}

/** Why a Series Description is not taken as `kind`. */
function kindMismatch(description: string, kind: SeriesKind, pattern?: RegExp): string {
  if (pattern) return `its Series Description does not match --series ${pattern.source}`;
  const named = (Object.keys(SERIES_PATTERNS) as SeriesKind[]).filter((k) =>
    SERIES_PATTERNS[k].test(description),
  );
  if (named.length === 0)
    return `its Series Description names no kind meatus knows; choose the series with --series REGEX`;
  if (!named.includes(kind)) return `its Series Description names ${named.join(' and ')}`;
  return `its Series Description names ${named.join(' and ')}, so it is ambiguous; choose with --series REGEX`;
}

function describe(h: DicomHeader): string {
  return `${dirname(h.path)} ('${h.seriesDescription}')`;
}

/** The series a structure set was drawn on: by its Referenced Frame of Reference Sequence, else by its contours' images. */
function seriesOf(set: StructureSet, sopToSeries: Map<string, string>): string | undefined {
  if (set.referencedSeries.length > 0) return set.referencedSeries[0];
  for (const roi of set.rois)
    for (const c of roi.contours)
      for (const sop of c.referencedSops) if (sopToSeries.has(sop)) return sopToSeries.get(sop);
  return undefined;
}

/**
 * Imports the DICOM data under `dir` into a new nnU-Net raw dataset at `out` (see the module comment).
 * @returns what was imported and what was skipped, with reasons.
 * @throws Error if `out` exists, `dir` is not a folder, holds no DICOM image series, or nothing
 *   could be imported (the message lists the reasons); nothing is left at `out` then.
 */
export async function importDicom(
  dir: string,
  out: string,
  opts: ImportDicomOptions = {},
): Promise<ImportDicomReport> {
  const kind = opts.kind ?? 'T2';
  if (existsSync(out))
    throw new Error(`${out}: already exists; choose a new folder for the imported dataset`);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`${dir}: not a folder; expected a folder of DICOM files`);
  const scan = await scanDicomFolder(dir, (d, t) => opts.onProgress?.('scan', d, t));
  const skipped = [...scan.skipped];
  if (scan.files === 0) throw new Error(`${dir}: no files; expected DICOM series (and RTSTRUCT files)`);
  if (scan.series.size === 0) {
    const why = skipped
      .slice(0, 5)
      .map((s) => `${s.path}: ${s.reason}`)
      .join('; ');
    throw new Error(
      `${dir}: no DICOM image series among ${scan.files} files (${why}${skipped.length > 5 ? '; …' : ''})`,
    );
  }

  // Image series of the chosen kind with a usable geometry.
  const candidates = new Map<string, Candidate>();
  const otherKind = new Set<string>();
  const sopToSeries = new Map<string, string>();
  for (const [uid, slices] of scan.series) {
    for (const h of slices) sopToSeries.set(h.sopInstanceUid, uid);
    const first = slices[0];
    if (!seriesKind(first.seriesDescription, kind, opts.series)) {
      otherKind.add(uid);
      skipped.push({
        path: dirname(first.path),
        reason: `series '${first.seriesDescription}' (${first.modality}) is not ${kind}: ${kindMismatch(first.seriesDescription, kind, opts.series)}`,
      });
      continue;
    }
    const syntax = transferSyntaxProblem(first.transferSyntax);
    const img = first.image!;
    const why =
      syntax ??
      (img.numberOfFrames !== 1
        ? `${img.numberOfFrames} frames per file (enhanced multi-frame DICOM); one slice per file expected`
        : undefined) ??
      (img.samplesPerPixel !== 1
        ? `${img.samplesPerPixel} samples per pixel; a greyscale image expected`
        : undefined) ??
      (![8, 16, 32].includes(img.bitsAllocated)
        ? `Bits Allocated ${img.bitsAllocated}; 8, 16 or 32 expected`
        : undefined);
    if (why) {
      skipped.push({ path: dirname(first.path), reason: `series '${first.seriesDescription}': ${why}` });
      continue;
    }
    try {
      candidates.set(uid, { g: seriesGeometry(slices, describe(first)), first });
    } catch (e) {
      if (!(e instanceof DicomSkip)) throw e;
      skipped.push({ path: dirname(first.path), reason: e.message });
    }
  }

  // Structure sets onto their series.
  const refused = new Set<string>();
  for (const { header, set } of scan.structureSets) {
    const uid = seriesOf(set, sopToSeries);
    if (uid === undefined || !scan.series.has(uid)) {
      skipped.push({
        path: header.path,
        reason: `structure set drawn on series ${uid ?? '(none named)'}, which is not among the image series in ${dir}`,
      });
      continue;
    }
    if (otherKind.has(uid)) continue; // drawn on a series of another kind, reported with it
    const c = candidates.get(uid);
    if (!c) {
      skipped.push({
        path: header.path,
        reason: `structure set of the skipped series ${describe(scan.series.get(uid)![0])}`,
      });
      continue;
    }
    if (c.set) {
      skipped.push({
        path: header.path,
        reason: `a second structure set for ${describe(c.first)} (the first, ${c.set.path}, is used)`,
      });
      continue;
    }
    const roi = tumourRoi(set.rois, opts.roi);
    try {
      if (typeof roi === 'string') throw new DicomSkip(roi);
      c.mask = rasterizeContours(roi.contours, c.g, `${header.path}: ROI '${roi.name}'`);
      c.roi = roi.name;
      const co = opts.cochlea ? cochleaRoi(set.rois) : undefined;
      if (co)
        c.cochlea = {
          name: co.name,
          mask: rasterizeContours(co.contours, c.g, `${header.path}: ROI '${co.name}'`),
        };
      c.set = set;
    } catch (e) {
      if (!(e instanceof DicomSkip)) throw e;
      refused.add(uid);
      skipped.push({
        path: header.path,
        reason: `${e.message.startsWith(header.path) ? e.message.slice(header.path.length + 2) : e.message}; its series ${describe(c.first)} is not imported`,
      });
    }
  }

  // Cases: one series per patient and study, studies numbered in date order.
  const byPatient = new Map<string, Map<string, Candidate[]>>();
  for (const [uid, c] of candidates) {
    if (refused.has(uid)) continue;
    if (!c.first.patientId) {
      skipped.push({
        path: dirname(c.first.path),
        reason: `series '${c.first.seriesDescription}' has no PatientID (0010,0020); cases are named by patient`,
      });
      continue;
    }
    const studies = byPatient.get(c.first.patientId) ?? new Map<string, Candidate[]>();
    studies.set(c.first.studyInstanceUid, [...(studies.get(c.first.studyInstanceUid) ?? []), c]);
    byPatient.set(c.first.patientId, studies);
  }
  const plan: { c: Candidate; name: string }[] = [];
  const names = new Map<string, string>();
  for (const [patient, studies] of [...byPatient].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const safe = patient.replace(/[^A-Za-z0-9_.-]+/g, '-');
    if (names.has(safe)) {
      skipped.push({
        path: dir,
        reason: `patients '${names.get(safe)}' and '${patient}' give the same case name '${safe}'; the second is not imported`,
      });
      continue;
    }
    names.set(safe, patient);
    const ordered = [...studies.values()].map((list) => {
      list.sort((a, b) => Number(!!b.mask) - Number(!!a.mask) || b.g.shape[0] - a.g.shape[0]);
      for (const extra of list.slice(1)) {
        skipped.push({
          path: dirname(extra.first.path),
          reason: `another ${kind} series of the same study (${describe(list[0].first)}) is imported instead`,
        });
      }
      return list[0];
    });
    const key = (c: Candidate) =>
      [isoDate(c.first.studyDate) || '9999', c.first.studyTime, c.first.studyInstanceUid].join('|');
    ordered.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    ordered.forEach((c, k) => plan.push({ c, name: `${safe}_t${k + 1}` }));
  }
  if (plan.length === 0) {
    const why = skipped
      .slice(0, 6)
      .map((s) => `${s.path}: ${s.reason}`)
      .join('\n  ');
    throw new Error(
      `${dir}: nothing to import; what was skipped:\n  ${why}${skipped.length > 6 ? `\n  … ${skipped.length - 6} more` : ''}`,
    );
  }

  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  const cases: ImportedCase[] = [];
  try {
    for (const [n, { c, name }] of plan.entries()) {
      let image: Volume;
      try {
        image = await readSeriesVolume(c.g);
      } catch (e) {
        if (!(e instanceof DicomSkip)) throw e;
        skipped.push({ path: dirname(c.first.path), reason: e.message });
        continue;
      }
      const geometry = { shape: image.shape, spacing: image.spacing, affine: image.affine };
      const set = c.mask ? 'Tr' : 'Ts';
      await writeNnunetCase(tmp, name, [image], c.mask ? { ...geometry, data: c.mask } : undefined, {
        set,
        imageDatatype: defaultDatatype(image.data),
      });
      if (c.cochlea) await mkdir(join(tmp, 'cochleaTr'), { recursive: true });
      if (c.cochlea)
        await writeNifti(
          join(tmp, 'cochleaTr', `${name}.nii.gz`),
          { ...geometry, data: c.cochlea.mask },
          { datatype: 'uint8' },
        );
      cases.push({
        case: name,
        set,
        patientId: c.first.patientId,
        date: isoDate(c.first.studyDate),
        studyInstanceUid: c.first.studyInstanceUid,
        seriesInstanceUid: c.first.seriesInstanceUid,
        seriesDescription: c.first.seriesDescription,
        folder: dirname(c.first.path),
        shape: [...c.g.shape],
        ...(c.set ? { structureSet: c.set.path, roi: c.roi } : {}),
        ...(c.cochlea ? { cochlea: c.cochlea.name } : {}),
      });
      opts.onProgress?.('write', n + 1, plan.length);
    }
    if (cases.length === 0)
      throw new Error(
        `${dir}: no series could be read: ${skipped
          .slice(-3)
          .map((s) => s.reason)
          .join('; ')}`,
      );
    const numTraining = cases.filter((c) => c.set === 'Tr').length;
    await writeDatasetJson(
      tmp,
      datasetJson(numTraining, {
        channel_names: { '0': kind },
        labels: { background: 0, tumour: 1 },
        name: basename(out),
        description: `Imported by meatus dataset import-dicom from ${dir}: whole tumour only (no intra/extrameatal split); train with --task wholeTumour`,
      }),
    );
    const dated = cases.filter((c) => c.date);
    for (const c of cases.filter((c) => !c.date)) {
      skipped.push({
        path: c.folder,
        reason: `case ${c.case} is imported, but its study has no valid StudyDate (0008,0020): it is left out of dates.csv`,
      });
    }
    await writeFileAtomic(join(tmp, 'dates.csv'), formatScanDates(dated.map((c) => [c.case, c.date])));
    const report: ImportDicomReport = { source: dir, kind, cases, skipped };
    await writeFileAtomic(join(tmp, 'import-report.json'), JSON.stringify(report, null, 2) + '\n');
    await rename(tmp, out);
    return report;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
