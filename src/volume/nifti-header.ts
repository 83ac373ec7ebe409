/**
 * The binary layouts of the NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers, and the datatype
 * table. Table-driven: one field list per version serves both reading and writing, in either byte
 * order. Pure (Uint8Array/DataView only), browser-safe.
 *
 * References: https://nifti.nimh.nih.gov/pub/dist/src/niftilib/nifti1.h and
 * https://nifti.nimh.nih.gov/pub/dist/doc/nifti2.h
 */

/** The header fields meatus reads and writes, as plain numbers and strings (both versions). */
export interface RawNiftiHeader {
  sizeofHdr: number;
  /** Raw magic bytes as a latin1 string (4 chars for v1, 8 for v2), NULs included. */
  magic: string;
  dimInfo: number;
  /** dim[0..7] as stored. */
  dim: number[];
  intentP: number[];
  intentCode: number;
  datatype: number;
  bitpix: number;
  sliceStart: number;
  /** pixdim[0..7] as stored; pixdim[0] is qfac. */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  sliceEnd: number;
  sliceCode: number;
  xyztUnits: number;
  calMax: number;
  calMin: number;
  sliceDuration: number;
  toffset: number;
  descrip: string;
  auxFile: string;
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quatern: number[];
  /** qoffset_x, qoffset_y, qoffset_z. */
  qoffset: number[];
  /** srow_x, srow_y, srow_z: 12 numbers, row-major. */
  srow: number[];
  intentName: string;
}

type FieldType = 'u8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64' | 'str' | 'raw';
interface FieldSpec {
  off: number;
  type: FieldType;
  /** Number of elements for array fields; byte length for 'str'/'raw'. */
  n?: number;
}
type Layout = { [K in keyof RawNiftiHeader]: FieldSpec };

/** Field offsets of the NIfTI-1 header (nifti1.h). */
const V1: Layout = {
  sizeofHdr: { off: 0, type: 'i32' },
  dimInfo: { off: 39, type: 'u8' },
  dim: { off: 40, type: 'i16', n: 8 },
  intentP: { off: 56, type: 'f32', n: 3 },
  intentCode: { off: 68, type: 'i16' },
  datatype: { off: 70, type: 'i16' },
  bitpix: { off: 72, type: 'i16' },
  sliceStart: { off: 74, type: 'i16' },
  pixdim: { off: 76, type: 'f32', n: 8 },
  voxOffset: { off: 108, type: 'f32' },
  sclSlope: { off: 112, type: 'f32' },
  sclInter: { off: 116, type: 'f32' },
  sliceEnd: { off: 120, type: 'i16' },
  sliceCode: { off: 122, type: 'u8' },
  xyztUnits: { off: 123, type: 'u8' },
  calMax: { off: 124, type: 'f32' },
  calMin: { off: 128, type: 'f32' },
  sliceDuration: { off: 132, type: 'f32' },
  toffset: { off: 136, type: 'f32' },
  descrip: { off: 148, type: 'str', n: 80 },
  auxFile: { off: 228, type: 'str', n: 24 },
  qformCode: { off: 252, type: 'i16' },
  sformCode: { off: 254, type: 'i16' },
  quatern: { off: 256, type: 'f32', n: 3 },
  qoffset: { off: 268, type: 'f32', n: 3 },
  srow: { off: 280, type: 'f32', n: 12 },
  intentName: { off: 328, type: 'str', n: 16 },
  magic: { off: 344, type: 'raw', n: 4 },
};

/** Field offsets of the NIfTI-2 header (nifti2.h). */
const V2: Layout = {
  sizeofHdr: { off: 0, type: 'i32' },
  magic: { off: 4, type: 'raw', n: 8 },
  datatype: { off: 12, type: 'i16' },
  bitpix: { off: 14, type: 'i16' },
  dim: { off: 16, type: 'i64', n: 8 },
  intentP: { off: 80, type: 'f64', n: 3 },
  pixdim: { off: 104, type: 'f64', n: 8 },
  voxOffset: { off: 168, type: 'i64' },
  sclSlope: { off: 176, type: 'f64' },
  sclInter: { off: 184, type: 'f64' },
  calMax: { off: 192, type: 'f64' },
  calMin: { off: 200, type: 'f64' },
  sliceDuration: { off: 208, type: 'f64' },
  toffset: { off: 216, type: 'f64' },
  sliceStart: { off: 224, type: 'i64' },
  sliceEnd: { off: 232, type: 'i64' },
  descrip: { off: 240, type: 'str', n: 80 },
  auxFile: { off: 320, type: 'str', n: 24 },
  qformCode: { off: 344, type: 'i32' },
  sformCode: { off: 348, type: 'i32' },
  quatern: { off: 352, type: 'f64', n: 3 },
  qoffset: { off: 376, type: 'f64', n: 3 },
  srow: { off: 400, type: 'f64', n: 12 },
  sliceCode: { off: 496, type: 'i32' },
  xyztUnits: { off: 500, type: 'i32' },
  intentCode: { off: 504, type: 'i32' },
  intentName: { off: 508, type: 'str', n: 16 },
  dimInfo: { off: 524, type: 'u8' },
};

/** Header size in bytes, per version. */
export const HEADER_SIZE = { 1: 348, 2: 540 } as const;
/** Where the voxels start in a file meatus writes (header + 4-byte extension flag). */
export const WRITE_VOX_OFFSET = { 1: 352, 2: 544 } as const;
/** The single-file magic, per version. */
export const MAGIC = { 1: 'n+1\0', 2: 'n+2\0\r\n\x1a\n' } as const;

