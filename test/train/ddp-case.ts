// The data-parallel test case shared by the test (one process, the reference) and its workers
// (test/train/ddp-worker.ts): a small U-Net, seeded batches per (step, rank), the trainer's loss
// (CE + Dice) and optimizer (SGD, Nesterov 0.99, weight decay 3e-5).
import { optim, torch, type Tensor } from '../../src/torch/index.js';
import { UNet } from '../../src/nn/index.js';
import { diceCeLoss } from '../../src/loss/index.js';

export const STEPS = 3;

/** The network, initialised from `seed` (the workers use different seeds: rank 0's must win). */
export function buildNet(seed: number): UNet {
  torch.manualSeed(seed);
  return new UNet({
    inChannels: 1,
    numClasses: 3,
    features: [4, 8],
    kernels: [
      [3, 3, 3],
      [3, 3, 3],
    ],
    strides: [
      [1, 1, 1],
      [2, 2, 2],
    ],
    deepSupervision: false,
  });
}

export function makeOptimizer(net: UNet): InstanceType<typeof optim.SGD> {
  return new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.99, nesterov: true, weightDecay: 3e-5 });
}

/** Forward and backward of the batch of (step, rank): gradients accumulate into the parameters. */
export function backwardOn(net: UNet, step: number, rank: number): void {
  torch.manualSeed(1000 * step + rank + 1);
  torch.scope(() => {
    const x = torch.randn([1, 1, 8, 8, 8]);
    const y = torch.randint(0, 3, [1, 8, 8, 8]);
    const loss: Tensor = diceCeLoss(net.forward(x)[0], y);
    loss.backward();
  });
}
