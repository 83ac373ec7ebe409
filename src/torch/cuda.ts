/**
 * CUDA and runtime information: `torch.cuda.isAvailable()`, memory statistics, threads.
 */
import { native } from './native.js';

/** Whether a CUDA device can be used (the addon was built against a CUDA libtorch and a GPU is visible). */
export function isAvailable(): boolean {
  return native.info().cudaAvailable;
}

/** Number of visible CUDA devices. */
export function deviceCount(): number {
  return native.info().cudaDeviceCount;
}

/** Waits for all queued CUDA work (for timing). No-op without CUDA. */
export function synchronize(): void {
  native.cudaSynchronize();
}

/** Returns cached, unused CUDA memory to the driver. No-op without CUDA. */
export function emptyCache(): void {
  native.cudaEmptyCache();
}

/** Bytes allocated, reserved and the peak allocated on a CUDA device (zeros without CUDA). */
export function memoryStats(device = 0): { allocated: number; reserved: number; peakAllocated: number } {
  return native.cudaMemoryStats(device);
}
