/**
 * `Tensor`: a libtorch tensor seen from TypeScript. Methods are PyTorch's, in camelCase; an
 * operand may be a tensor or a number (broadcasting and type promotion are libtorch's). Methods
 * ending in `_` work in place and return `this`. Every tensor is registered with the innermost
 * {@link scope}; call `dispose()` (or `using`) for tensors created outside one.
 */
import { call, native, opId, type Handle } from './native.js';
import { track, untrack, type Tracked } from './scope.js';
import { dtypeOfArray, isDType, isDevice, type DType, type Device, type TypedArray } from './dtype.js';

const op = opId;
/** Op indices used by the methods, resolved once. */
const O = Object.fromEntries(
  [
    'add', 'add_s', 'sub', 'sub_s', 'rsub_s', 'mul', 'mul_s', 'div', 'div_s', 'rdiv_s', 'pow', 'pow_s', 'remainder',
    'remainder_s', 'maximum', 'minimum', 'neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square',
    'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'floor', 'ceil', 'round', 'clamp', 'clamp_t', 'lerp',
    'matmul', 'eq', 'eq_s', 'ne', 'ne_s', 'lt', 'lt_s', 'le', 'le_s', 'gt', 'gt_s', 'ge', 'ge_s', 'logical_and',
    'logical_or', 'logical_not', 'isfinite', 'isnan', 'sum', 'mean', 'prod', 'amax', 'amin', 'max_all', 'min_all',
    'max_dim', 'min_dim', 'argmax', 'argmin', 'var', 'std', 'norm', 'logsumexp', 'cumsum', 'all', 'any',
    'count_nonzero', 'reshape', 'view', 'permute', 'transpose', 'squeeze', 'unsqueeze', 'expand', 'flatten', 'narrow',
    'slice', 'select', 'index_select', 'gather', 'masked_fill', 'masked_select', 'nonzero', 'flip', 'roll', 'repeat',
    'to_dtype', 'to_device', 'clone', 'detach', 'contiguous', 'item', 'requires_grad_', 'is_leaf', 'grad', 'set_grad',
    'retain_grad', 'backward', 'is_contiguous', 'copy_', 'zero_', 'fill_', 'add_', 'add_s_', 'mul_', 'mul_s_',
    'div_', 'div_s_', 'addcmul_', 'addcdiv_', 'lerp_', 'clamp_', 'sqrt_', 'normal_', 'uniform_', 'softmax',
    'log_softmax', 'equal', 'allclose',
  ].map((n) => [n, op(n)]),
) as Record<string, number>;

type Operand = Tensor | number;

/** Normalises a dim or list of dims to a list (undefined stays undefined). */
function dims(d: number | number[] | undefined): number[] | undefined {
  return d === undefined ? undefined : Array.isArray(d) ? d : [d];
}

/** A libtorch tensor. Create with the factories in `torch` (`torch.tensor`, `torch.zeros`, …). */
export class Tensor implements Tracked, Disposable {
  #handle: Handle;
  #disposed = false;
  #meta: [DType, Device, number[]] | null = null;
  /** @internal */
  _scope: Set<Tracked> | null = null;

  /** Wraps a native handle (used by the op layer; not for users). @internal */
  constructor(handle: Handle) {
    this.#handle = handle;
    track(this);
  }

  /** The native handle. @throws Error if the tensor has been disposed. @internal */
  get handle(): Handle {
    if (this.#disposed) throw new Error('Tensor: this tensor has been disposed');
    return this.#handle;
  }

  #info(): [DType, Device, number[]] {
    if (this.#meta === null) {
      const [dtype, device, shape] = native.meta(this.handle);
      this.#meta = [dtype as DType, device as Device, shape];
    }
    return this.#meta;
  }

  /** Element type. */
  get dtype(): DType {
    return this.#info()[0];
  }
  /** Device, e.g. `'cpu'` or `'cuda:0'`. */
  get device(): Device {
    return this.#info()[1];
  }
  /** Sizes of the dimensions (a copy). */
  get shape(): number[] {
    return [...this.#info()[2]];
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.#info()[2].length;
  }
  /** Number of elements. */
  get numel(): number {
    return this.#info()[2].reduce((a, b) => a * b, 1);
  }
  /** Size of one dimension (negative counts from the end). */
  size(dim: number): number {
    const s = this.#info()[2];
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`Tensor.size: dim ${dim} out of range for ${s.length} dims`);
    return s[d];
  }

