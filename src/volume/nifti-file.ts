/**
 * Reading and writing NIfTI files on disk (Node only; the codec itself is the browser-safe
 * `nifti.ts`). Writes never leave a half-written file: bytes go to a temporary name in the same
 * directory, which is then renamed over the target.
 */
import { readFile } from 'node:fs/promises';
import { constants as bufferConstants } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Vec3, Volume } from './volume.js';
import {
  decodeNifti,
  encodeNifti,
  geometryMismatch,
  headerGeometry,
  type DecodeNiftiOptions,
  type EncodeNiftiOptions,
  type NiftiImage,
} from './nifti.js';

/** Options of {@link writeNifti}: those of `encodeNifti`, plus a geometry reference. */
export interface WriteNiftiOptions extends EncodeNiftiOptions {
  /**
   * Copy the affine and spacing from this volume (e.g. write a segmentation in the geometry of
   * the image it was predicted from). Its shape must equal the volume's. When it was read from a
   * NIfTI file (a `NiftiImage`) and its grid is unchanged, its header geometry is written as it
   * was: sform, qform, their codes, pixdim and units.
   */
  reference?: Volume | NiftiImage;
}

/**
 * Reads a `.nii` or `.nii.gz` file (gzip detected from the content, not the suffix).
 * @throws Error naming the path if the file cannot be read or is not a valid NIfTI image (see
 *   `decodeNifti`).
 * @example const t2 = await readNifti('data/case01_T2.nii.gz');
 */
export async function readNifti(path: string, opts: DecodeNiftiOptions = {}): Promise<NiftiImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read NIfTI file (${(e as Error).message})`);
  }
  return decodeNifti(bytes, path, { inflate: nativeInflate, ...opts });
}

/**
 * Node's zlib as {@link DecodeNiftiOptions.inflate}: native and several times faster than the
 * browser-safe inflater (BENCHMARKS.md). zlib checks every member's CRC-32 and ISIZE and refuses
 * reserved header flags; any failure returns null, so the lazy inflater names the fault.
 */
function nativeInflate(compressed: Uint8Array, maxBytes: number): Uint8Array | null {
  try {
    const out = gunzipSync(compressed, { maxOutputLength: Math.min(maxBytes, bufferConstants.MAX_LENGTH) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch {
    return null;
  }
}

/**
 * Writes a volume as NIfTI: gzip-compressed when the path ends in `.gz` (`.nii.gz`), plain for
 * `.nii`. Written to a temporary file in the same directory and renamed, so a reader never sees
 * a partial file.
 * @throws Error if the path does not end in `.nii` or `.nii.gz`, `opts.gzip` contradicts the
 *   suffix, `opts.reference` has another shape, or `encodeNifti` refuses the volume.
 * @example await writeNifti('out/seg.nii.gz', seg, { datatype: 'uint8', reference: t2 });
 */
export async function writeNifti(path: string, vol: Volume, opts: WriteNiftiOptions = {}): Promise<void> {
  const gzip = path.endsWith('.nii.gz');
  if (!gzip && !path.endsWith('.nii')) {
    throw new Error(`writeNifti: path ${path} must end in .nii or .nii.gz`);
  }
  if (opts.gzip !== undefined && opts.gzip !== gzip) {
    throw new Error(`writeNifti: gzip: ${opts.gzip} contradicts the suffix of ${path}`);
  }
  const { reference, ...encodeOpts } = opts;
  let toWrite = vol;
  if (reference) {
    if (reference.shape.some((s, a) => s !== vol.shape[a])) {
      throw new Error(
        `writeNifti: ${path}: reference shape ${reference.shape.join('×')} differs from the volume's ` +
          `${vol.shape.join('×')}; expected equal shapes`,
      );
    }
    toWrite = { ...vol, affine: [...reference.affine], spacing: [...reference.spacing] as Vec3 };
  }
  // The reference's header geometry, unless the reference's grid was changed since it was read.
  const header = reference && 'header' in reference ? (reference as NiftiImage).header : undefined;
  const kept = header && !geometryMismatch(headerGeometry(header), reference!.shape, reference!.affine) ? headerGeometry(header) : undefined;
  const geometry = encodeOpts.geometry ?? kept;
  const raw = encodeNifti(toWrite, { ...encodeOpts, gzip: false, ...(geometry ? { geometry } : {}) });
  // Node's zlib (native) rather than the codec's browser-safe deflate: several times faster on a head scan.
  await writeFileAtomic(path, gzip ? gzipSync(raw) : raw);
}
