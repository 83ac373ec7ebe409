/**
 * Automatic mixed precision on CUDA: {@link autocast} (torch.autocast('cuda')) and
 * {@link GradScaler} (torch.cuda.amp.GradScaler's dynamic loss scaling).
 */
import { native } from './native.js';
import { noGrad } from './autograd.js';
import { scope } from './scope.js';
import type { Tensor } from './tensor.js';
import type { Optimizer } from './optim/optimizer.js';
import { stack } from './creation.js';

/**
 * Runs `fn` with CUDA autocast: eligible ops (convolutions, matmuls) run in `dtype`, others in
 * float32, as torch.autocast does. CPU ops are unaffected. Nests.
 * @throws TypeError for a dtype other than float16/bfloat16, or an async `fn`.
 */
export function autocast<T>(fn: () => T, o: { dtype?: 'float16' | 'bfloat16'; enabled?: boolean } = {}): T {
  if (o.enabled === false) return fn();
  const prev = native.autocastEnter(o.dtype ?? 'float16');
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('torch.autocast: the function returned a Promise; use a synchronous function');
    return r;
  } finally {
    native.autocastExit(prev);
  }
}

export interface GradScalerOptions {
  initScale: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
  enabled: boolean;
}

/**
 * Dynamic loss scaling for float16 training: `scaler.scale(loss).backward()`,
 * `scaler.step(optimizer)` (skipped when a gradient is inf/NaN), `scaler.update()`.
 * Defaults as PyTorch: scale 65536, ×2 after 2000 good steps, ×0.5 on overflow.
 * Disabled (a no-op pass-through) when `enabled` is false, e.g. for CPU training.
 */
export class GradScaler {
  readonly options: GradScalerOptions;
  #scale: number;
  #goodSteps = 0;
  #foundInf: boolean | null = null;
  #unscaled = new Set<Optimizer<object>>();

  constructor(o: Partial<GradScalerOptions> = {}) {
    this.options = { initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000, enabled: true, ...o };
    this.#scale = this.options.initScale;
  }

  /** The current scale factor. */
  getScale(): number {
    return this.options.enabled ? this.#scale : 1;
  }

  /** `loss · scale` (a new tensor; the loss itself when disabled). */
  scale(loss: Tensor): Tensor {
    return this.options.enabled ? loss.mul(this.#scale) : loss;
  }

  /** Divides the optimizer's gradients by the scale (once per step) and records inf/NaN. */
  unscale_(opt: Optimizer<object>): void {
    if (!this.options.enabled || this.#unscaled.has(opt)) return;
    const inv = 1 / this.#scale;
    // One device→host sync for all gradients, not one per parameter.
    const found = noGrad(() =>
      scope(() => {
        const flags: Tensor[] = [];
        for (const p of opt.parameters()) {
          const g = p.grad;
          if (g === null) continue;
          g.mul_(inv);
          flags.push(g.isfinite().all());
        }
        return flags.length > 0 && stack(flags).all().item() === 0;
      }),
    );
    this.#foundInf = (this.#foundInf ?? false) || found;
    this.#unscaled.add(opt);
  }

  /** Unscales (if not yet) and steps, unless a gradient was inf/NaN. Returns whether it stepped. */
  step(opt: Optimizer<object>): boolean {
    if (!this.options.enabled) {
      opt.step();
      return true;
    }
    this.unscale_(opt);
    if (this.#foundInf) return false;
    opt.step();
    return true;
  }

  /** Adjusts the scale after a step: back off on overflow, grow after `growthInterval` good steps. */
  update(): void {
    if (!this.options.enabled) return;
    if (this.#foundInf) {
      this.#scale *= this.options.backoffFactor;
      this.#goodSteps = 0;
    } else if (++this.#goodSteps >= this.options.growthInterval) {
      this.#scale *= this.options.growthFactor;
      this.#goodSteps = 0;
    }
    this.#foundInf = null;
    this.#unscaled.clear();
  }

  /** State to save with a checkpoint. */
  stateDict(): { scale: number; goodSteps: number } {
    return { scale: this.#scale, goodSteps: this.#goodSteps };
  }
  loadStateDict(s: { scale: number; goodSteps: number }): void {
    this.#scale = s.scale;
    this.#goodSteps = s.goodSteps;
  }
}
