/**
 * Data parallelism for the trainer, as PyTorch's DistributedDataParallel does it: rank 0's weights
 * are broadcast once, every rank trains on its own batches, and after each backward the gradients
 * are all-reduced (in 25 MB buckets) so that every rank's optimizer takes the same step.
 *
 * nnU-Net's rule for the batch: the plan's batch size is the global batch, split across ranks
 * (nnU-Net v2's `_set_batch_size_and_oversample`: sizes differ by at most one, the first ranks take
 * the remainder). Each rank's gradient is weighted by its share of the global batch, so the reduced
 * gradient is the mean over the global batch for any split (plain averaging when the split is even).
 */
import { distributed as dist, type Tensor } from '../torch/index.js';

/** This rank's share of a global batch of `batchSize` samples. @throws Error if a rank would get none. */
export function rankBatchSize(batchSize: number, worldSize: number, rank: number): number {
  if (batchSize < worldSize) {
    throw new Error(
      `data-parallel training: the plan's batch size ${batchSize} is smaller than the number of ranks ${worldSize}; ` +
        'use fewer processes or a plan with a larger batchSize',
    );
  }
  return Math.floor(batchSize / worldSize) + (rank < batchSize % worldSize ? 1 : 0);
}

/**
 * The data-stream seed of `rank`: rank 0 keeps the run's seed (a one-process run is unchanged),
 * the others are offset by 10007·rank, so every rank draws its own reproducible batches.
 */
export function rankSeed(seed: number, rank: number): number {
  return seed + 10007 * rank;
}

/** Makes every rank's parameters rank 0's (in place). No-op without a process group. */
export function syncParameters(params: Tensor[]): void {
  if (dist.getWorldSize() > 1) dist.broadcast(params, { src: 0 });
}

/**
 * Sums `weight` × gradient over ranks into every parameter's `.grad` (in place), where `weight` is
 * this rank's share of the global batch (see {@link rankBatchSize}); parameters without a gradient
 * are skipped (they must be the same on every rank). No-op without a process group.
 * @throws Error when a rank has failed or the collective times out.
 */
export function reduceGradients(params: Tensor[], weight: number): void {
  if (dist.getWorldSize() <= 1) return;
  const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
  try {
    dist.allReduce(grads, { scale: weight });
  } finally {
    for (const g of grads) g.dispose();
  }
}

/** Sums plain numbers over ranks (float64 on CPU; Gloo). Returns the sums. */
export function sumOverRanks(values: number[]): number[] {
  if (dist.getWorldSize() <= 1) return values;
  return dist.allReduceNumbers(values);
}
