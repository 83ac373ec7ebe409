/**
 * nnU-Net's generic 3-D U-Net (PlainConvUNet of nnU-Net v2): per stage two blocks of
 * conv (3×3×3 or anisotropic, e.g. 1×3×3) → instance norm → leaky ReLU 0.01, the first conv of a
 * stage strided for downsampling; transposed-conv upsampling, skip concatenation, a 1×1×1
 * segmentation head per decoder stage (deep supervision); He initialisation (a = 0.01), zero biases.
 * Parameter names follow nnU-Net's (`encoder.stages.0.0.convs.0.conv.weight`, …).
 *
 * Input `[N, inChannels, Z, Y, X]`, with Z, Y, X divisible by the product of the strides.
 */
import { torch, F, type Device, type Tensor } from '../torch/index.js';
import { Module } from './module.js';
import { Conv3d, ConvTranspose3d, InstanceNorm3d } from './layers.js';
import { constant_, kaimingNormal_ } from './init.js';

type V3 = [number, number, number];

/** The topology, from the plan. */
export interface UNetConfig {
  inChannels: number;
  numClasses: number;
  /** Features per stage, e.g. [32, 64, 128, 256, 320, 320]. */
  features: number[];
  /** Convolution kernel per stage `[kz, ky, kx]`. */
  kernels: V3[];
  /** Stride of each stage's first conv; stage 0 is [1, 1, 1]. */
  strides: V3[];
  /** Convs per encoder stage (2). */
  convsPerStage?: number;
  /** Convs per decoder stage (2). */
  convsPerDecoderStage?: number;
  /** Return one output per decoder stage (full resolution first). Default true. */
  deepSupervision?: boolean;
  device?: Device;
}

/** conv → instance norm → leaky ReLU. */
class ConvNormAct extends Module {
  readonly conv: Conv3d;
  readonly norm: InstanceNorm3d;
  constructor(cin: number, cout: number, kernel: V3, stride: V3, device?: Device) {
    super();
    const padding = kernel.map((k) => (k - 1) / 2) as V3;
    this.conv = this.child('conv', new Conv3d(cin, cout, kernel, { stride, padding, device }));
    this.norm = this.child('norm', new InstanceNorm3d(cout, 1e-5, device));
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(this.norm.forward(this.conv.forward(x)), 0.01, true);
  }
}

/** n × ConvNormAct, the first with `stride`. */
class StackedConvs extends Module {
  readonly blocks: ConvNormAct[] = [];
  constructor(n: number, cin: number, cout: number, kernel: V3, stride: V3, device?: Device) {
    super();
    const convs = this.child('convs', new Sequence());
    for (let i = 0; i < n; i++) {
      this.blocks.push(convs.add(new ConvNormAct(i === 0 ? cin : cout, cout, kernel, i === 0 ? stride : [1, 1, 1], device)));
    }
  }
  forward(x: Tensor): Tensor {
    return torch.scope(() => this.blocks.reduce((h, b) => b.forward(h), x));
  }
}

/** A container: numbered children (nn.Sequential / nn.ModuleList naming) or named ones. */
class Sequence extends Module {
  #n = 0;
  add<M extends Module>(m: M): M {
    return this.child(String(this.#n++), m);
  }
  set<M extends Module>(name: string, m: M): M {
    return this.child(name, m);
  }
}

function checkConfig(c: UNetConfig): void {
  const n = c.features.length;
  if (n < 2) throw new Error(`UNet: need at least 2 stages, got ${n}`);
  if (c.kernels.length !== n || c.strides.length !== n) {
    throw new Error(`UNet: features (${n}), kernels (${c.kernels.length}) and strides (${c.strides.length}) must have one entry per stage`);
  }
  for (const k of c.kernels) if (k.some((v) => v % 2 !== 1)) throw new Error(`UNet: kernel sizes must be odd, got [${k}]`);
}

export class UNet extends Module {
  readonly config: Required<Omit<UNetConfig, 'device'>> & { device?: Device };
  readonly #encoder: StackedConvs[] = [];
  readonly #decoder: StackedConvs[] = [];
  readonly #up: ConvTranspose3d[] = [];
  readonly #heads: Conv3d[] = [];

  constructor(config: UNetConfig) {
    super();
    checkConfig(config);
    this.config = { convsPerStage: 2, convsPerDecoderStage: 2, deepSupervision: true, ...config };
    const { features: f, kernels, strides, device } = this.config;
    const n = f.length;
    const encoder = this.child('encoder', new Sequence());
    const encStages = encoder.set('stages', new Sequence());
    for (let s = 0; s < n; s++) {
      const wrapper = encStages.add(new Sequence());
      this.#encoder.push(wrapper.add(new StackedConvs(this.config.convsPerStage, s === 0 ? config.inChannels : f[s - 1], f[s], kernels[s], strides[s], device)));
    }
    const decoder = this.child('decoder', new Sequence());
    const decStages = decoder.set('stages', new Sequence());
    const transp = decoder.set('transpconvs', new Sequence());
    const heads = decoder.set('seg_layers', new Sequence());
    for (let s = 1; s < n; s++) {
      const below = f[n - s];
      const skip = f[n - s - 1];
      const stride = strides[n - s];
      this.#up.push(transp.add(new ConvTranspose3d(below, skip, stride, { stride, device })));
      this.#decoder.push(decStages.add(new StackedConvs(this.config.convsPerDecoderStage, 2 * skip, skip, kernels[n - s - 1], [1, 1, 1], device)));
      this.#heads.push(heads.add(new Conv3d(skip, config.numClasses, 1, { device })));
    }
    this.#initialise();
  }

  /** nnU-Net's InitWeights_He(1e-2): convolution weights Kaiming normal with a = 0.01, biases 0. */
  #initialise(): void {
    for (const [name, p] of this.namedParameters()) {
      const isNorm = name.includes('.norm.');
      if (name.endsWith('.weight') && !isNorm) kaimingNormal_(p, 1e-2);
      else if (name.endsWith('.bias') && !isNorm) constant_(p, 0);
    }
  }

  /** The product of the strides: input sizes must be multiples of it. */
  get divisor(): V3 {
    return this.config.strides.reduce((a, s) => a.map((v, i) => v * s[i]) as V3, [1, 1, 1] as V3);
  }

  /**
   * Logits `[N, numClasses, Z, Y, X]` — with deep supervision, one per decoder stage, full
   * resolution first (each stride lower).
   * @throws Error if a spatial size is not a multiple of {@link divisor} or the channels differ.
   */
  forward(x: Tensor): Tensor[] {
    const [, c, ...sp] = x.shape;
    if (c !== this.config.inChannels || sp.length !== 3) {
      throw new Error(`UNet: expected input [N, ${this.config.inChannels}, Z, Y, X], got [${x.shape}]`);
    }
    const d = this.divisor;
    if (sp.some((v, i) => v % d[i] !== 0)) throw new Error(`UNet: spatial size [${sp}] must be a multiple of [${d}]`);
    return torch.scope(() => {
      const skips: Tensor[] = [];
      let h = x;
      for (const stage of this.#encoder) skips.push((h = stage.forward(h)));
      const outs: Tensor[] = [];
      const last = this.#decoder.length - 1;
      for (let s = 0; s <= last; s++) {
        const up = this.#up[s].forward(h);
        h = this.#decoder[s].forward(torch.cat([up, skips[skips.length - s - 2]], 1));
        if (this.config.deepSupervision || s === last) outs.push(this.#heads[s].forward(h));
      }
      return outs.reverse();
    });
  }
}
