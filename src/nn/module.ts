/**
 * `Module`: a named tree of parameters and sub-modules, like torch.nn.Module. Parameters are
 * tensors kept outside every scope (they live until `dispose()`); `stateDict()` names them with
 * PyTorch's dotted paths, so weights move to and from PyTorch through safetensors.
 */
import { torch, type Tensor } from '../torch/index.js';

export abstract class Module {
  /** Training mode (affects dropout / batch norm; nnU-Net's layers behave the same in both). */
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  /** Registers a parameter (made a leaf requiring grad, kept out of scopes). */
  protected param(name: string, t: Tensor): Tensor {
    const p = torch.keep(t.requiresGrad ? t : t.requiresGrad_(true));
    this.#params.set(name, p);
    return p;
  }
  /** Registers a non-trainable tensor saved with the state (e.g. running statistics). */
  protected buffer(name: string, t: Tensor): Tensor {
    this.#buffers.set(name, torch.keep(t));
    return t;
  }
  /** Registers a sub-module under `name`. */
  protected child<M extends Module>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }

  /** Every parameter with its dotted name (`encoder.stages.0.convs.0.conv.weight`). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#params].map(([k, v]) => [prefix + k, v]);
    for (const [k, m] of this.#children) out.push(...m.namedParameters(`${prefix}${k}.`));
    return out;
  }
  /** Every parameter. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  /** Parameters and buffers by dotted name (the live tensors; don't dispose them). */
  stateDict(prefix = ''): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, v] of this.#params) out[prefix + k] = v;
    for (const [k, v] of this.#buffers) out[prefix + k] = v;
    for (const [k, m] of this.#children) Object.assign(out, m.stateDict(`${prefix}${k}.`));
    return out;
  }
  /**
   * Copies values into the parameters and buffers (shapes must match; dtype/device converted).
   * @throws Error listing missing or unexpected keys and shape mismatches (strict).
   */
  loadStateDict(sd: Record<string, Tensor>, strict = true): void {
    const mine = this.stateDict();
    const missing = Object.keys(mine).filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !(k in mine));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(
        `loadStateDict: ${missing.length ? `missing keys ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}` : ''}` +
          `${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected keys ${unexpected.slice(0, 5).join(', ')}` : ''}`,
      );
    }
    torch.noGrad(() =>
      torch.scope(() => {
        for (const [k, dst] of Object.entries(mine)) {
          const src = sd[k];
          if (!src) continue;
          if (src.shape.join() !== dst.shape.join()) {
            throw new Error(`loadStateDict: '${k}' has shape [${src.shape}], the module expects [${dst.shape}]`);
          }
          dst.copy_(src.to(dst.device, dst.dtype));
        }
      }),
    );
  }
  /** Sets training mode on this module and its children. */
  train(on = true): this {
    this.training = on;
    for (const m of this.#children.values()) m.train(on);
    return this;
  }
  /** `train(false)`. */
  eval(): this {
    return this.train(false);
  }
  /** Number of trainable values. */
  numParameters(): number {
    return this.parameters().reduce((a, p) => a + p.numel, 0);
  }
  /** Releases every parameter and buffer. */
  dispose(): void {
    for (const t of Object.values(this.stateDict())) t.dispose();
  }
}
