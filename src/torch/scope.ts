/**
 * Tensor lifetimes. libtorch memory is not seen by the JavaScript garbage collector, so meatus
 * releases tensors deterministically: {@link scope} disposes every tensor created inside it that
 * is not part of its return value; `tensor.dispose()` and `using` release one tensor. The native
 * handle's finalizer is only a safety net.
 */
import { native } from './native.js';

/** Anything a scope can track. */
export interface Tracked {
  dispose(): void;
  readonly isDisposed: boolean;
  /** The scope that owns it (set by the scope machinery). */
  _scope: Set<Tracked> | null;
}

const stack: Set<Tracked>[] = [];

/** Registers a new tensor with the innermost scope, if any. @internal */
export function track(t: Tracked): void {
  const top = stack[stack.length - 1];
  if (top) {
    top.add(t);
    t._scope = top;
  }
}

/** Removes a tensor from its scope (on dispose, or to keep it). @internal */
export function untrack(t: Tracked): void {
  t._scope?.delete(t);
  t._scope = null;
}

function collect(value: unknown, out: Set<Tracked>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ('_scope' in value && typeof (value as Tracked).dispose === 'function') {
    out.add(value as Tracked);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Runs `fn` and disposes every tensor created during it, except the tensors reachable from its
 * return value (a tensor, or arrays, Maps and plain objects holding tensors), which move to the
 * enclosing scope. Like TensorFlow.js's `tidy`. Synchronous only.
 * @throws TypeError if `fn` returns a Promise (tensors would outlive the scope).
 * @example
 * const loss = torch.scope(() => model.forward(x).sub(y).square().mean());
 */
export function scope<T>(fn: () => T): T {
  const mine = new Set<Tracked>();
  stack.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    stack.pop();
    for (const t of mine) t.dispose();
    throw err;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of mine) t.dispose();
    throw new TypeError('torch.scope: the function returned a Promise; scopes are synchronous');
  }
  const kept = new Set<Tracked>();
  collect(result, kept, new Set());
  const parent = stack[stack.length - 1] ?? null;
  for (const t of mine) {
    if (kept.has(t)) {
      t._scope = parent;
      parent?.add(t);
    } else {
      t._scope = null;
      t.dispose();
    }
  }
  return result;
}

/**
 * Takes tensors out of every scope: they live until disposed explicitly (model parameters,
 * optimizer state). Returns its argument.
 */
export function keep<T>(value: T): T {
  const found = new Set<Tracked>();
  collect(value, found, new Set());
  for (const t of found) untrack(t);
  return value;
}

/** Number of native tensor handles not yet released: the leak detector of the tests. */
export function liveTensors(): number {
  return native.liveHandles();
}
