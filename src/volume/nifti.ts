/**
 * NIfTI-1 and NIfTI-2 decoding and encoding (`.nii`, and `.nii.gz` detected by its magic bytes),
 * on bytes in memory: pure and browser-safe (gzip through fflate). File I/O is in `nifti-file.ts`.
 *
 * Voxels stay in file order (i fastest; no transposes). Geometry follows nibabel: the affine is
 * `get_best_affine` (sform, else qform, else pixdim), and the spacing is that affine's voxel size
 * (nibabel's `voxel_sizes(img.affine)`), not pixdim, which a header may contradict
 * (`get_zooms`). Only single-file images are read (magic `n+1` / `n+2`); extensions are skipped.
 */
import { gzipSync } from 'fflate';
import type { Mat4, Vec3, Volume, VoxelArray } from './volume.js';
import {
  DATATYPES,
  HEADER_SIZE,
  MAGIC,
  UNSUPPORTED_DATATYPES,
  WRITE_VOX_OFFSET,
  readRawHeader,
  writeRawHeader,
  type NiftiDatatype,
  type RawNiftiHeader,
} from './nifti-header.js';
import { affineToQform, bestAffine, checkAffine, checkGeometryFields, type AffineSource } from './nifti-affine.js';
import { affineSpacing } from './orientation.js';
import { LazyBytes } from './nifti-gzip.js';

/** The header of a decoded NIfTI file, as stored, plus what meatus made of it. */
export interface NiftiHeaderInfo extends RawNiftiHeader {
  /** 1 for NIfTI-1 (348-byte header), 2 for NIfTI-2 (540-byte header). */
  version: 1 | 2;
  /** Byte order of the file (big-endian files are byte-swapped on read). */
  littleEndian: boolean;
  /** Whether the bytes were gzip-compressed. */
  gzipped: boolean;
  /** Name of the stored datatype, e.g. 'int16'. */
  datatypeName: string;
  /** Whether scl_slope/scl_inter were applied to the voxels. */
  scaled: boolean;
  /** Which fields the volume's affine came from. */
  affineSource: AffineSource;
  /** Factor applied to the header's spatial values to get mm (1000 for metres, 0.001 for µm). */
  unitScale: number;
  /** |pixdim[1..3]| in mm, `[z, y, x]` (nibabel's `get_zooms`); the spacing comes from the affine instead. */
  pixdimSpacing: Vec3;
}

/** Relative difference between pixdim and the affine's voxel size beyond which they disagree (0.1 %). */
export const PIXDIM_TOLERANCE = 1e-3;

/**
 * Why a file's pixdim disagrees with the voxel size of the affine that defines its world
 * coordinates (sform or qform), or null when they agree within `tolerance` (relative). meatus uses
 * the affine's; a tool that trusts pixdim (e.g. one that resamples from `get_zooms`) would not.
 * @example pixdimMismatch(img) // 'pixdim gives 1 × 1 × 1 mm (x, y, z) but the sform 0.485 × 0.485 × 1.21 mm; …'
 */
export function pixdimMismatch(img: NiftiImage, tolerance = PIXDIM_TOLERANCE): string | null {
  const { pixdimSpacing: p, affineSource } = img.header;
  const s = img.spacing;
  if (affineSource === 'pixdim' || p.every((v, a) => Math.abs(v - s[a]) <= tolerance * s[a])) return null;
  const xyz = (v: Vec3) => [v[2], v[1], v[0]].map((x) => +x.toPrecision(4)).join(' × ');
  return (
    `pixdim gives ${xyz(p)} mm voxels (x, y, z) but the ${affineSource} ${xyz(s)} mm; ` +
    `meatus uses the ${affineSource} (it defines world coordinates); check how the file was written`
  );
}

/** A decoded NIfTI image: a {@link Volume} plus its header. */
export type NiftiImage = Volume & { header: NiftiHeaderInfo };

/** Options of {@link decodeNifti}. */
export interface DecodeNiftiOptions {
  /** Whether a 4D file with dim[4] > 1 may be read as channels (default 'refuse': it throws). */
  channels?: 'allow' | 'refuse';
  /**
   * A faster whole-stream gzip inflater (Node's zlib, in `readNifti`): given the compressed bytes and
   * the most bytes to inflate, it returns the whole inflated stream with every member's CRC-32 and
   * ISIZE verified, or null when it cannot (a corrupt or truncated stream, or one that inflates to
   * more than the limit) — then the built-in lazy inflater reads the file and names the fault. It
   * is asked only after the header, for the bytes the header needs plus 1 MiB.
   */
  inflate?: (compressed: Uint8Array, maxBytes: number) => Uint8Array | null;
}

