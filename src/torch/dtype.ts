/**
 * Tensor element types and devices, named as in PyTorch (`torch.float32` → `'float32'`).
 */

/** A tensor element type. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A device: `'cpu'`, `'cuda'` or `'cuda:N'`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** The typed arrays tensors can be made from and read into. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array;

const DTYPES: ReadonlySet<string> = new Set([
  'float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
]);

/** Whether `s` names a dtype. */
export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && DTYPES.has(s);
}

/** Whether `s` names a device (`cpu`, `cuda`, `cuda:N`). */
export function isDevice(s: unknown): s is Device {
  return typeof s === 'string' && /^(cpu|cuda(:\d+)?)$/.test(s);
}

/** Whether values of this dtype are floating point. */
export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/**
 * The dtype a typed array holds (Uint8Array → uint8; pass `'bool'` explicitly for masks).
 * @throws TypeError for arrays libtorch has no dtype for (Uint16Array, Uint32Array, …).
 */
export function dtypeOfArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof BigInt64Array) return 'int64';
  throw new TypeError(
    `${a.constructor.name} has no tensor dtype; use Float32Array, Float64Array, Int32Array, Int16Array, Int8Array, Uint8Array or BigInt64Array`,
  );
}

/** Bytes per element. */
export function elementSize(d: DType): number {
  switch (d) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
    case 'int16':
      return 2;
    default:
      return 1;
  }
}
