/**
 * A deterministic generator of mutated NIfTI-1/NIfTI-2 files for fuzzing the reader: mutant `i` of
 * seed `s` is the same bytes on every machine. Bases are small valid files meatus writes (a phantom
 * crop and synthetic volumes in several datatypes, NIfTI-1 and -2, plain and gzip); each mutant
 * applies one kind of damage:
 *
 * - `field`: one header field set to an edge value (0, −1, huge, NaN, ±Inf, a random integer);
 * - `bytes`: 1–8 random header bytes overwritten;
 * - `dims`: absurd dimensions (dim[0] out of range, sizes up to 2^15 or 2^40, negative);
 * - `geometry`: NaN/Inf/0 in srow, quatern, qoffset or pixdim, with sform/qform codes toggled;
 * - `scaling`: extreme scl_slope/scl_inter;
 * - `truncate`: the file (plain or compressed) cut at a random length;
 * - `gzip`: bits flipped in the compressed stream, its trailer damaged, garbage appended;
 * - `claim`: a header claiming a large image over 1–64 MiB of gzipped zeros (a "zip bomb");
 * - `voxels`: voxel bytes flipped in an uncompressed file (a valid file with other data).
 */
import { gzipSync } from 'fflate';
import { Rng } from '../../src/data/random.js';
import { generatePhantom } from '../../src/data/phantom/generate.js';
import { encodeNifti, type NiftiWriteDatatype } from '../../src/volume/nifti.js';
import { readRawHeader, writeRawHeader, HEADER_SIZE, type RawNiftiHeader } from '../../src/volume/nifti-header.js';
import { diagonalAffine, type Vec3, type VoxelArray } from '../../src/volume/volume.js';

/** One mutant: its bytes, a file name (used in error messages) and what was done. */
export interface Mutant {
  index: number;
  name: string;
  bytes: Uint8Array;
  kind: MutationKind;
  what: string;
}

export const KINDS = ['field', 'bytes', 'dims', 'geometry', 'scaling', 'truncate', 'gzip', 'claim', 'voxels'] as const;
export type MutationKind = (typeof KINDS)[number];

interface Base {
  /** The uncompressed file. */
  plain: Uint8Array;
  version: 1 | 2;
  gzip: boolean;
}

function synthetic(datatype: NiftiWriteDatatype, shape: Vec3, seed: number): VoxelArray {
  const rng = new Rng(`fuzz-base-${datatype}-${seed}`);
  const n = shape[0] * shape[1] * shape[2];
  const ranges: Record<NiftiWriteDatatype, [number, number, boolean]> = {
    uint8: [0, 255, true], int8: [-128, 127, true], int16: [-32768, 32767, true], uint16: [0, 65535, true],
    int32: [-(2 ** 31), 2 ** 31 - 1, true], uint32: [0, 2 ** 32 - 1, true], float32: [-1e3, 1e3, false], float64: [-1e6, 1e6, false],
  };
  const [lo, hi, int] = ranges[datatype];
  const ctor = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array }[datatype];
  const data = new ctor(n);
  for (let i = 0; i < n; i++) data[i] = int ? Math.floor(rng.uniform(lo, hi + 1)) : rng.uniform(lo, hi);
  return data;
}

let bases: Base[] | null = null;

/** The valid files every mutant starts from (built once per process). */
export function baseFiles(): Base[] {
  if (bases) return bases;
  const out: Base[] = [];
  const ph = generatePhantom({ cropSizeMm: [10, 12, 12] }, 14);
  for (const version of [1, 2] as const) out.push({ plain: encodeNifti(ph.image, { version }), version, gzip: true });
  out.push({ plain: encodeNifti(ph.label, { datatype: 'uint8' }), version: 1, gzip: true });
  out.push({ plain: encodeNifti(ph.image, { datatype: 'float32' }), version: 1, gzip: false });
  const types: NiftiWriteDatatype[] = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'];
  types.forEach((dt, k) => {
    const shape: Vec3 = [3 + (k % 3), 5, 4 + k];
    const spacing: Vec3 = [1.5, 0.5 + k / 10, 0.5];
    const vol = { data: synthetic(dt, shape, k), shape, spacing, affine: diagonalAffine(spacing, [k, -k, 3]) };
    const version = (k % 2 ? 2 : 1) as 1 | 2;
    out.push({ plain: encodeNifti(vol, { version }), version, gzip: k % 3 === 0 });
  });
  bases = out;
  for (const mib of [1, 4, 16, 64]) zeroMember(mib);
  return out;
}

const EDGE_INTS = [0, -1, 1, 2, 3, 4, 5, 7, 8, 255, 256, 348, 540, 32767, -32768, 2 ** 31 - 1, -(2 ** 31), 2 ** 40];
const EDGE_FLOATS = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-45, 3.4e38, -3.4e38, 1e300, 1e-300, 352, 351, 353, 1e9];

