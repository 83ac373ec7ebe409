/**
 * The optimizer base: parameter groups with their own hyper-parameters, per-parameter state,
 * `zeroGrad`, and a state dict that round-trips through safetensors. Updates run under `noGrad`
 * inside a scope, so a step leaves no temporary tensors behind.
 */
import { noGrad } from '../autograd.js';
import { keep, scope } from '../scope.js';
import type { Tensor } from '../tensor.js';

/** A group of parameters sharing hyper-parameters (those not given take the optimizer's defaults). */
export type ParamGroupSpec<H> = { params: Tensor[] } & Partial<H>;

/** A parameter group after construction. */
export interface ParamGroup<H> {
  params: Tensor[];
  options: H;
}

/** Per-parameter state: tensors (moments, buffers) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/** What `stateDict()` returns: tensors keyed `"<paramIndex>.<name>"`, and JSON-able metadata. */
export interface OptimizerStateDict<H> {
  tensors: Record<string, Tensor>;
  meta: { groups: (H & { params: number[] })[]; scalars: Record<string, number> };
}

export abstract class Optimizer<H extends object> {
  readonly paramGroups: ParamGroup<H>[];
  protected readonly state = new Map<Tensor, ParamState>();

  constructor(params: Tensor[] | ParamGroupSpec<H>[], defaults: H) {
    if (!Array.isArray(params) || params.length === 0) throw new TypeError('optimizer: expected a non-empty list of parameters or groups');
    const specs: ParamGroupSpec<H>[] =
      'params' in (params[0] as object) ? (params as ParamGroupSpec<H>[]) : [{ params: params as Tensor[] } as ParamGroupSpec<H>];
    const seen = new Set<Tensor>();
    this.paramGroups = specs.map((spec, gi) => {
      const { params: ps, ...rest } = spec;
      for (const p of ps) {
        if (seen.has(p)) throw new TypeError(`optimizer: a parameter appears twice (group ${gi})`);
        seen.add(p);
        if (!p.requiresGrad) throw new TypeError(`optimizer: parameter ${p.toString()} in group ${gi} does not require grad`);
      }
      return { params: [...ps], options: { ...defaults, ...(rest as Partial<H>) } };
    });
  }

  /** Updates one parameter from its gradient (called under noGrad inside a scope). */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, options: H): void;

  /** One optimization step over every parameter that has a gradient. */
  step(): void {
    noGrad(() =>
      scope(() => {
        for (const g of this.paramGroups) {
          for (const p of g.params) {
            const grad = p.grad;
            if (grad === null) continue;
            let st = this.state.get(p);
            if (!st) {
              st = {};
              this.state.set(p, st);
            }
            this.update(p, grad, st, g.options);
            for (const v of Object.values(st)) if (typeof v === 'object') keep(v);
          }
        }
      }),
    );
  }

  /** Clears gradients (to none, as PyTorch ≥ 2 does by default). */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) {
          p.grad = null;
        } else {
          const grad = p.grad;
          if (grad) {
            grad.zero_();
            grad.dispose();
          }
        }
      }
    }
  }

  /** Every parameter, in group order (the indices used by the state dict). */
  parameters(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** The state as tensors and JSON metadata (tensors are the live state: save, don't dispose). */
  stateDict(): OptimizerStateDict<H> {
    const tensors: Record<string, Tensor> = {};
    const scalars: Record<string, number> = {};
    let i = 0;
    const groups = this.paramGroups.map((g) => {
      const idx: number[] = [];
      for (const p of g.params) {
        for (const [k, v] of Object.entries(this.state.get(p) ?? {})) {
          if (typeof v === 'number') scalars[`${i}.${k}`] = v;
          else tensors[`${i}.${k}`] = v;
        }
        idx.push(i++);
      }
      return { ...g.options, params: idx };
    });
    return { tensors, meta: { groups, scalars } };
  }

  /**
   * Restores a state dict saved from an optimizer over the same parameters (copies the tensors).
   * @throws Error if the groups or parameter counts differ.
   */
  loadStateDict(sd: OptimizerStateDict<H>): void {
    const params = this.parameters();
    if (sd.meta.groups.length !== this.paramGroups.length) {
      throw new Error(`optimizer.loadStateDict: ${sd.meta.groups.length} groups saved, this optimizer has ${this.paramGroups.length}`);
    }
    sd.meta.groups.forEach((saved, gi) => {
      const g = this.paramGroups[gi];
      if (saved.params.length !== g.params.length) {
        throw new Error(`optimizer.loadStateDict: group ${gi} has ${saved.params.length} parameters saved, ${g.params.length} here`);
      }
      const { params: _ignored, ...options } = saved;
      g.options = { ...g.options, ...(options as unknown as H) };
    });
    this.dispose();
    const entries = [...Object.entries(sd.tensors), ...Object.entries(sd.meta.scalars)];
    for (const [key, v] of entries) {
      const dot = key.indexOf('.');
      const i = Number(key.slice(0, dot));
      const p = params[i];
      if (!p) throw new Error(`optimizer.loadStateDict: state '${key}' names parameter ${i}, but there are ${params.length}`);
      let st = this.state.get(p);
      if (!st) this.state.set(p, (st = {}));
      st[key.slice(dot + 1)] = typeof v === 'number' ? v : keep(scope(() => v.to(p.device).clone()));
    }
  }

  /** Releases the state tensors (moments, momentum buffers); the optimizer starts afresh. */
  dispose(): void {
    for (const st of this.state.values()) for (const v of Object.values(st)) if (typeof v === 'object') v.dispose();
    this.state.clear();
  }
}