  /** Whether `dispose()` has been called. */
  get isDisposed(): boolean {
    return this.#disposed;
  }
  /** Releases the libtorch tensor now. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    untrack(this);
    native.dispose(this.#handle);
  }
  /** `using t = …` disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  #u(id: number, ...args: unknown[]): Tensor {
    return new Tensor(call(id, this.handle, ...args) as Handle);
  }
  #b(tensorOp: string, other: Operand, ...rest: unknown[]): Tensor {
    return typeof other === 'number'
      ? this.#u(O[tensorOp + '_s'], other, ...rest)
      : this.#u(O[tensorOp], other.handle, ...rest);
  }
  #inplace(id: number, ...args: unknown[]): this {
    call(id, this.handle, ...args);
    return this;
  }

  // ---- reading values ----
  /** The single value of a one-element tensor. */
  item(): number {
    return call(O.item, this.handle) as number;
  }
  /**
   * A copy of the values as a typed array of `dtype` (default: the tensor's own; float16 and
   * bfloat16 read as float32, bool as uint8), in row-major (C) order, moved to the CPU.
   */
  toTypedArray(dtype?: DType): TypedArray {
    let want: DType = dtype ?? this.dtype;
    if (want === 'float16' || want === 'bfloat16') want = 'float32';
    if (want === 'bool') want = 'uint8';
    const buf = native.toBuffer(this.handle, want);
    switch (want) {
      case 'float32':
        return new Float32Array(buf);
      case 'float64':
        return new Float64Array(buf);
      case 'int64':
        return new BigInt64Array(buf);
      case 'int32':
        return new Int32Array(buf);
      case 'int16':
        return new Int16Array(buf);
      case 'int8':
        return new Int8Array(buf);
      default:
        return new Uint8Array(buf);
    }
  }
  /** The values as float32 (a copy). */
  toFloat32Array(): Float32Array {
    return this.toTypedArray('float32') as Float32Array;
  }
  /** The values as float64 (a copy). */
  toFloat64Array(): Float64Array {
    return this.toTypedArray('float64') as Float64Array;
  }
  /** The values as int32 (a copy). */
  toInt32Array(): Int32Array {
    return this.toTypedArray('int32') as Int32Array;
  }
  /** The values as uint8 (a copy; bool → 0/1). */
  toUint8Array(): Uint8Array {
    return this.toTypedArray('uint8') as Uint8Array;
  }
  /** The values as a flat array of numbers. */
  toArray(): number[] {
    return Array.from(this.toFloat64Array());
  }

  // ---- conversion ----
  /** A copy on another device and/or with another dtype (`to('cuda')`, `to('float16')`). */
  to(target: Device | DType, dtype?: DType): Tensor {
    if (isDType(target)) return this.#u(O.to_dtype, target);
    if (!isDevice(target)) throw new TypeError(`Tensor.to: '${String(target)}' is neither a dtype nor a device`);
    return this.#u(O.to_device, target, dtype);
  }
  /** `to('cpu')`. */
  cpu(): Tensor {
    return this.to('cpu');
  }
  /** `to('cuda')`. */
  cuda(): Tensor {
    return this.to('cuda');
  }
  /** `to('float32')`. */
  float(): Tensor {
    return this.to('float32');
  }
  /** `to('int64')`. */
  long(): Tensor {
    return this.to('int64');
  }
  clone(): Tensor {
    return this.#u(O.clone);
  }
  /** A tensor sharing the data, cut from the autograd graph. */
  detach(): Tensor {
    return this.#u(O.detach);
  }
  contiguous(): Tensor {
    return this.#u(O.contiguous);
  }
  isContiguous(): boolean {
    return call(O.is_contiguous, this.handle) as boolean;
  }