type NumField = { [K in keyof RawNiftiHeader]: RawNiftiHeader[K] extends number | number[] ? K : never }[keyof RawNiftiHeader];
const INT_FIELDS: NumField[] = ['dimInfo', 'dim', 'intentCode', 'datatype', 'bitpix', 'sliceStart', 'sliceEnd', 'sliceCode', 'xyztUnits', 'qformCode', 'sformCode', 'voxOffset'];
const FLOAT_FIELDS: NumField[] = ['intentP', 'pixdim', 'voxOffset', 'sclSlope', 'sclInter', 'calMax', 'calMin', 'sliceDuration', 'toffset', 'quatern', 'qoffset', 'srow'];

/** Clamps a value to what the field's stored type can hold (NIfTI-1: int16 / uint8 fields). */
function storable(field: NumField, v: number, version: 1 | 2): number {
  // NIfTI-2's 64-bit integer fields cannot hold a NaN or an infinity: the largest value instead.
  const i64 = version === 2 && ['dim', 'voxOffset', 'sliceStart', 'sliceEnd'].includes(field);
  if (!Number.isFinite(v)) return i64 ? (v > 0 ? 2 ** 62 : v < 0 ? -(2 ** 62) : 0) : v;
  const v1Int16 = ['dim', 'intentCode', 'datatype', 'bitpix', 'sliceStart', 'sliceEnd', 'qformCode', 'sformCode'];
  const uint8 = version === 1 ? ['dimInfo', 'sliceCode', 'xyztUnits'] : ['dimInfo'];
  if (uint8.includes(field)) return ((Math.trunc(v) % 256) + 256) % 256;
  if (version === 1 && v1Int16.includes(field)) return ((((Math.trunc(v) + 32768) % 65536) + 65536) % 65536) - 32768;
  if (version === 2 && field !== 'voxOffset' && INT_FIELDS.includes(field) && !FLOAT_FIELDS.includes(field)) {
    return field === 'dim' || field === 'sliceStart' || field === 'sliceEnd' ? Math.trunc(v) : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v)));
  }
  return v;
}

function withHeader(b: Base, edit: (h: RawNiftiHeader) => void): Uint8Array {
  const h = readRawHeader(b.plain, b.version, true);
  edit(h);
  const head = writeRawHeader(h, b.version);
  const out = b.plain.slice();
  out.set(head.subarray(0, HEADER_SIZE[b.version]));
  return out;
}

function setField(h: RawNiftiHeader, field: NumField, index: number, v: number, version: 1 | 2): void {
  const cur = h[field];
  const value = storable(field, v, version);
  if (Array.isArray(cur)) cur[index % cur.length] = value;
  else (h as unknown as Record<string, number>)[field] = value;
}

const zeroMembers = new Map<number, Uint8Array>();
function zeroMember(mib: number): Uint8Array {
  let z = zeroMembers.get(mib);
  if (!z) zeroMembers.set(mib, (z = gzipSync(new Uint8Array(mib << 20), { mtime: 0, level: 9 })));
  return z;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];

/**
 * Mutant `index` of `seed` (deterministic).
 * @example const m = mutant(1, 42); decodeNifti(m.bytes, m.name);
 */
