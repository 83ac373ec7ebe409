/**
 * Scanning a folder of DICOM files: every file's header is read (pixel data are not), image
 * slices are grouped into series by Series Instance UID, structure sets are parsed, and whatever
 * cannot be used is listed with the reason (not DICOM, unreadable, a non-image series such as
 * RTPLAN or RTDOSE, a malformed attribute).
 */
import { dirname } from 'node:path';
import { listFiles } from '../../util/list-files.js';
import { DicomSkip, readDicomHeader, type DicomHeader } from './file.js';
import { readStructureSet, type StructureSet } from './rtstruct.js';

/** Something left out of an import, and why. */
export interface Skip {
  /** The file or folder concerned. */
  path: string;
  reason: string;
}

/** What a folder holds. */
export interface DicomFolder {
  root: string;
  /** Files looked at. */
  files: number;
  /** Image slices by Series Instance UID. */
  series: Map<string, DicomHeader[]>;
  /** Structure sets with their file headers. */
  structureSets: { header: DicomHeader; set: StructureSet }[];
  skipped: Skip[];
}

/**
 * Reads the headers of every file under `root` (hidden files and folders excepted).
 * @param onFile called after each file (progress).
 * @throws Error when `root` cannot be listed.
 */
export async function scanDicomFolder(
  root: string,
  onFile?: (done: number, total: number) => void,
): Promise<DicomFolder> {
  const paths = await listFiles(root, 12);
  const series = new Map<string, DicomHeader[]>();
  const structureSets: DicomFolder['structureSets'] = [];
  const skipped: Skip[] = [];
  const nonImage = new Map<string, { modality: string; files: string[] }>();
  for (const [n, path] of paths.entries()) {
    try {
      const { header, dataSet } = await readDicomHeader(path);
      if (header.modality === 'RTSTRUCT') {
        structureSets.push({ header, set: readStructureSet(dataSet, path, header.sopInstanceUid) });
      } else if (header.image) {
        const list = series.get(header.seriesInstanceUid) ?? [];
        list.push(header);
        series.set(header.seriesInstanceUid, list);
      } else {
        const s = nonImage.get(header.seriesInstanceUid) ?? { modality: header.modality, files: [] };
        s.files.push(path);
        nonImage.set(header.seriesInstanceUid, s);
      }
    } catch (e) {
      if (!(e instanceof DicomSkip)) throw e;
      skipped.push({
        path,
        reason: e.message.startsWith(path) ? e.message.slice(path.length + 2) : e.message,
      });
    }
    onFile?.(n + 1, paths.length);
  }
  for (const [uid, s] of nonImage) {
    skipped.push({
      path: s.files.length === 1 ? s.files[0] : dirname(s.files[0]),
      reason: `not an image series (Modality ${s.modality}, ${s.files.length} file${s.files.length === 1 ? '' : 's'}, series ${uid})`,
    });
  }
  return { root, files: paths.length, series, structureSets, skipped };
}
