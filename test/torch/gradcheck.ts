// gradcheck: autograd gradients against central finite differences in float64, like
// torch.autograd.gradcheck. The scalar checked is sum_k sum(out_k · up_k) with fixed upstream
// weights up_k, so every output element contributes.
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../../src/torch/index.js';
import { gen } from '../fixtures/torch/fixtures.js';

export interface GradcheckOptions {
  /** Inputs to differentiate (default: every floating-point input). */
  wrt?: string[];
  /** Perturbation (default 1e-6). */
  eps?: number;
  /** Tolerance: |analytic − numeric| ≤ atol + rtol·|numeric| (defaults 1e-6, 1e-6). */
  rtol?: number;
  atol?: number;
  /** Perturb at most this many elements per input, evenly spread (default: all). */
  maxElements?: number;
}

type Fn = (inputs: Record<string, Tensor>) => Tensor | Tensor[];

/** The upstream weights of output k (make_fixtures.py's too). */
export function upstream(shape: number[], k: number): Tensor {
  return torch.tensor(gen(shape, 100 + k), { shape, dtype: 'float64' });
}

/**
 * sum_k sum(out_k · up_k) over the floating-point outputs (only those with `include[k]` when
 * given: the outputs autograd differentiates, e.g. not batch norm's running statistics).
 */
export function weightedSum(out: Tensor | Tensor[], include?: boolean[]): Tensor {
  const outs = Array.isArray(out) ? out : [out];
  return torch.scope(() => {
    let total: Tensor | null = null;
    outs.forEach((o, k) => {
      if (!o.dtype.startsWith('float') && o.dtype !== 'bfloat16') return;
      if (include && !include[k]) return;
      const up = upstream(o.shape, k);
      const term = o.mul(o.dtype === 'float64' ? up : up.to(o.dtype)).sum();
      total = total === null ? term : total.add(term);
    });
    if (total === null) throw new Error('weightedSum: no floating-point output');
    return total as Tensor;
  });
}

function floatInputs(inputs: Record<string, Tensor>): string[] {
  return Object.keys(inputs).filter((k) => inputs[k].dtype === 'float64');
}

/**
 * Asserts that backward() of `fn` matches central differences for every element of the `wrt`
 * inputs (float64 tensors). The inputs are not modified; every temporary is disposed.
 */
export function gradcheck(fn: Fn, inputs: Record<string, Tensor>, o: GradcheckOptions = {}, what = 'gradcheck'): void {
  const wrt = o.wrt ?? floatInputs(inputs);
  const eps = o.eps ?? 1e-6;
  const rtol = o.rtol ?? 1e-6;
  const atol = o.atol ?? 1e-6;
  const base = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.toFloat64Array()]));
  for (const k of wrt) assert.equal(inputs[k].dtype, 'float64', `${what}: input '${k}' must be float64`);

  let include: boolean[] = [];
  const analytic = torch.scope(() => {
    const leaves = Object.fromEntries(
      Object.entries(inputs).map(([k, t]) => [k, wrt.includes(k) ? t.detach().clone().requiresGrad_(true) : t]),
    );
    const out = fn(leaves);
    include = (Array.isArray(out) ? out : [out]).map((t) => t.requiresGrad);
    weightedSum(out, include).backward();
    return Object.fromEntries(wrt.map((k) => [k, leaves[k].grad?.toFloat64Array() ?? new Float64Array(base[k].length)]));
  });

  const lossAt = (k: string, values: Float64Array): number =>
    torch.noGrad(() =>
      torch.scope(() => {
        const perturbed = { ...inputs, [k]: torch.tensor(values, { shape: inputs[k].shape, dtype: 'float64' }) };
        return weightedSum(fn(perturbed), include).item();
      }),
    );
  for (const k of wrt) {
    const v = Float64Array.from(base[k]);
    const stride = Math.max(1, Math.ceil(v.length / (o.maxElements ?? v.length)));
    for (let j = 0; j < v.length; j += stride) {
      v[j] = base[k][j] + eps;
      const plus = lossAt(k, v);
      v[j] = base[k][j] - eps;
      const minus = lossAt(k, v);
      v[j] = base[k][j];
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[k][j];
      assert.ok(
        Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric),
        `${what}: d/d${k}[${j}]: backward ${a}, finite differences ${numeric}`,
      );
    }
  }
}
