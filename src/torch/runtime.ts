/**
 * libtorch process settings: threads and build information (`meatus doctor` prints these).
 */
import { addonPath, native } from './native.js';

/** Sets libtorch's intra-op thread count (meatus starts with one per core). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

/** libtorch's intra-op thread count. */
export function getNumThreads(): number {
  return native.info().numThreads;
}

/** The libtorch build behind meatus: version, CUDA, threads, where the addon is. */
export function buildInfo(): ReturnType<typeof native.info> & { addon: string } {
  return { ...native.info(), addon: addonPath() };
}