/** What {@link DecodeNiftiOptions.inflate} may inflate beyond what the header needs (extensions after the data, padding). */
const INFLATE_SLACK = 1 << 20;

/** The datatypes {@link encodeNifti} writes. */
export type NiftiWriteDatatype =
  'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** Options of {@link encodeNifti}. */
export interface EncodeNiftiOptions {
  /** Stored datatype (default: the one matching the volume's typed array). */
  datatype?: NiftiWriteDatatype;
  /** gzip the output (default false). */
  gzip?: boolean;
  /** Header `descrip`, cut to 79 latin1 characters. */
  description?: string;
  /** NIfTI version (default 1). */
  version?: 1 | 2;
  /**
   * Header geometry to write as it is instead of deriving it from the affine — an input's (see
   * {@link headerGeometry}), so that a file written from it keeps its sform, qform, codes, pixdim
   * and units. It must describe the volume's affine.
   */
  geometry?: NiftiGeometry;
}

/** The header fields that hold a NIfTI file's geometry. */
export type NiftiGeometry = Pick<RawNiftiHeader, 'sformCode' | 'srow' | 'qformCode' | 'quatern' | 'qoffset' | 'pixdim' | 'xyztUnits'>;

/** A copy of a header's geometry fields (pixdim[0..3] only; the time and later pixdims are not geometry). */
export function headerGeometry(h: RawNiftiHeader): NiftiGeometry {
  return {
    sformCode: h.sformCode,
    srow: [...h.srow],
    qformCode: h.qformCode,
    quatern: [...h.quatern],
    qoffset: [...h.qoffset],
    pixdim: h.pixdim.slice(0, 4),
    xyztUnits: h.xyztUnits,
  };
}

const ARRAYS = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/** Integer ranges of the integer datatypes meatus writes. */
const INT_RANGE: Partial<Record<NiftiWriteDatatype, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const SPATIAL_UNIT_SCALE: Record<number, number> = { 0: 1, 1: 1000, 2: 1, 3: 0.001 };

