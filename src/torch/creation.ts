/**
 * Tensor factories (`torch.tensor`, `torch.zeros`, …), joining (`cat`, `stack`, `where`) and the
 * seeded random generators. Shapes are arrays of sizes; dtype defaults to float32, device to cpu.
 */
import { call, native, opId } from './native.js';
import { fromTypedArray, wrap, wrapAll, type Tensor } from './tensor.js';
import type { DType, Device } from './dtype.js';

/** Options of the factories. */
export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

const O = Object.fromEntries(
  [
    'zeros', 'ones', 'full', 'empty', 'arange', 'linspace', 'eye', 'scalar_tensor', 'zeros_like', 'ones_like',
    'full_like', 'randn', 'rand', 'randint', 'randperm', 'bernoulli', 'cat', 'stack', 'where', 'split', 'chunk',
  ].map((n) => [n, opId(n)]),
) as Record<string, number>;

function checkShape(fn: string, shape: number[]): number[] {
  if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new TypeError(`torch.${fn}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape;
}

function finish(t: Tensor, o: TensorOptions): Tensor {
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

type Nested = number | boolean | Nested[];

function flatten(data: Nested, shape: number[], depth: number, out: number[]): void {
  if (!Array.isArray(data)) {
    if (depth !== shape.length) throw new TypeError('torch.tensor: ragged nested array');
    out.push(typeof data === 'boolean' ? Number(data) : data);
    return;
  }
  if (depth === shape.length) shape.push(data.length);
  else if (shape[depth] !== data.length) throw new TypeError('torch.tensor: ragged nested array');
  for (const d of data) flatten(d, shape, depth + 1, out);
}

/**
 * A tensor from a number, a (nested) array of numbers, or a typed array (copied; pass `shape`
 * for typed arrays, default 1-D). dtype defaults to the typed array's, else float32.
 * @example torch.tensor([[1, 2], [3, 4]]) // float32 [2, 2]
 */
export function tensor(
  data: Nested | ArrayBufferView,
  opts: TensorOptions & { shape?: number[] } = {},
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const n = (data as unknown as { length: number }).length;
    const t = fromTypedArray(data, checkShape('tensor', opts.shape ?? [n]), undefined, opts.device);
    return finish(opts.dtype && opts.dtype !== t.dtype ? convert(t, opts.dtype) : t, opts);
  }
  const shape: number[] = [];
  const flat: number[] = [];
  flatten(data, shape, 0, flat);
  const dtype = opts.dtype ?? 'float32';
  const f64 = fromTypedArray(Float64Array.from(flat), opts.shape ?? shape, 'float64');
  const t = dtype === 'float64' ? f64 : convert(f64, dtype);
  const placed = opts.device && opts.device !== 'cpu' ? move(t, opts.device) : t;
  return finish(placed, opts);
}

function convert(t: Tensor, dtype: DType): Tensor {
  const r = t.to(dtype);
  t.dispose();
  return r;
}
function move(t: Tensor, device: Device): Tensor {
  const r = t.to(device);
  t.dispose();
  return r;
}

export function zeros(shape: number[], o: TensorOptions = {}): Tensor {
  return finish(wrap(call(O.zeros, checkShape('zeros', shape), o.dtype, o.device)), o);
}
export function ones(shape: number[], o: TensorOptions = {}): Tensor {
  return finish(wrap(call(O.ones, checkShape('ones', shape), o.dtype, o.device)), o);
}
export function full(shape: number[], value: number, o: TensorOptions = {}): Tensor {
  return finish(wrap(call(O.full, checkShape('full', shape), value, o.dtype, o.device)), o);
}
/** Uninitialised memory. */
export function empty(shape: number[], o: TensorOptions = {}): Tensor {
  return finish(wrap(call(O.empty, checkShape('empty', shape), o.dtype, o.device)), o);
}
/** `[start, end)` by `step`; dtype defaults to int64 for integer arguments (like PyTorch), else float32. */
export function arange(start: number, end: number, step = 1, o: TensorOptions = {}): Tensor {
  const dtype = o.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int64' : 'float32');
  return wrap(call(O.arange, start, end, step, dtype, o.device));
}
export function linspace(start: number, end: number, steps: number, o: TensorOptions = {}): Tensor {
  return wrap(call(O.linspace, start, end, steps, o.dtype, o.device));
}
export function eye(n: number, o: TensorOptions = {}): Tensor {
  return wrap(call(O.eye, n, o.dtype, o.device));
}
/** A 0-dim tensor. */
export function scalarTensor(value: number, o: TensorOptions = {}): Tensor {
  return wrap(call(O.scalar_tensor, value, o.dtype, o.device));
}
export function zerosLike(t: Tensor): Tensor {
  return wrap(call(O.zeros_like, t.handle));
}
export function onesLike(t: Tensor): Tensor {
  return wrap(call(O.ones_like, t.handle));
}
export function fullLike(t: Tensor, value: number): Tensor {
  return wrap(call(O.full_like, t.handle, value));
}

// ---- random (global generator: torch.manualSeed) ----
/** Seeds libtorch's CPU and CUDA generators. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`torch.manualSeed: expected a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}
/** Standard normal samples. */
export function randn(shape: number[], o: TensorOptions = {}): Tensor {
  return finish(wrap(call(O.randn, checkShape('randn', shape), o.dtype, o.device)), o);
}
/** Uniform samples in [0, 1). */
export function rand(shape: number[], o: TensorOptions = {}): Tensor {
  return finish(wrap(call(O.rand, checkShape('rand', shape), o.dtype, o.device)), o);
}
/** Integers uniform in [low, high); int64 by default. */
export function randint(low: number, high: number, shape: number[], o: TensorOptions = {}): Tensor {
  return wrap(call(O.randint, low, high, checkShape('randint', shape), o.dtype ?? 'int64', o.device));
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, o: TensorOptions = {}): Tensor {
  return wrap(call(O.randperm, n, o.dtype ?? 'int64', o.device));
}
/** 0/1 samples with probabilities `p`. */
export function bernoulli(p: Tensor): Tensor {
  return wrap(call(O.bernoulli, p.handle));
}

// ---- joining and selecting ----
function handles(fn: string, ts: Tensor[]): unknown[] {
  if (!Array.isArray(ts) || ts.length === 0) throw new TypeError(`torch.${fn}: expected a non-empty array of tensors`);
  return ts.map((t) => t.handle);
}
/** Concatenates along an existing dim. */
export function cat(ts: Tensor[], dim = 0): Tensor {
  return wrap(call(O.cat, handles('cat', ts), dim));
}
/** Stacks along a new dim. */
export function stack(ts: Tensor[], dim = 0): Tensor {
  return wrap(call(O.stack, handles('stack', ts), dim));
}
/** Splits into pieces of `size` along `dim` (views). */
export function split(t: Tensor, size: number, dim = 0): Tensor[] {
  return wrapAll(call(O.split, t.handle, size, dim));
}
/** Splits into `chunks` nearly equal pieces along `dim` (views). */
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  return wrapAll(call(O.chunk, t.handle, chunks, dim));
}
/** `cond ? a : b` elementwise; numbers become 0-dim tensors of the other operand's dtype. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const ref = typeof a === 'object' ? a : typeof b === 'object' ? b : null;
  const opts: TensorOptions = ref ? { dtype: ref.dtype, device: ref.device } : { device: cond.device };
  const ta = typeof a === 'number' ? scalarTensor(a, opts) : a;
  const tb = typeof b === 'number' ? scalarTensor(b, opts) : b;
  try {
    return wrap(call(O.where, cond.handle, ta.handle, tb.handle));
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}