export function mutant(seed: number, index: number): Mutant {
  const rng = new Rng(`nifti-fuzz/${seed}/${index}`);
  const all = baseFiles();
  const base = all[Math.floor(rng.next() * all.length)];
  const kind = KINDS[Math.floor(rng.next() * KINDS.length)];
  let gzip = base.gzip;
  let bytes: Uint8Array;
  let what: string;
  let compressed: Uint8Array | null = null;
  switch (kind) {
    case 'field': {
      const float = rng.bool();
      const field = pick(rng, float ? FLOAT_FIELDS : INT_FIELDS);
      const idx = Math.floor(rng.next() * 12);
      const v = rng.bool(0.8) ? pick(rng, float ? EDGE_FLOATS : EDGE_INTS) : Math.floor(rng.uniform(-70000, 70000));
      bytes = withHeader(base, (h) => setField(h, field, idx, v, base.version));
      what = `${field}[${idx}] = ${v}`;
      break;
    }
    case 'bytes': {
      bytes = base.plain.slice();
      const n = 1 + Math.floor(rng.next() * 8);
      const at: number[] = [];
      for (let k = 0; k < n; k++) {
        const p = Math.floor(rng.next() * HEADER_SIZE[base.version]);
        bytes[p] = Math.floor(rng.next() * 256);
        at.push(p);
      }
      what = `header bytes ${at.join(', ')}`;
      break;
    }
    case 'dims': {
      const d0 = rng.bool(0.3) ? Math.floor(rng.uniform(-2, 10)) : 3 + Math.floor(rng.next() * 2);
      const big = base.version === 2 && rng.bool(0.3) ? 2 ** 40 : 32767;
      const sizes = [1, 2, 3, 4].map(() => (rng.bool(0.5) ? pick(rng, [0, -1, 1, 2, big, Math.floor(rng.uniform(1, big))]) : null));
      bytes = withHeader(base, (h) => {
        h.dim[0] = d0;
        sizes.forEach((s, k) => {
          if (s !== null) h.dim[k + 1] = storable('dim', s, base.version);
        });
      });
      what = `dim[0] = ${d0}, dim[1..4] ← ${sizes.join(', ')}`;
      break;
    }
    case 'geometry': {
      const field = pick(rng, ['srow', 'quatern', 'qoffset', 'pixdim'] as const);
      const idx = field === 'pixdim' ? Math.floor(rng.uniform(0, 4)) : Math.floor(rng.next() * (field === 'srow' ? 12 : 3));
      const v = pick(rng, [NaN, Infinity, -Infinity, 0, 1e38, -1e-38]);
      const codes = pick(rng, [[1, 1], [1, 0], [0, 0], [0, 2]] as const);
      bytes = withHeader(base, (h) => {
        setField(h, field, idx, v, base.version);
        [h.qformCode, h.sformCode] = codes;
      });
      what = `${field}[${idx}] = ${v}, qform/sform codes ${codes.join('/')}`;
      break;
    }
    case 'scaling': {
      const slope = pick(rng, [3.4e38, -3.4e38, 1e30, 1e-30, NaN, Infinity, 0, 2, -1]);
      const inter = pick(rng, [0, 1, NaN, Infinity, 3.4e38, -1e20]);
      bytes = withHeader(base, (h) => {
        h.sclSlope = slope;
        h.sclInter = inter;
      });
      what = `scl_slope = ${slope}, scl_inter = ${inter}`;
      break;
    }
    case 'truncate': {
      if (gzip && rng.bool()) {
        const gz = gzipSync(base.plain, { mtime: 0 });
        compressed = gz.subarray(0, Math.floor(rng.next() * gz.length));
        what = `gzip stream cut at ${compressed.length} of ${gz.length}`;
      }
      bytes = base.plain.subarray(0, Math.floor(rng.next() * base.plain.length));
      what ??= `file cut at ${bytes.length} of ${base.plain.length}`;
      break;
    }
    case 'gzip': {
      gzip = true;
      bytes = base.plain;
      const gz = gzipSync(base.plain, { mtime: 0, level: rng.bool(0.3) ? 0 : 6 });
      const damage = pick(rng, ['flip', 'flip', 'trailer', 'garbage', 'header'] as const);
      compressed = gz.slice();
      if (damage === 'flip') {
        const n = 1 + Math.floor(rng.next() * 3);
        for (let k = 0; k < n; k++) compressed[10 + Math.floor(rng.next() * (gz.length - 18))] ^= 1 << Math.floor(rng.next() * 8);
      } else if (damage === 'trailer') {
        compressed[gz.length - 1 - Math.floor(rng.next() * 8)] ^= 1 << Math.floor(rng.next() * 8);
      } else if (damage === 'garbage') {
        const extra = Uint8Array.from({ length: 1 + Math.floor(rng.next() * 40) }, () => Math.floor(rng.next() * 256));
        compressed = new Uint8Array(gz.length + extra.length);
        compressed.set(gz);
        compressed.set(extra, gz.length);
      } else {
        compressed[2 + Math.floor(rng.next() * 8)] = Math.floor(rng.next() * 256);
      }
      what = `gzip ${damage}`;
      break;
    }
    case 'claim': {
      // A gzip member with the header, then one of 1, 8 or 64 MiB of zeros (made once per process).
      const mib = pick(rng, [1, 1, 4, 4, 16, 16, 16, 64]);
      const d = pick(rng, [32767, 4096, 1024, 300]);
      const head = withHeader(base, (h) => {
        h.dim = [3, d, d, storable('dim', Math.floor(rng.uniform(1, d)), base.version), 1, 1, 1, 1];
      }).subarray(0, HEADER_SIZE[base.version] + 4);
      const first = gzipSync(head, { mtime: 0 });
      const zeros = zeroMember(mib);
      compressed = new Uint8Array(first.length + zeros.length);
      compressed.set(first);
      compressed.set(zeros, first.length);
      bytes = head;
      gzip = true;
      what = `claim dims ${d}×${d}×… over ${mib} MiB of zeros`;
      break;
    }
    case 'voxels': {
      gzip = false;
      bytes = base.plain.slice();
      const start = HEADER_SIZE[base.version] + 4;
      const n = 1 + Math.floor(rng.next() * 6);
      for (let k = 0; k < n; k++) bytes[start + Math.floor(rng.next() * (bytes.length - start))] ^= 1 << Math.floor(rng.next() * 8);
      what = `${n} voxel bits flipped`;
      break;
    }
  }
  const file = compressed ?? (gzip ? gzipSync(bytes, { mtime: 0 }) : bytes);
  const name = `mutant-${seed}-${String(index).padStart(5, '0')}.nii${gzip ? '.gz' : ''}`;
  return { index, name, bytes: file, kind, what };
}
