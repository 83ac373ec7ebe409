/**
 * Decoding the pixels of one single-frame greyscale DICOM slice.
 *
 * Native (uncompressed) transfer syntaxes are decoded: implicit VR little endian, explicit VR
 * little endian, deflated explicit VR little endian (inflated by dicom-parser) and the retired
 * explicit VR big endian. Compressed ones (JPEG, JPEG-LS, JPEG 2000, RLE, …) are refused by name:
 * decode them first, e.g. `gdcmconv --raw` or `dcmdjpeg`.
 */
import type { DataSet } from 'dicom-parser';
import { DicomSkip, type ImageAttributes } from './file.js';

/** The transfer syntaxes whose pixel data are stored natively, and whether they are big endian. */
const NATIVE: Readonly<Record<string, { name: string; bigEndian: boolean }>> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', bigEndian: false },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', bigEndian: false },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', bigEndian: false },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', bigEndian: true },
};

/** Names of compressed transfer syntaxes, for the refusal message (PS3.6 Annex A). */
const COMPRESSED: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

/**
 * Why a transfer syntax cannot be decoded (its name and UID), or undefined when it can.
 * @example transferSyntaxProblem('1.2.840.10008.1.2.4.70') // 'compressed transfer syntax JPEG Lossless, … (1.2.840.10008.1.2.4.70) …'
 */
export function transferSyntaxProblem(uid: string): string | undefined {
  if (uid in NATIVE) return undefined;
  const name =
    COMPRESSED[uid] ??
    (uid.startsWith('1.2.840.10008.1.2.4.') ? 'a JPEG-family compression' : 'an unknown transfer syntax');
  return `compressed transfer syntax ${name} (${uid || 'none given'}) cannot be decoded by meatus; decompress the series first (e.g. gdcmconv --raw or dcmdjpeg)`;
}

/** The typed array a slice's stored values fit in. */
export type StoredArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/**
 * The stored pixel values of one slice, row by row (column fastest), before rescaling: `rows ×
 * columns` values of the type given by Bits Allocated and Pixel Representation. Bits above Bits
 * Stored are masked off, and signed values sign-extended from bit Bits Stored − 1.
 * @throws DicomSkip naming `path` for a compressed or unknown transfer syntax, several frames or
 *   samples per pixel, an unsupported bit depth, or pixel data shorter than rows × columns.
 */
export function decodeSlice(
  ds: DataSet,
  a: ImageAttributes,
  transferSyntax: string,
  path: string,
): StoredArray {
  const syntaxProblem = transferSyntaxProblem(transferSyntax);
  if (syntaxProblem) throw new DicomSkip(`${path}: ${syntaxProblem}`);
  if (a.numberOfFrames !== 1)
    throw new DicomSkip(
      `${path}: ${a.numberOfFrames} frames (enhanced multi-frame DICOM); expected one slice per file`,
    );
  if (a.samplesPerPixel !== 1)
    throw new DicomSkip(
      `${path}: ${a.samplesPerPixel} samples per pixel (colour); expected a greyscale image`,
    );
  const el = ds.elements.x7fe00010;
  if (!el) throw new DicomSkip(`${path}: no Pixel Data (7FE0,0010)`);
  if (el.encapsulatedPixelData)
    throw new DicomSkip(`${path}: encapsulated (compressed) Pixel Data in a native transfer syntax`);
  const n = a.rows * a.columns;
  const bytesPer = a.bitsAllocated / 8;
  if (![8, 16, 32].includes(a.bitsAllocated))
    throw new DicomSkip(`${path}: Bits Allocated ${a.bitsAllocated}; expected 8, 16 or 32`);
  if (el.length < n * bytesPer) {
    throw new DicomSkip(
      `${path}: Pixel Data holds ${el.length} bytes; expected ${n * bytesPer} (${a.rows} × ${a.columns} × ${bytesPer})`,
    );
  }
  const signed = a.pixelRepresentation === 1;
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, n * bytesPer);
  const little = !NATIVE[transferSyntax].bigEndian;
  const out: StoredArray =
    a.bitsAllocated === 8
      ? signed
        ? new Int8Array(n)
        : new Uint8Array(n)
      : a.bitsAllocated === 16
        ? signed
          ? new Int16Array(n)
          : new Uint16Array(n)
        : signed
          ? new Int32Array(n)
          : new Uint32Array(n);
  const bits = Math.min(a.bitsStored, a.bitsAllocated);
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  const signBit = bits >= 32 ? 0 : 1 << (bits - 1);
  for (let i = 0; i < n; i++) {
    let v =
      a.bitsAllocated === 8
        ? view.getUint8(i)
        : a.bitsAllocated === 16
          ? view.getUint16(2 * i, little)
          : view.getUint32(4 * i, little);
    if (bits < a.bitsAllocated) {
      v &= mask;
      if (signed && v & signBit) v -= 2 * signBit;
    } else if (signed) {
      v = a.bitsAllocated === 8 ? (v << 24) >> 24 : a.bitsAllocated === 16 ? (v << 16) >> 16 : v | 0;
    }
    out[i] = v;
  }
  return out;
}
