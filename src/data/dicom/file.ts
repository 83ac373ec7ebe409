/**
 * One DICOM file's header: the attributes the importer uses, read with `dicom-parser` (a
 * well-kept parser from npm; meatus does not parse DICOM itself). Pixel data are decoded by
 * `pixels.ts`, structure sets by `rtstruct.ts`.
 *
 * Only DICOM Part-10 files (128-byte preamble, `DICM`, file meta information) are read; anything
 * else is reported as not DICOM.
 */
import { readFile } from 'node:fs/promises';
import dicomParser, { type DataSet } from 'dicom-parser';

/** What one file holds, as far as the importer cares. */
export interface DicomHeader {
  path: string;
  /** (0002,0010) */
  transferSyntax: string;
  /** (0008,0016) */
  sopClassUid: string;
  /** (0008,0018) */
  sopInstanceUid: string;
  /** (0008,0060), e.g. `MR`, `RTSTRUCT`, `RTPLAN`. */
  modality: string;
  /** (0010,0020) */
  patientId: string;
  /** (0020,000D) */
  studyInstanceUid: string;
  /** (0008,0020) `YYYYMMDD`, or '' when absent. */
  studyDate: string;
  /** (0008,0030) `HHMMSS.frac`, or ''. */
  studyTime: string;
  /** (0020,000E) */
  seriesInstanceUid: string;
  /** (0008,103E), or ''. */
  seriesDescription: string;
  /** (0020,0052), or ''. */
  frameOfReferenceUid: string;
  /** Image attributes; absent for non-image objects (no Pixel Data). */
  image?: ImageAttributes;
}

/** The attributes of an image slice that define its geometry and pixel format. */
export interface ImageAttributes {
  /** (0020,0032) Image Position (Patient): the centre of the first transmitted voxel, LPS mm. */
  position: [number, number, number];
  /** (0020,0037) Image Orientation (Patient): row direction then column direction cosines, LPS. */
  orientation: [number, number, number, number, number, number];
  /** (0028,0030) Pixel Spacing: [between rows (vertical), between columns (horizontal)], mm. */
  pixelSpacing: [number, number];
  /** (0028,0010), (0028,0011) */
  rows: number;
  columns: number;
  /** (0028,0100), (0028,0101), (0028,0103), (0028,0002) */
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  /** (0028,0008), 1 when absent. */
  numberOfFrames: number;
  /** (0028,1053), (0028,1052): stored value × slope + intercept; 1 and 0 when absent. */
  rescaleSlope: number;
  rescaleIntercept: number;
  /** (0020,0013), or NaN: not used for ordering (positions are), kept for reports. */
  instanceNumber: number;
}

/** A file that is DICOM but cannot be used, or is not DICOM: the reason, for the import report. */
export class DicomSkip extends Error {}

/**
 * Parses DICOM bytes with dicom-parser.
 * @param untilPixelData stop before the Pixel Data element (headers only).
 * @throws DicomSkip naming `path` when the bytes are not a DICOM Part-10 file or cannot be parsed.
 */
export function parseDicomBytes(bytes: Uint8Array, path: string, untilPixelData = false): DataSet {
  const magic = bytes.length >= 132 ? String.fromCharCode(...bytes.subarray(128, 132)) : '';
  if (magic !== 'DICM')
    throw new DicomSkip(`${path}: not a DICOM Part-10 file (no 'DICM' after the 128-byte preamble)`);
  try {
    return dicomParser.parseDicom(bytes, untilPixelData ? { untilTag: 'x7fe00010' } : {});
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (/DICM prefix not found/.test(why))
      throw new DicomSkip(`${path}: not a DICOM Part-10 file (no 'DICM' after the preamble)`);
    throw new DicomSkip(`${path}: cannot be parsed as DICOM (${why})`);
  }
}