  // ---- autograd ----
  /** Whether autograd records operations on this tensor. */
  get requiresGrad(): boolean {
    return native.meta(this.handle)[3];
  }
  set requiresGrad(v: boolean) {
    call(O.requires_grad_, this.handle, v);
  }
  /** Sets `requiresGrad` and returns `this`. */
  requiresGrad_(v = true): this {
    return this.#inplace(O.requires_grad_, v);
  }
  get isLeaf(): boolean {
    return call(O.is_leaf, this.handle) as boolean;
  }
  /** The accumulated gradient (a new handle each read; null before `backward`). */
  get grad(): Tensor | null {
    const h = call(O.grad, this.handle) as Handle | null;
    return h === null ? null : new Tensor(h);
  }
  set grad(g: Tensor | null) {
    call(O.set_grad, this.handle, g?.handle ?? null);
  }
  /** Keeps `.grad` for a non-leaf tensor. */
  retainGrad(): this {
    return this.#inplace(O.retain_grad);
  }
  /** Backpropagates from this tensor (a scalar unless `gradient` is given). */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    call(O.backward, this.handle, gradient?.handle ?? null, opts.retainGraph ?? false);
  }

  // ---- elementwise ----
  add(other: Operand, alpha = 1): Tensor {
    return this.#b('add', other, alpha);
  }
  sub(other: Operand, alpha = 1): Tensor {
    return this.#b('sub', other, alpha);
  }
  /** `other - this` for a number (`1 - p`). */
  rsub(other: number): Tensor {
    return this.#u(O.rsub_s, other, 1);
  }
  mul(other: Operand): Tensor {
    return this.#b('mul', other);
  }
  div(other: Operand): Tensor {
    return this.#b('div', other);
  }
  /** `other / this` for a number. */
  rdiv(other: number): Tensor {
    return this.#u(O.rdiv_s, other);
  }
  pow(exponent: Operand): Tensor {
    return this.#b('pow', exponent);
  }
  remainder(other: Operand): Tensor {
    return this.#b('remainder', other);
  }
  maximum(other: Tensor): Tensor {
    return this.#u(O.maximum, other.handle);
  }
  minimum(other: Tensor): Tensor {
    return this.#u(O.minimum, other.handle);
  }
  neg(): Tensor { return this.#u(O.neg); }
  abs(): Tensor { return this.#u(O.abs); }
  sign(): Tensor { return this.#u(O.sign); }
  exp(): Tensor { return this.#u(O.exp); }
  log(): Tensor { return this.#u(O.log); }
  log1p(): Tensor { return this.#u(O.log1p); }
  sqrt(): Tensor { return this.#u(O.sqrt); }
  rsqrt(): Tensor { return this.#u(O.rsqrt); }
  square(): Tensor { return this.#u(O.square); }
  reciprocal(): Tensor { return this.#u(O.reciprocal); }
  sin(): Tensor { return this.#u(O.sin); }
  cos(): Tensor { return this.#u(O.cos); }
  tanh(): Tensor { return this.#u(O.tanh); }
  sigmoid(): Tensor { return this.#u(O.sigmoid); }
  relu(): Tensor { return this.#u(O.relu); }
  floor(): Tensor { return this.#u(O.floor); }
  ceil(): Tensor { return this.#u(O.ceil); }
  round(): Tensor { return this.#u(O.round); }
  /** Clamps to [min, max]; either bound may be omitted (`undefined`). */
  clamp(min?: Operand, max?: Operand): Tensor {
    if (typeof min === 'object' || typeof max === 'object') {
      return this.#u(O.clamp_t, (min as Tensor | undefined)?.handle, (max as Tensor | undefined)?.handle);
    }
    if (min === undefined && max === undefined) throw new TypeError('Tensor.clamp: give min, max or both');
    return this.#u(O.clamp, min, max);
  }
  /** `this + weight · (end − this)`. */
  lerp(end: Tensor, weight: number): Tensor {
    return this.#u(O.lerp, end.handle, weight);
  }
  matmul(other: Tensor): Tensor {
    return this.#u(O.matmul, other.handle);
  }

  // ---- comparisons (bool results) ----
  eq(other: Operand): Tensor { return this.#b('eq', other); }
  ne(other: Operand): Tensor { return this.#b('ne', other); }
  lt(other: Operand): Tensor { return this.#b('lt', other); }
  le(other: Operand): Tensor { return this.#b('le', other); }
  gt(other: Operand): Tensor { return this.#b('gt', other); }
  ge(other: Operand): Tensor { return this.#b('ge', other); }
  logicalAnd(other: Tensor): Tensor { return this.#u(O.logical_and, other.handle); }
  logicalOr(other: Tensor): Tensor { return this.#u(O.logical_or, other.handle); }
  logicalNot(): Tensor { return this.#u(O.logical_not); }
  isfinite(): Tensor { return this.#u(O.isfinite); }
  isnan(): Tensor { return this.#u(O.isnan); }
  /** Same shape and values (exact). */
  equal(other: Tensor): boolean {
    return call(O.equal, this.handle, other.handle) as boolean;
  }
  /** `|this − other| ≤ atol + rtol·|other|` everywhere. */
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean {
    return call(O.allclose, this.handle, other.handle, rtol, atol, equalNan) as boolean;
  }

  // ---- reductions ----
  /** Sum over `dim` (all dims when omitted). */
  sum(dim?: number | number[], keepdim = false, dtype?: DType): Tensor {
    return this.#u(O.sum, dims(dim) ?? null, keepdim, dtype);
  }
  mean(dim?: number | number[], keepdim = false, dtype?: DType): Tensor {
    return this.#u(O.mean, dims(dim) ?? null, keepdim, dtype);
  }
  prod(dim?: number, keepdim = false): Tensor {
    return this.#u(O.prod, dim, keepdim);
  }
  /** Maximum over `dim` (all elements when omitted). */
  amax(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? this.#u(O.max_all) : this.#u(O.amax, dims(dim), keepdim);
  }
  amin(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? this.#u(O.min_all) : this.#u(O.amin, dims(dim), keepdim);
  }
  /** `max()` → the largest element; `max(dim)` → values and indices along `dim`. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return this.#u(O.max_all);
    const [v, i] = call(O.max_dim, this.handle, dim, keepdim) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return this.#u(O.min_all);
    const [v, i] = call(O.min_dim, this.handle, dim, keepdim) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return this.#u(O.argmax, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return this.#u(O.argmin, dim, keepdim);
  }
  /** Variance with Bessel's correction by default (`correction = 1`, like torch.var). */
  var(dim?: number | number[], correction = 1, keepdim = false): Tensor {
    return this.#u(O.var, dims(dim) ?? null, correction, keepdim);
  }
  std(dim?: number | number[], correction = 1, keepdim = false): Tensor {
    return this.#u(O.std, dims(dim) ?? null, correction, keepdim);
  }
  /** The p-norm of all elements. */
  norm(p = 2): Tensor {
    return this.#u(O.norm, p);
  }
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return this.#u(O.logsumexp, dims(dim), keepdim);
  }
  cumsum(dim: number): Tensor {
    return this.#u(O.cumsum, dim);
  }
  all(): Tensor { return this.#u(O.all); }
  any(): Tensor { return this.#u(O.any); }
  countNonzero(dim?: number): Tensor {
    return this.#u(O.count_nonzero, dim);
  }
  softmax(dim: number): Tensor {
    return this.#u(O.softmax, dim);
  }
  logSoftmax(dim: number): Tensor {
    return this.#u(O.log_softmax, dim);
  }

  // ---- shape and indexing ----
  reshape(...shape: number[]): Tensor {
    return this.#u(O.reshape, shape);
  }
  /** A view with another shape (the data must be compatible, as in PyTorch). */
  view(...shape: number[]): Tensor {
    return this.#u(O.view, shape);
  }
  permute(...order: number[]): Tensor {
    return this.#u(O.permute, order);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return this.#u(O.transpose, dim0, dim1);
  }
  squeeze(dim?: number): Tensor {
    return this.#u(O.squeeze, dim);
  }
  unsqueeze(dim: number): Tensor {
    return this.#u(O.unsqueeze, dim);
  }
  /** Broadcasts singleton dims to `shape` (−1 keeps a size). A view. */
  expand(...shape: number[]): Tensor {
    return this.#u(O.expand, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return this.#u(O.flatten, startDim, endDim);
  }
  /** `length` elements of `dim` from `start`. A view. */
  narrow(dim: number, start: number, length: number): Tensor {
    return this.#u(O.narrow, dim, start, length);
  }
  /** Python's `t[..., start:end:step]` along `dim` (negative indices count from the end). A view. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return this.#u(O.slice, dim, start, end, step);
  }
  /** `t[..., index]` along `dim` (the dim is removed). A view. */
  select(dim: number, index: number): Tensor {
    return this.#u(O.select, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return this.#u(O.index_select, dim, index.handle);
  }
  gather(dim: number, index: Tensor): Tensor {
    return this.#u(O.gather, dim, index.handle);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return this.#u(O.masked_fill, mask.handle, value);
  }
  maskedSelect(mask: Tensor): Tensor {
    return this.#u(O.masked_select, mask.handle);
  }
  /** Indices of non-zero elements, `[n, ndim]` int64. */
  nonzero(): Tensor {
    return this.#u(O.nonzero);
  }
  flip(...dimsToFlip: number[]): Tensor {
    return this.#u(O.flip, dimsToFlip);
  }
  roll(shifts: number[], dimsToRoll: number[]): Tensor {
    return this.#u(O.roll, shifts, dimsToRoll);
  }
  repeat(...times: number[]): Tensor {
    return this.#u(O.repeat, times);
  }

  // ---- in place (return this) ----
  copy_(src: Tensor): this { return this.#inplace(O.copy_, src.handle); }
  zero_(): this { return this.#inplace(O.zero_); }
  fill_(value: number): this { return this.#inplace(O.fill_, value); }
  add_(other: Operand, alpha = 1): this {
    return typeof other === 'number' ? this.#inplace(O.add_s_, other * alpha) : this.#inplace(O.add_, other.handle, alpha);
  }
  mul_(other: Operand): this {
    return typeof other === 'number' ? this.#inplace(O.mul_s_, other) : this.#inplace(O.mul_, other.handle);
  }
  div_(other: Operand): this {
    return typeof other === 'number' ? this.#inplace(O.div_s_, other) : this.#inplace(O.div_, other.handle);
  }
  /** `this += value · t1 · t2`. */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.#inplace(O.addcmul_, t1.handle, t2.handle, value);
  }
  /** `this += value · t1 / t2`. */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.#inplace(O.addcdiv_, t1.handle, t2.handle, value);
  }
  lerp_(end: Tensor, weight: number): this { return this.#inplace(O.lerp_, end.handle, weight); }
  clamp_(min?: number, max?: number): this { return this.#inplace(O.clamp_, min, max); }
  sqrt_(): this { return this.#inplace(O.sqrt_); }
  /** Fills with N(mean, std²) samples from the global generator. */
  normal_(mean = 0, std = 1): this { return this.#inplace(O.normal_, mean, std); }
  /** Fills with U(low, high) samples from the global generator. */
  uniform_(low = 0, high = 1): this { return this.#inplace(O.uniform_, low, high); }

  /** A short description: `Tensor(float32, cpu, [2, 3])`. */
  toString(): string {
    if (this.#disposed) return 'Tensor(disposed)';
    return `Tensor(${this.dtype}, ${this.device}, [${this.shape.join(', ')}])`;
  }
}

/** Wraps a native handle in a Tensor. @internal */
export function wrap(h: unknown): Tensor {
  return new Tensor(h as Handle);
}

/** Wraps an array of native handles. @internal */
export function wrapAll(hs: unknown): Tensor[] {
  return (hs as Handle[]).map((h) => new Tensor(h));
}

/** The typed array's tensor: a copy with the given shape. @internal */
export function fromTypedArray(data: ArrayBufferView, shape: number[], dtype?: DType, device?: Device): Tensor {
  return new Tensor(native.fromBuffer(data, shape, dtype ?? dtypeOfArray(data), device));
}