const ELEMENT_SIZE: Record<FieldType, number> = {
  u8: 1,
  i16: 2,
  i32: 4,
  i64: 8,
  f32: 4,
  f64: 8,
  str: 1,
  raw: 1,
};

function readScalar(view: DataView, off: number, type: FieldType, le: boolean): number {
  switch (type) {
    case 'u8':
      return view.getUint8(off);
    case 'i16':
      return view.getInt16(off, le);
    case 'i32':
      return view.getInt32(off, le);
    case 'i64':
      return Number(view.getBigInt64(off, le));
    case 'f32':
      return view.getFloat32(off, le);
    default:
      return view.getFloat64(off, le);
  }
}

function writeScalar(view: DataView, off: number, type: FieldType, le: boolean, v: number): void {
  switch (type) {
    case 'u8':
      return view.setUint8(off, v);
    case 'i16':
      return view.setInt16(off, v, le);
    case 'i32':
      return view.setInt32(off, v, le);
    case 'i64':
      return view.setBigInt64(off, BigInt(Math.trunc(v)), le);
    case 'f32':
      return view.setFloat32(off, v, le);
    default:
      return view.setFloat64(off, v, le);
  }
}

/**
 * Reads every header field of the given version and byte order. The caller has checked that
 * `bytes` holds at least {@link HEADER_SIZE}[version] bytes.
 */
export function readRawHeader(bytes: Uint8Array, version: 1 | 2, littleEndian: boolean): RawNiftiHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE[version]);
  const layout = version === 1 ? V1 : V2;
  const out: Record<string, number | number[] | string> = {};
  for (const [key, spec] of Object.entries(layout) as [keyof RawNiftiHeader, FieldSpec][]) {
    if (spec.type === 'str' || spec.type === 'raw') {
      let s = '';
      for (let i = 0; i < (spec.n ?? 1); i++) s += String.fromCharCode(bytes[spec.off + i]);
      out[key] = spec.type === 'str' ? s.split('\0')[0] : s;
    } else if (spec.n !== undefined) {
      const arr: number[] = [];
      for (let i = 0; i < spec.n; i++)
        arr.push(readScalar(view, spec.off + i * ELEMENT_SIZE[spec.type], spec.type, littleEndian));
      out[key] = arr;
    } else {
      out[key] = readScalar(view, spec.off, spec.type, littleEndian);
    }
  }
  return out as unknown as RawNiftiHeader;
}

/**
 * Serialises a header (little-endian) followed by the 4-byte extension flag (all zero), i.e.
 * {@link WRITE_VOX_OFFSET}[version] bytes. Strings longer than their field are cut; non-latin1
 * characters are written as '?'.
 */
export function writeRawHeader(h: RawNiftiHeader, version: 1 | 2): Uint8Array {
  const bytes = new Uint8Array(WRITE_VOX_OFFSET[version]);
  const view = new DataView(bytes.buffer);
  const layout = version === 1 ? V1 : V2;
  for (const [key, spec] of Object.entries(layout) as [keyof RawNiftiHeader, FieldSpec][]) {
    const value = h[key];
    if (spec.type === 'str' || spec.type === 'raw') {
      const s = String(value);
      // A 'str' field keeps its last byte for the terminating NUL.
      const max = spec.type === 'str' ? (spec.n ?? 1) - 1 : (spec.n ?? 1);
      for (let i = 0; i < Math.min(s.length, max); i++) {
        const c = s.charCodeAt(i);
        bytes[spec.off + i] = c < 256 ? c : 63;
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => writeScalar(view, spec.off + i * ELEMENT_SIZE[spec.type], spec.type, true, v));
    } else {
      writeScalar(view, spec.off, spec.type, true, value as number);
    }
  }
  return bytes;
}

/** What meatus knows about one NIfTI datatype code. */
export interface NiftiDatatype {
  code: number;
  name: string;
  /** Bytes per voxel. */
  bytes: number;
  /**
   * How voxels are held in memory: the typed array of the same kind, or `float64` for 64-bit
   * integers (exact up to 2^53).
   */
  array:
    'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'int64' | 'uint64';
}

/** The datatypes meatus reads (codes from nifti1.h). */
export const DATATYPES: readonly NiftiDatatype[] = [
  { code: 2, name: 'uint8', bytes: 1, array: 'uint8' },
  { code: 4, name: 'int16', bytes: 2, array: 'int16' },
  { code: 8, name: 'int32', bytes: 4, array: 'int32' },
  { code: 16, name: 'float32', bytes: 4, array: 'float32' },
  { code: 64, name: 'float64', bytes: 8, array: 'float64' },
  { code: 256, name: 'int8', bytes: 1, array: 'int8' },
  { code: 512, name: 'uint16', bytes: 2, array: 'uint16' },
  { code: 768, name: 'uint32', bytes: 4, array: 'uint32' },
  { code: 1024, name: 'int64', bytes: 8, array: 'int64' },
  { code: 1280, name: 'uint64', bytes: 8, array: 'uint64' },
];

/** NIfTI datatype codes meatus recognises but does not read, with their names (for messages). */
export const UNSUPPORTED_DATATYPES: Readonly<Record<number, string>> = {
  1: 'binary',
  32: 'complex64',
  128: 'rgb24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};