/** Reads sizeof_hdr in both byte orders and returns the version and byte order it names. */
function detectVersion(bytes: Uint8Array, name: string): { version: 1 | 2; littleEndian: boolean } {
  if (bytes.length < 4) {
    throw new Error(`${name}: truncated header: ${bytes.length} bytes, expected at least 348 (NIfTI-1)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === HEADER_SIZE[1]) return { version: 1, littleEndian };
    if (size === HEADER_SIZE[2]) return { version: 2, littleEndian };
  }
  throw new Error(
    `${name}: sizeof_hdr = ${view.getInt32(0, true)}, expected 348 (NIfTI-1) or 540 (NIfTI-2) in either byte order; ` +
      'not a NIfTI file',
  );
}

function checkMagic(h: RawNiftiHeader, version: 1 | 2, name: string): void {
  if (h.magic === MAGIC[version]) return;
  const shown = JSON.stringify(h.magic);
  if (h.magic === (version === 1 ? 'ni1\0' : 'ni2\0\r\n\x1a\n')) {
    throw new Error(
      `${name}: magic ${shown} marks a .hdr/.img pair; only single-file .nii images are supported`,
    );
  }
  throw new Error(
    `${name}: magic = ${shown}, expected ${JSON.stringify(MAGIC[version])} (NIfTI-${version} single file)`,
  );
}

interface Layout {
  shape: Vec3;
  channels: number;
  datatype: NiftiDatatype;
  byteLength: number;
}

/** Checks dim, datatype and bitpix; returns the voxel layout. Allocates nothing. */
function checkLayout(h: RawNiftiHeader, name: string, opts: DecodeNiftiOptions): Layout {
  const n = h.dim[0];
  if (!Number.isInteger(n) || n < 1 || n > 7)
    throw new Error(`${name}: dim[0] = ${n}, expected 1 to 7 dimensions`);
  if (n > 4)
    throw new Error(`${name}: dim[0] = ${n}: ${n}D images are not supported, expected 1 to 4 dimensions`);
  for (let a = 1; a <= n; a++) {
    if (!Number.isSafeInteger(h.dim[a]) || h.dim[a] < 1) {
      throw new Error(`${name}: dim[${a}] = ${h.dim[a]}, expected a size ≥ 1`);
    }
  }
  const size = (a: number) => (a <= n ? h.dim[a] : 1);
  const channels = size(4);
  if (channels > 1 && opts.channels !== 'allow') {
    throw new Error(
      `${name}: the file is 4D with ${channels} volumes (dim[4] = ${channels}); ` +
        'expected one 3-D volume per file (nnU-Net raw keeps each channel in its own <case>_000c file)',
    );
  }
  const datatype = DATATYPES.find((d) => d.code === h.datatype);
  if (!datatype) {
    const known = UNSUPPORTED_DATATYPES[h.datatype];
    throw new Error(
      `${name}: datatype = ${h.datatype}${known ? ` (${known})` : ''} is not supported; expected one of ` +
        DATATYPES.map((d) => `${d.code} (${d.name})`).join(', '),
    );
  }
  if (h.bitpix !== datatype.bytes * 8) {
    throw new Error(
      `${name}: bitpix = ${h.bitpix}, expected ${datatype.bytes * 8} for datatype ${datatype.name}`,
    );
  }
  const shape: Vec3 = [size(3), size(2), size(1)];
  const byteLength = shape[0] * shape[1] * shape[2] * channels * datatype.bytes;
  if (!Number.isSafeInteger(byteLength)) {
    throw new Error(
      `${name}: dim = [${h.dim.join(', ')}] describes ${byteLength} bytes of voxels, too many to read`,
    );
  }
  return { shape, channels, datatype, byteLength };
}

/** Copies `count` voxels of `dt` from `bytes` at `offset` into a fresh typed array, fixing byte order. */
function readVoxels(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dt: NiftiDatatype,
  le: boolean,
): VoxelArray {
  if (dt.array === 'int64' || dt.array === 'uint64') {
    // 64-bit integers are held as float64: exact up to 2^53 in magnitude, rounded beyond.
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 8);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = Number(dt.array === 'int64' ? view.getBigInt64(i * 8, le) : view.getBigUint64(i * 8, le));
    }
    return out;
  }
  // A fresh, aligned buffer (not `slice`, which is a view for a Node Buffer).
  const copy = new Uint8Array(count * dt.bytes);
  copy.set(bytes.subarray(offset, offset + count * dt.bytes));
  if (le !== HOST_LITTLE_ENDIAN && dt.bytes > 1) {
    for (let i = 0; i < copy.length; i += dt.bytes) copy.subarray(i, i + dt.bytes).reverse();
  }
  return new ARRAYS[dt.array](copy.buffer);
}

/** nibabel's `get_slope_inter`: no scaling for slope 0 or non-finite; a bad intercept is an error. */
function scaling(h: RawNiftiHeader, name: string): [number, number] | null {
  const { sclSlope: slope, sclInter: inter } = h;
  if (slope === 0 || !Number.isFinite(slope)) return null;
  if (!Number.isFinite(inter)) {
    throw new Error(`${name}: scl_inter = ${inter} with scl_slope = ${slope}; expected a finite intercept`);
  }
  return slope === 1 && inter === 0 ? null : [slope, inter];
}

/**
 * Decodes a NIfTI-1 or NIfTI-2 image (gzip detected from the magic bytes 1f 8b, not the name).
 *
 * - Data keep the stored type (uint8/int8/int16/uint16/int32/uint32/float32/float64 → the matching
 *   typed array; int64/uint64 → Float64Array, exact up to 2^53). When scl_slope is finite, non-zero
 *   and (slope, inter) ≠ (1, 0), the scaled values are returned: Float64Array for float64 (and
 *   64-bit integer) files, Float32Array otherwise.
 * - Affine: nibabel's `get_best_affine` (see `bestAffine` in nifti-affine.ts). Spacing: the
 *   affine's column norms as `[z, y, x]` (nibabel's `voxel_sizes(affine)`); pixdim, which may
 *   disagree, is kept as `header.pixdimSpacing` (see {@link pixdimMismatch}). Metres and micrometres (xyzt_units) are converted to mm; unknown units are taken as mm.
 * - 2D images (dim[0] = 2) are volumes with z = 1; a 4D image with dim[4] = 1 is 3D; dim[4] > 1
 *   becomes channels (slowest) only with `channels: 'allow'`; dim[0] > 4 is refused.
 * - Big-endian files are detected from sizeof_hdr and byte-swapped.
 *
 * @param bytes the file's bytes.
 * @param name used in error messages (a path, typically).
 * @throws Error naming the file and field for: a truncated header or data, bad sizeof_hdr or magic,
 *   dims out of range, unsupported datatype, bitpix ≠ datatype size, vox_offset before the end of
 *   the header or past the data, a refused 4D file. Sizes are checked against the (decompressed)
 *   length before any voxel array is allocated.
 * @example const img = decodeNifti(readFileSync('t2.nii.gz'), 't2.nii.gz'); img.shape // [z, y, x]
 */
export function decodeNifti(bytes: Uint8Array, name = '<buffer>', opts: DecodeNiftiOptions = {}): NiftiImage {
  const src = new LazyBytes(bytes, name);
  src.ensure(HEADER_SIZE[2]);
  const { version, littleEndian } = detectVersion(src.bytes(), name);
  const available = src.bytes().length;
  if (available < HEADER_SIZE[version]) {
    throw new Error(
      `${name}: truncated header: ${available} bytes, expected ${HEADER_SIZE[version]} for a NIfTI-${version} header`,
    );
  }
  const h = readRawHeader(src.bytes(), version, littleEndian);
  checkMagic(h, version, name);
  const layout = checkLayout(h, name, opts);
  const voxOffset = h.voxOffset;
  if (!Number.isInteger(voxOffset) || voxOffset < HEADER_SIZE[version]) {
    throw new Error(
      `${name}: vox_offset = ${voxOffset}, expected an integer ≥ ${HEADER_SIZE[version]} (the header size)`,
    );
  }
  const needed = voxOffset + layout.byteLength;
  if (src.gzipped && needed > src.maxLength) {
    throw new Error(
      `${name}: dim = [${h.dim.slice(1, h.dim[0] + 1).join('×')}] × ${layout.datatype.bytes} bytes (${layout.datatype.name}) ` +
        `at vox_offset ${voxOffset} needs ${needed} bytes, more than the ${bytes.length}-byte gzip stream can inflate to ` +
        `(at most ${src.maxLength}); the header is corrupt`,
    );
  }
  checkGeometryFields(h, name);
  const fast = src.gzipped && opts.inflate ? opts.inflate(bytes, needed + INFLATE_SLACK) : null;
  let body: Uint8Array;
  if (fast && fast.length >= needed) {
    body = fast;
  } else {
    const have = src.ensure(needed);
    if (have < needed) {
      const what = src.gzipped ? 'decompressed file' : 'file';
      throw new Error(
        `${name}: truncated: vox_offset ${voxOffset} + dim [${h.dim.slice(1, h.dim[0] + 1).join('×')}] × ${layout.datatype.bytes} ` +
          `bytes (${layout.datatype.name}) needs ${needed} bytes, the ${what} has ${have}`,
      );
    }
    src.verify();
    body = src.bytes();
  }
  const count = layout.shape[0] * layout.shape[1] * layout.shape[2] * layout.channels;
  let data = readVoxels(body, voxOffset, count, layout.datatype, littleEndian);
  const scale = scaling(h, name);
  if (scale) {
    const out = data instanceof Float64Array ? data : new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const stored = data[i];
      out[i] = stored * scale[0] + scale[1];
      if (!Number.isFinite(out[i]) && Number.isFinite(stored)) {
        throw new Error(
          `${name}: scl_slope = ${scale[0]}, scl_inter = ${scale[1]} make voxel ${i} (stored ${stored}) ${out[i]} ` +
            `as ${out instanceof Float64Array ? 'float64' : 'float32'}; expected a scaling that keeps voxels finite`,
        );
      }
    }
    data = out;
  }
  const best = bestAffine(h, name);
  const unitScale = SPATIAL_UNIT_SCALE[h.xyztUnits & 7] ?? 1;
  const affine = best.affine.map((v, i) => (i < 12 ? v * unitScale : v));
  checkAffine(affine, best.source, name);
  const spacing = affineSpacing(affine);
  // pixdim as stored (nibabel's get_zooms); the affine's value where the axis does not exist
  // (a 2-D image's z) or pixdim is 0 or not finite, so that only real disagreements show.
  const pixdimSpacing = [3, 2, 1].map((a, idx) => {
    const p = Math.abs(h.pixdim[a]) * unitScale;
    return a <= h.dim[0] && Number.isFinite(p) && p > 0 ? p : spacing[idx];
  }) as Vec3;
  const header: NiftiHeaderInfo = {
    ...h,
    version,
    littleEndian,
    gzipped: src.gzipped,
    datatypeName: layout.datatype.name,
    scaled: scale !== null,
    affineSource: best.source,
    unitScale,
    pixdimSpacing,
  };
  const image: NiftiImage = { data, shape: layout.shape, spacing, affine, header };
  if (layout.channels > 1) image.channels = layout.channels;
  return image;
}

/**
 * The NIfTI datatype that stores `data`'s typed array as it is (Float32Array → float32, …).
 * @throws Error if `data` is not one of the typed arrays NIfTI stores.
 */
export function defaultDatatype(data: VoxelArray): NiftiWriteDatatype {
  for (const [dt, ctor] of Object.entries(ARRAYS)) if (data instanceof ctor) return dt as NiftiWriteDatatype;
  throw new Error(`encodeNifti: data is a ${Object.prototype.toString.call(data)}, expected a typed array`);
}

/** Throws unless every value of `data` is stored exactly (integers) or without overflow (float32). */
function checkRepresentable(data: VoxelArray, datatype: NiftiWriteDatatype): void {
  const source = defaultDatatype(data);
  const range = INT_RANGE[datatype];
  const srcRange = INT_RANGE[source];
  if (source === datatype || (range && srcRange && srcRange[0] >= range[0] && srcRange[1] <= range[1]))
    return;
  if (!range) {
    if (datatype === 'float64' || source !== 'float64') return;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (Number.isFinite(v) && Math.abs(v) > 3.4028234663852886e38) {
        throw new Error(`encodeNifti: voxel ${i} = ${v} overflows datatype float32 (max ±3.4028235e38)`);
      }
    }
    return;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= range[0] && v <= range[1] && Number.isInteger(v))) {
      throw new Error(
        `encodeNifti: voxel ${i} = ${v} cannot be stored as datatype ${datatype} ` +
          `(integers ${range[0]} to ${range[1]}); choose a wider datatype`,
      );
    }
  }
}

function checkVolume(vol: Volume): number {
  const channels = vol.channels ?? 1;
  if (
    !vol.shape.every((s) => Number.isSafeInteger(s) && s >= 1) ||
    !Number.isSafeInteger(channels) ||
    channels < 1
  ) {
    throw new Error(
      `encodeNifti: shape ${vol.shape.join('×')} × ${channels} channels, expected positive integers`,
    );
  }
  const count = vol.shape[0] * vol.shape[1] * vol.shape[2] * channels;
  if (vol.data.length !== count) {
    throw new Error(
      `encodeNifti: data has ${vol.data.length} voxels, expected ${count} for shape ${vol.shape.join('×')}`,
    );
  }
  if (vol.affine.length !== 16 || !vol.affine.every(Number.isFinite)) {
    throw new Error(
      `encodeNifti: affine must be 16 finite numbers (row-major 4×4), got [${vol.affine.join(', ')}]`,
    );
  }
  return channels;
}

/** Puts `g` into `header`, after checking that it describes `affine` (within 1e-4 mm + 1e-6 relative). */
function applyGeometry(header: RawNiftiHeader, g: NiftiGeometry, affine: Mat4): void {
  Object.assign(header, headerGeometry({ ...header, ...g }));
  header.pixdim = [...g.pixdim.slice(0, 4), 1, 1, 1, 1];
  const why = geometryMismatch(g, [header.dim[3], header.dim[2], header.dim[1]], affine);
  if (why) throw new Error(`encodeNifti: ${why}; expected the geometry of the volume's own grid`);
}

/**
 * Why header geometry fields do not describe `affine` (mm) for a grid of `shape` — the first
 * entry differing by more than 1e-4 mm + 1e-6 relative — or null when they do.
 */
export function geometryMismatch(g: NiftiGeometry, shape: Vec3, affine: Mat4): string | null {
  const dim = [3, shape[2], shape[1], shape[0], 1, 1, 1, 1];
  const h = { ...g, dim, sizeofHdr: HEADER_SIZE[1], pixdim: [...g.pixdim.slice(0, 4), 1, 1, 1, 1] } as RawNiftiHeader;
  const described = bestAffine(h, 'geometry').affine;
  const unit = SPATIAL_UNIT_SCALE[g.xyztUnits & 7] ?? 1;
  for (let i = 0; i < 12; i++) {
    const v = described[i] * unit;
    if (!(Math.abs(v - affine[i]) <= 1e-4 + 1e-6 * Math.abs(affine[i]))) {
      return `the geometry fields describe affine entry ${i} = ${v}, the volume's is ${affine[i]}`;
    }
  }
  return null;
}

/**
 * Encodes a volume as a single-file NIfTI-1 (default) or NIfTI-2 image, little-endian, voxels
 * in file order (x fastest, channels as dim[4]).
 *
 * Geometry: with `opts.geometry`, those header fields as given (an input's, kept as they were);
 * otherwise the affine is written exactly as the sform (sform_code 1, scanner) and as a qform
 * (qform_code 1; rotation from the nearest orthogonal matrix, so best effort for sheared affines),
 * pixdim[1..3] are the affine's column norms (`vol.spacing` is not written), pixdim[0] is qfac,
 * xyzt_units = mm. scl_slope 1, scl_inter 0. NIfTI-1 stores all of these as float32.
 *
 * @throws Error if the shape, data length or affine are inconsistent, `opts.geometry` describes
 *   another affine than the volume's, or a value cannot be held by the datatype (e.g. 300 or 2.5
 *   in uint8, 1e39 in float32): never clipped or wrapped.
 * @example writeFileSync('seg.nii.gz', encodeNifti(seg, { datatype: 'uint8', gzip: true }));
 */
export function encodeNifti(vol: Volume, opts: EncodeNiftiOptions = {}): Uint8Array {
  const channels = checkVolume(vol);
  const version = opts.version ?? 1;
  const datatypeName = opts.datatype ?? defaultDatatype(vol.data);
  const dt = DATATYPES.find((d) => d.name === datatypeName);
  if (!dt || !(datatypeName in ARRAYS)) {
    throw new Error(
      `encodeNifti: datatype '${datatypeName}', expected one of ${Object.keys(ARRAYS).join(', ')}`,
    );
  }
  checkRepresentable(vol.data, datatypeName);
  const q = affineToQform(vol.affine as Mat4);
  const [z, y, x] = vol.shape;
  const header: RawNiftiHeader = {
    sizeofHdr: HEADER_SIZE[version],
    magic: MAGIC[version],
    dimInfo: 0,
    dim: [channels > 1 ? 4 : 3, x, y, z, channels, 1, 1, 1],
    intentP: [0, 0, 0],
    intentCode: 0,
    datatype: dt.code,
    bitpix: dt.bytes * 8,
    sliceStart: 0,
    pixdim: [q.qfac, ...q.zooms, 1, 1, 1, 1],
    voxOffset: WRITE_VOX_OFFSET[version],
    sclSlope: 1,
    sclInter: 0,
    sliceEnd: 0,
    sliceCode: 0,
    xyztUnits: 2,
    calMax: 0,
    calMin: 0,
    sliceDuration: 0,
    toffset: 0,
    descrip: opts.description ?? '',
    auxFile: '',
    qformCode: 1,
    sformCode: 1,
    quatern: q.quatern,
    qoffset: q.qoffset,
    srow: vol.affine.slice(0, 12),
    intentName: '',
  };
  if (opts.geometry) applyGeometry(header, opts.geometry, vol.affine);
  const head = writeRawHeader(header, version);
  const out = new Uint8Array(head.length + vol.data.length * dt.bytes);
  out.set(head);
  const target = new ARRAYS[datatypeName](out.buffer, head.length, vol.data.length);
  target.set(vol.data);
  if (!HOST_LITTLE_ENDIAN && dt.bytes > 1) {
    for (let i = head.length; i < out.length; i += dt.bytes) out.subarray(i, i + dt.bytes).reverse();
  }
  return opts.gzip ? gzipSync(out, { mtime: 0 }) : out;
}
