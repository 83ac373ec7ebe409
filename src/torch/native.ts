/**
 * Loads the libtorch addon (`native/build/meatus_torch.node`) and resolves op names to the indices
 * of its op table. Everything else in `src/torch/` goes through {@link call}.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opaque reference to a libtorch tensor owned by the addon. */
export type Handle = { readonly __meatusTensorHandle: unique symbol };

/** What the addon exports (see native/src/addon.cc and runtime.cc). */
export interface Binding {
  call(op: number, ...args: unknown[]): unknown;
  opNames(): string[];
  dispose(h: Handle): void;
  isDisposed(h: Handle): boolean;
  liveHandles(): number;
  meta(h: Handle): [string, string, number[], boolean];
  fromBuffer(data: ArrayBufferView, shape: number[], dtype: string, device?: string): Handle;
  toBuffer(h: Handle, dtype: string): ArrayBuffer;
  info(): {
    version: string;
    cudaCompiled: boolean;
    cudaAvailable: boolean;
    cudaDeviceCount: number;
    numThreads: number;
    parallelInfo: string;
    cxx11Abi: boolean;
  };
  setNumThreads(n: number): void;
  manualSeed(seed: number): void;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  autocastEnter(dtype: string): boolean;
  autocastExit(previous: boolean): void;
  cudaSynchronize(): void;
  cudaEmptyCache(): void;
  cudaMemoryStats(device: number): { allocated: number; reserved: number; peakAllocated: number };
  /** c10d (native/src/distributed.cc). */
  distributed: {
    init(backend: string, host: string, port: number, rank: number, size: number, timeoutMs: number): void;
    allReduce(tensors: Handle[], scale: number, bucketBytes: number): void;
    broadcast(tensors: Handle[], root: number, bucketBytes: number): void;
    barrier(): void;
    destroy(): void;
    state(): { backend: string; rank: number; size: number; timeoutMs: number } | null;
    backends(): { gloo: boolean; nccl: boolean };
  };
}

/** Where the addon is looked for: `$MEATUS_NATIVE`, else `native/build/` of this package. */
export function addonPath(): string {
  if (process.env.MEATUS_NATIVE) return resolve(process.env.MEATUS_NATIVE);
  // src/torch/native.ts and dist/torch/native.js are both two levels below the package root.
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'meatus_torch.node');
}

function load(): Binding {
  const path = addonPath();
  if (!existsSync(path)) {
    throw new Error(
      `meatus: the libtorch addon is not built (${path} is missing). Run \`npm run setup\` ` +
        '(it installs libtorch if needed and builds the addon).',
    );
  }
  // libtorch's OpenMP threads spin while waiting by default; next to the data-loading worker threads
  // that makes every op wait for a descheduled spinner (measured: 4.7 → 1.7 s per training step on 2
  // cores). Passive waiting unless the user chose otherwise; OpenMP reads this when the addon loads.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  const binding = createRequire(import.meta.url)(path) as Binding;
  // libtorch here starts with one intra-op thread; use the machine's cores, as PyTorch users expect.
  const cores = Number(process.env.MEATUS_NUM_THREADS) || availableParallelism();
  binding.setNumThreads(Math.max(1, cores));
  return binding;
}

/** The loaded addon. */
export const native: Binding = load();

const ids = new Map<string, number>(native.opNames().map((name, i) => [name, i]));

/**
 * The index of a native op, resolved once at module load by the callers.
 * @throws Error if the addon has no op of that name (an addon older than the TypeScript layer).
 */
export function opId(name: string): number {
  const id = ids.get(name);
  if (id === undefined) throw new Error(`meatus: the native addon has no op '${name}'; rebuild it (npm run setup)`);
  return id;
}

/** Calls a native op by index with positional arguments (see native/src/ops.cc). */
export const call: (op: number, ...args: unknown[]) => unknown = native.call;
