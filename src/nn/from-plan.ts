/**
 * The network a plan describes for a task: the nnU-Net-style 3D U-Net with the plan's topology
 * (features, kernels, strides) and the task's input channels and classes. Training and inference
 * build their networks here, so a checkpoint's plan always rebuilds the network that wrote it.
 */
import type { Device } from '../torch/index.js';
import { taskShape, type Plan, type Task } from '../preprocess/types.js';
import { UNet } from './unet.js';

/**
 * Builds the U-Net of `plan` for `task` on `device` (new weights; load a checkpoint to restore).
 * @param deepSupervision whether the decoder returns the lower-resolution outputs too (training).
 * @throws Error for an unknown task.
 * @example const net = buildNetwork(plan, 'wholeTumour', 'cpu', false);
 */
export function buildNetwork(plan: Plan, task: Task, device: Device, deepSupervision = true): UNet {
  const { inChannels, numClasses } = taskShape(task);
  return new UNet({ inChannels, numClasses, ...plan.network, deepSupervision, device });
}
