/**
 * Classifies what the NIfTI reader did with a fuzzed file. A read is checked against an independent
 * reading of the bytes: node's zlib (which checks the gzip CRC-32 itself) and a minimal decoder
 * written here with DataView from nifti1.h/nifti2.h, not with meatus's header code.
 *
 * Classes: `valid` (read, and every voxel, the shape and finite geometry agree with the file),
 * `refused` (an `Error` whose message starts with the file name and names a field), and the
 * failures `wrong` (read, but not what the file holds), `unnamed` (an error not naming file and
 * field), `crash` (a throw that is not an `Error`); the driver adds `hang` and `memory`.
 */
import { gunzipSync } from 'node:zlib';
import type { NiftiImage } from '../../src/volume/nifti.js';

export const FAILURES = ['wrong', 'unnamed', 'crash', 'hang', 'memory'] as const;
export type Outcome = 'valid' | 'refused' | (typeof FAILURES)[number];

/** Words that name a header field or the part of the file at fault. */
const FIELDS = /sizeof_hdr|magic|dim\[|dim =|datatype|bitpix|vox_offset|scl_slope|scl_inter|srow_|quatern_|qoffset_|pixdim\[|affine|gzip|truncated|header/;

/** Bytes per voxel and how to read one element, by NIfTI datatype code. */
const TYPES: Record<number, { bytes: number; get: (v: DataView, o: number, le: boolean) => number; float64?: boolean }> = {
  2: { bytes: 1, get: (v, o) => v.getUint8(o) },
  256: { bytes: 1, get: (v, o) => v.getInt8(o) },
  4: { bytes: 2, get: (v, o, le) => v.getInt16(o, le) },
  512: { bytes: 2, get: (v, o, le) => v.getUint16(o, le) },
  8: { bytes: 4, get: (v, o, le) => v.getInt32(o, le) },
  768: { bytes: 4, get: (v, o, le) => v.getUint32(o, le) },
  16: { bytes: 4, get: (v, o, le) => v.getFloat32(o, le) },
  64: { bytes: 8, get: (v, o, le) => v.getFloat64(o, le), float64: true },
  1024: { bytes: 8, get: (v, o, le) => Number(v.getBigInt64(o, le)), float64: true },
  1280: { bytes: 8, get: (v, o, le) => Number(v.getBigUint64(o, le)), float64: true },
};

const same = (a: number, b: number) => a === b || (a !== a && b !== b);

/** Why `img` is not what `file` holds, or undefined when it is. */
export function checkRead(file: Uint8Array, img: NiftiImage): string | undefined {
  let bytes: Uint8Array;
  if (file.length >= 2 && file[0] === 0x1f && file[1] === 0x8b) {
    try {
      bytes = gunzipSync(file);
    } catch (e) {
      return `read a .nii.gz that zlib refuses (${(e as Error).message})`;
    }
  } else bytes = file;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let version = 0;
  let le = true;
  for (const l of [true, false]) {
    const s = v.getInt32(0, l);
    if (s === 348 || s === 540) [version, le] = [s === 348 ? 1 : 2, l];
  }
  if (!version) return 'read a file whose sizeof_hdr is neither 348 nor 540';
  const dim = Array.from({ length: 8 }, (_, k) => (version === 1 ? v.getInt16(40 + 2 * k, le) : Number(v.getBigInt64(16 + 8 * k, le))));
  const code = version === 1 ? v.getInt16(70, le) : v.getInt16(12, le);
  const offset = version === 1 ? v.getFloat32(108, le) : Number(v.getBigInt64(168, le));
  const slope = version === 1 ? v.getFloat32(112, le) : v.getFloat64(176, le);
  const inter = version === 1 ? v.getFloat32(116, le) : v.getFloat64(184, le);
  const type = TYPES[code];
  if (!type) return `read datatype ${code}`;
  const size = (a: number) => (a <= dim[0] ? dim[a] : 1);
  const shape = [size(3), size(2), size(1)];
  if (shape.some((s, a) => s !== img.shape[a])) return `shape ${img.shape.join('×')}, the header says ${shape.join('×')}`;
  const channels = size(4);
  if ((img.channels ?? 1) !== channels) return `channels ${img.channels ?? 1}, the header says ${channels}`;
  const count = shape[0] * shape[1] * shape[2] * channels;
  if (img.data.length !== count) return `${img.data.length} voxels, the header says ${count}`;
  if (offset + count * type.bytes > bytes.length) return `read ${count} voxels at ${offset}, but the file has ${bytes.length} bytes`;
  const scaled = Number.isFinite(slope) && slope !== 0 && !(slope === 1 && inter === 0);
  for (let i = 0; i < count; i++) {
    let x = type.get(v, offset + i * type.bytes, le);
    if (scaled) x = type.float64 ? x * slope + inter : Math.fround(x * slope + inter);
    if (!same(img.data[i], x)) return `voxel ${i} is ${img.data[i]}, the file holds ${x}`;
  }
  if (!img.affine.every(Number.isFinite)) return `non-finite affine [${img.affine.join(', ')}] accepted`;
  if (!img.spacing.every((s) => Number.isFinite(s) && s > 0)) return `spacing ${img.spacing.join(', ')} accepted`;
  return undefined;
}

/** The outcome of decoding `file` named `name`: what it returned, or what it threw. */
export function classify(file: Uint8Array, name: string, result: { img: NiftiImage } | { error: unknown }): { outcome: Outcome; message: string } {
  if ('img' in result) {
    const why = checkRead(file, result.img);
    return why ? { outcome: 'wrong', message: why } : { outcome: 'valid', message: '' };
  }
  const e = result.error;
  if (!(e instanceof Error)) return { outcome: 'crash', message: `threw a ${typeof e}: ${String(e)}` };
  if (!e.message.startsWith(`${name}: `) || !FIELDS.test(e.message)) return { outcome: 'unnamed', message: `${e.name}: ${e.message}` };
  return { outcome: 'refused', message: e.message };
}
