/**
 * The layers of nnU-Net's networks: Conv3d, ConvTranspose3d, InstanceNorm3d, LeakyReLU.
 * Default initialisation as PyTorch's (Kaiming uniform with a = √5, bias U(±1/√fanIn)); the U-Net
 * re-initialises as nnU-Net does. Tensors are `[N, C, Z, Y, X]`.
 */
import { F, torch, type Device, type Tensor } from '../torch/index.js';
import type { Size3 } from '../torch/functional.js';
import { Module } from './module.js';
import { fanIn, kaimingUniform_ } from './init.js';

function triple(v: Size3): [number, number, number] {
  return typeof v === 'number' ? [v, v, v] : v;
}

/** Options shared by the convolutions. */
export interface ConvOptions {
  stride?: Size3;
  padding?: Size3;
  bias?: boolean;
  device?: Device;
}

function initBias(b: Tensor, w: Tensor): void {
  const bound = 1 / Math.sqrt(fanIn(w));
  torch.noGrad(() => b.uniform_(-bound, bound));
}

/** 3-D convolution, weight `[out, in, kz, ky, kx]`. */
export class Conv3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: [number, number, number];
  readonly padding: [number, number, number];

  constructor(inChannels: number, outChannels: number, kernel: Size3, o: ConvOptions = {}) {
    super();
    const k = triple(kernel);
    this.stride = triple(o.stride ?? 1);
    this.padding = triple(o.padding ?? 0);
    this.weight = this.param('weight', kaimingUniform_(torch.empty([outChannels, inChannels, ...k], { device: o.device }), Math.sqrt(5)));
    this.bias = o.bias === false ? null : this.param('bias', torch.empty([outChannels], { device: o.device }));
    if (this.bias) initBias(this.bias, this.weight);
  }

  forward(x: Tensor): Tensor {
    return F.conv3d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}

/** Transposed 3-D convolution, weight `[in, out, kz, ky, kx]`. */
export class ConvTranspose3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: [number, number, number];

  constructor(inChannels: number, outChannels: number, kernel: Size3, o: ConvOptions = {}) {
    super();
    const k = triple(kernel);
    this.stride = triple(o.stride ?? 1);
    this.weight = this.param('weight', kaimingUniform_(torch.empty([inChannels, outChannels, ...k], { device: o.device }), Math.sqrt(5)));
    this.bias = o.bias === false ? null : this.param('bias', torch.empty([outChannels], { device: o.device }));
    if (this.bias) initBias(this.bias, this.weight);
  }

  forward(x: Tensor): Tensor {
    return F.convTranspose3d(x, this.weight, this.bias, { stride: this.stride });
  }
}

/** Instance normalisation with a learnable per-channel scale and shift (nnU-Net: eps 1e-5, affine). */
export class InstanceNorm3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    channels: number,
    readonly eps = 1e-5,
    device?: Device,
  ) {
    super();
    this.weight = this.param('weight', torch.ones([channels], { device }));
    this.bias = this.param('bias', torch.zeros([channels], { device }));
  }
  forward(x: Tensor): Tensor {
    return F.instanceNorm(x, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}
