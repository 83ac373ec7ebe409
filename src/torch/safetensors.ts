/**
 * safetensors — the weight format PyTorch users share models in (huggingface/safetensors):
 * an 8-byte little-endian header length, a JSON header `{name: {dtype, shape, data_offsets}}`
 * plus optional `__metadata__` (string → string), then the raw little-endian tensor bytes.
 * Files written here load with `safetensors.torch.load_file`, and the other way round.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { fromTypedArray, type Tensor } from './tensor.js';
import { elementSize, type DType, type Device } from './dtype.js';
import { native } from './native.js';

const TO_ST: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16',
  int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
const FROM_ST: Record<string, DType> = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));

/** Largest header accepted (the reference implementation's limit is 100 MB). */
const MAX_HEADER = 100 * 1024 * 1024;

/** Serialises tensors (moved to CPU, contiguous) and string metadata to safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const bytes = new Uint8Array(native.toBuffer(t.handle, t.dtype));
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes, as the reference writer does
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const b of blobs) {
    out.set(b, pos);
    pos += b.length;
  }
  return out;
}

/**
 * Parses safetensors bytes. `name` is used in error messages (a file path).
 * @throws Error naming the file and the field for a truncated file, a bad header, an unknown dtype,
 *   or offsets that do not match the shape or the file.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  name = '<buffer>',
  o: { device?: Device } = {},
): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const fail = (msg: string): never => {
    throw new Error(`${name}: not a valid safetensors file: ${msg}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, expected at least 8 (the header length)`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > bytes.length) fail(`header length ${n} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    return fail(`header is not JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: Record<string, Tensor> = {};
  try {
    for (const [key, spec] of Object.entries(header)) {
      if (key === '__metadata__') continue;
      const s = spec as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
      const dtype = FROM_ST[s.dtype ?? ''];
      if (!dtype) fail(`tensor '${key}': dtype '${s.dtype}' is not one of ${Object.keys(FROM_ST).join(', ')}`);
      if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor '${key}': bad shape`);
      const [b, e] = (s.data_offsets ?? [NaN, NaN]) as [number, number];
      if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < b || e > dataLen) {
        fail(`tensor '${key}': data_offsets ${JSON.stringify(s.data_offsets)} outside the data (${dataLen} bytes)`);
      }
      const want = s.shape!.reduce((a, c) => a * c, 1) * elementSize(dtype);
      if (e - b !== want) fail(`tensor '${key}': ${e - b} bytes for shape [${s.shape}] of ${dtype}, expected ${want}`);
      // Copy into an aligned buffer: the data section need not be aligned for the element type.
      const raw = bytes.slice(dataStart + b, dataStart + e);
      tensors[key] = fromTypedArray(raw, s.shape!, dtype, o.device);
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/** Writes tensors to a `.safetensors` file (atomically: temp file, then rename). */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a `.safetensors` file. @throws Error naming the file for unreadable or malformed files. */
export async function loadSafetensors(
  path: string,
  o: { device?: Device } = {},
): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  return decodeSafetensors(bytes, path, o);
}
