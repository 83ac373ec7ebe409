/**
 * An RT Structure Set (Modality `RTSTRUCT`, PS3.3 A.19): its regions of interest, their planar
 * contours in patient coordinates (LPS mm), and the image series they were drawn on.
 *
 * Attributes read: Structure Set ROI Sequence (3006,0020) → ROI Number (3006,0022), ROI Name
 * (3006,0026); ROI Contour Sequence (3006,0039) → Referenced ROI Number (3006,0084), Contour
 * Sequence (3006,0040) → Contour Geometric Type (3006,0042), Contour Data (3006,0050), Contour
 * Image Sequence (3006,0016) → Referenced SOP Instance UID (0008,1155); Referenced Frame of
 * Reference Sequence (3006,0010) → RT Referenced Study Sequence (3006,0012) → RT Referenced
 * Series Sequence (3006,0014) → Series Instance UID (0020,000E) — how TCIA's
 * Vestibular-Schwannoma-SEG ties each structure set to its T1 or T2 series (KCL-BMEIS/VS_Seg,
 * `preprocessing/TCIA_data_convert_into_convenient_folder_structure.py`, commit 524111b6).
 */
import type { DataSet } from 'dicom-parser';
import { DicomSkip } from './file.js';

/** One planar contour. */
export interface Contour {
  /** `CLOSED_PLANAR`, `POINT`, `OPEN_PLANAR`, … */
  type: string;
  /** x, y, z of each point, LPS mm. */
  points: number[];
  /** The image slices the contour says it lies on (Contour Image Sequence), possibly none. */
  referencedSops: string[];
}

/** One region of interest. */
export interface Roi {
  number: number;
  name: string;
  contours: Contour[];
}

/** A parsed structure set. */
export interface StructureSet {
  path: string;
  sopInstanceUid: string;
  /** The series named by the Referenced Frame of Reference Sequence, if any. */
  referencedSeries: string[];
  rois: Roi[];
}

function items(ds: DataSet, tag: string): DataSet[] {
  return (ds.elements[tag]?.items ?? []).flatMap((it) => (it.dataSet ? [it.dataSet] : []));
}

/**
 * Reads the structure set of a parsed RTSTRUCT file.
 * @throws DicomSkip naming the file when a contour's Contour Data is not a list of x\y\z triples.
 */
export function readStructureSet(ds: DataSet, path: string, sopInstanceUid: string): StructureSet {
  const names = new Map<number, string>();
  for (const it of items(ds, 'x30060020')) {
    const n = it.intString('x30060022');
    if (n !== undefined) names.set(n, it.string('x30060026') ?? `ROI ${n}`);
  }
  const rois: Roi[] = [];
  for (const it of items(ds, 'x30060039')) {
    const number = it.intString('x30060084') ?? NaN;
    const contours: Contour[] = [];
    for (const c of items(it, 'x30060040')) {
      const text = c.string('x30060050') ?? '';
      const points = text === '' ? [] : text.split('\\').map((v) => Number(v.trim()));
      if (points.length % 3 !== 0 || points.some((v) => !Number.isFinite(v))) {
        throw new DicomSkip(
          `${path}: ROI ${names.get(number) ?? number}: Contour Data (3006,0050) is not a list of x\\y\\z numbers (${points.length} values)`,
        );
      }
      contours.push({
        type: c.string('x30060042') ?? '',
        points,
        referencedSops: items(c, 'x30060016').flatMap((r) => r.string('x00081155') ?? []),
      });
    }
    rois.push({ number, name: names.get(number) ?? `ROI ${number}`, contours });
  }
  const referencedSeries: string[] = [];
  for (const f of items(ds, 'x30060010')) {
    for (const st of items(f, 'x30060012')) {
      for (const se of items(st, 'x30060014')) {
        const uid = se.string('x0020000e');
        if (uid) referencedSeries.push(uid);
      }
    }
  }
  return { path, sopInstanceUid, referencedSeries, rois };
}
