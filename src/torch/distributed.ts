/**
 * `torch.distributed` for meatus: libtorch's c10d — a TCPStore rendezvous served by rank 0, then
 * ProcessGroupGloo (CPU tensors) or ProcessGroupNCCL (CUDA tensors, CUDA libtorch only). One process
 * group per process, like torch.distributed's default group. Collectives are synchronous (like the
 * rest of the tensor API) and time out: a rank that died or hangs makes the others throw an `Error`
 * naming the operation, the rank and the timeout — never wait forever.
 *
 * Follows torch/distributed/distributed_c10d.py (init_process_group, all_reduce, broadcast, barrier,
 * destroy_process_group); the bucketing (tensors flattened into buffers of `bucketMB`, 25 MB by
 * default) is DistributedDataParallel's.
 */
import { native } from './native.js';
import type { Tensor } from './tensor.js';
import { tensor } from './creation.js';

/** Collective backends: Gloo (CPU) and NCCL (CUDA). */
export type Backend = 'gloo' | 'nccl';

/** Options of {@link initProcessGroup}. */
export interface ProcessGroupOptions {
  backend?: Backend;
  /** Host of rank 0's TCPStore (torchrun's MASTER_ADDR). */
  masterAddr: string;
  /** Its port (MASTER_PORT). */
  masterPort: number;
  rank: number;
  worldSize: number;
  /** Rendezvous and collective timeout, seconds (default 1800, torch's). */
  timeoutSeconds?: number;
}

/** The backends this addon was built with. */
export function availableBackends(): { gloo: boolean; nccl: boolean } {
  // An addon built before distributed.cc existed has no `distributed` at all.
  return native.distributed?.backends() ?? { gloo: false, nccl: false };
}

/**
 * Joins the process group: blocks until all `worldSize` ranks have reached the rendezvous at
 * `masterAddr:masterPort` (rank 0 serves it) or the timeout passes.
 * @throws Error if the addon lacks c10d, a group already exists, rank/port are out of range, or the
 *   rendezvous fails (the message says what to check).
 */
export function initProcessGroup(o: ProcessGroupOptions): void {
  const timeout = o.timeoutSeconds ?? 1800;
  if (!(timeout > 0)) throw new RangeError(`initProcessGroup: timeoutSeconds must be > 0, got ${timeout}`);
  native.distributed.init(
    o.backend ?? 'gloo',
    o.masterAddr,
    o.masterPort,
    o.rank,
    o.worldSize,
    Math.round(timeout * 1000),
  );
}

/** Whether this process has joined a process group. */
export function isInitialized(): boolean {
  return native.distributed.state() !== null;
}

/** This process's rank (0 without a group). */
export function getRank(): number {
  return native.distributed.state()?.rank ?? 0;
}

/** Number of ranks (1 without a group). */
export function getWorldSize(): number {
  return native.distributed.state()?.size ?? 1;
}

function bucketBytes(mb: number | undefined): number {
  const v = mb ?? 25;
  if (!(v > 0)) throw new RangeError(`bucketMB must be > 0, got ${v}`);
  return Math.round(v * 2 ** 20);
}

/**
 * In place, on every rank: each tensor becomes Σ over ranks of `scale` × that rank's tensor
 * (`scale` 1/worldSize gives the mean). Tensors are reduced in buckets of `bucketMB`.
 * @throws Error without a process group, or when a rank fails or times out.
 */
export function allReduce(tensors: Tensor[], o: { scale?: number; bucketMB?: number } = {}): void {
  native.distributed.allReduce(
    tensors.map((t) => t.handle),
    o.scale ?? 1,
    bucketBytes(o.bucketMB),
  );
}

/**
 * In place, on every rank: the tensors become rank `src`'s.
 * @throws Error without a process group, or when a rank fails or times out.
 */
export function broadcast(tensors: Tensor[], o: { src?: number; bucketMB?: number } = {}): void {
  native.distributed.broadcast(
    tensors.map((t) => t.handle),
    o.src ?? 0,
    bucketBytes(o.bucketMB),
  );
}

/** Waits until every rank has reached this point. @throws Error on failure or timeout. */
export function barrier(): void {
  native.distributed.barrier();
}

/** Leaves the process group (rank 0 stops serving the store). A no-op without one. */
export function destroyProcessGroup(): void {
  if (isInitialized()) native.distributed.destroy();
}

/**
 * Sums numbers over ranks (in a float64 tensor: on CPU for Gloo, on the current CUDA device for NCCL).
 * @throws Error without a process group, or when a rank fails or times out.
 */
export function allReduceNumbers(values: number[]): number[] {
  const device = native.distributed.state()?.backend === 'nccl' ? 'cuda' : 'cpu';
  const t = tensor(Float64Array.from(values), { device });
  try {
    allReduce([t]);
    return Array.from(t.toFloat64Array());
  } finally {
    t.dispose();
  }
}