function numbers(ds: DataSet, tag: string, n: number, path: string, name: string): number[] {
  const text = ds.string(tag);
  const v = text === undefined ? [] : text.split('\\').map((s) => Number(s.trim()));
  if (v.length !== n || v.some((x) => !Number.isFinite(x))) {
    throw new DicomSkip(
      `${path}: ${name} (${tag.slice(1, 5)},${tag.slice(5)}) is '${text ?? ''}'; expected ${n} numbers`,
    );
  }
  return v;
}

function required(ds: DataSet, tag: string, path: string, name: string): string {
  const v = ds.string(tag);
  if (!v) throw new DicomSkip(`${path}: ${name} (${tag.slice(1, 5)},${tag.slice(5)}) is missing`);
  return v;
}

function imageAttributes(ds: DataSet, path: string): ImageAttributes {
  const int = (tag: string, name: string, def?: number): number => {
    const v = ds.uint16(tag);
    if (v === undefined) {
      if (def !== undefined) return def;
      throw new DicomSkip(`${path}: ${name} (${tag.slice(1, 5)},${tag.slice(5)}) is missing`);
    }
    return v;
  };
  const num = (tag: string, def: number): number => {
    const v = ds.floatString(tag);
    return v === undefined || !Number.isFinite(v) ? def : v;
  };
  return {
    position: numbers(ds, 'x00200032', 3, path, 'Image Position (Patient)') as [number, number, number],
    orientation: numbers(
      ds,
      'x00200037',
      6,
      path,
      'Image Orientation (Patient)',
    ) as ImageAttributes['orientation'],
    pixelSpacing: numbers(ds, 'x00280030', 2, path, 'Pixel Spacing') as [number, number],
    rows: int('x00280010', 'Rows'),
    columns: int('x00280011', 'Columns'),
    bitsAllocated: int('x00280100', 'Bits Allocated'),
    bitsStored: int('x00280101', 'Bits Stored', int('x00280100', 'Bits Allocated')),
    pixelRepresentation: int('x00280103', 'Pixel Representation', 0),
    samplesPerPixel: int('x00280002', 'Samples per Pixel', 1),
    numberOfFrames: ds.intString('x00280008') ?? 1,
    rescaleSlope: num('x00281053', 1),
    rescaleIntercept: num('x00281052', 0),
    instanceNumber: ds.intString('x00200013') ?? NaN,
  };
}

/**
 * The header of a parsed data set. A data set with Pixel Data (or stopped before it) is an image
 * and must carry the geometry attributes.
 * @throws DicomSkip naming `path` and the attribute when a required one is missing or malformed.
 */
export function dicomHeader(ds: DataSet, path: string): DicomHeader {
  const modality = required(ds, 'x00080060', path, 'Modality');
  const isImage = ds.elements.x7fe00010 !== undefined || ds.elements.x00280010 !== undefined;
  return {
    path,
    transferSyntax: ds.string('x00020010') ?? '',
    sopClassUid: ds.string('x00080016') ?? '',
    sopInstanceUid: required(ds, 'x00080018', path, 'SOP Instance UID'),
    modality,
    patientId: ds.string('x00100020') ?? '',
    studyInstanceUid: required(ds, 'x0020000d', path, 'Study Instance UID'),
    studyDate: ds.string('x00080020') ?? '',
    studyTime: ds.string('x00080030') ?? '',
    seriesInstanceUid: required(ds, 'x0020000e', path, 'Series Instance UID'),
    seriesDescription: ds.string('x0008103e') ?? '',
    frameOfReferenceUid: ds.string('x00200052') ?? '',
    ...(isImage ? { image: imageAttributes(ds, path) } : {}),
  };
}

/**
 * Reads a file's header (stopping before the pixel data) and, for structure sets, the whole data set.
 * @throws DicomSkip naming the file when it is not DICOM or lacks a required attribute; Error when
 *   it cannot be read at all.
 */
export async function readDicomHeader(path: string): Promise<{ header: DicomHeader; dataSet: DataSet }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DicomSkip(`${path}: cannot read (${(e as Error).message})`);
  }
  const dataSet = parseDicomBytes(bytes, path, true);
  return { header: dicomHeader(dataSet, path), dataSet };
}
