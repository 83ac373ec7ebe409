// Every op of src/torch against PyTorch (test/fixtures/torch/fixtures.json): values in float64
// and float32, and gradients of sum_k sum(out_k · up_k) w.r.t. the float inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type DType, type Tensor } from '../../src/torch/index.js';
import { fixtures, makeInput, values, type Encoded, type OpCase } from '../fixtures/torch/fixtures.js';
import { OPS } from './cases.js';
import { weightedSum } from './gradcheck.js';
import { assertClose, type Tol } from './helpers.js';

// Tiny ops: one libtorch thread avoids OpenMP hand-offs that dominate here (and other test files run in parallel).
torch.setNumThreads(1);

const TOL: Record<'float64' | 'float32', Tol> = {
  float64: { rtol: 1e-9, atol: 1e-12 },
  float32: { rtol: 1e-4, atol: 2e-5 },
};

function expectEncoded(t: Tensor, e: Encoded, run: 'float64' | 'float32', what: string): void {
  const isFloat = e.dtype === 'float64';
  const dtype: DType = isFloat ? run : e.dtype;
  assert.equal(t.dtype, dtype, `${what}: dtype`);
  assert.deepEqual(t.shape, e.shape, `${what}: shape`);
  assertClose(t.toFloat64Array(), values(e), isFloat ? TOL[run] : {}, what);
}

function runCase(c: OpCase, run: 'float64' | 'float32'): void {
  torch.scope(() => {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, spec]) => [k, makeInput(spec, run)]));
    const wrt = Object.keys(c.grads ?? {});
    for (const k of wrt) inputs[k].requiresGrad_(true);
    const out = OPS[c.name](inputs);
    const outs = Array.isArray(out) ? out : [out];
    assert.equal(outs.length, c.out.length, `${c.name}: number of outputs`);
    outs.forEach((o, k) => expectEncoded(o, c.out[k], run, `${c.name} [${run}] output ${k}`));
    if (wrt.length === 0) return;
    weightedSum(outs, outs.map((o) => o.requiresGrad)).backward();
    for (const k of wrt) {
      const want = c.grads![k];
      const g = inputs[k].grad;
      if (want === null) assert.equal(g, null, `${c.name}: grad of ${k} should be undefined`);
      else expectEncoded(g!, want, run, `${c.name} [${run}] d/d${k}`);
    }
  });
}

test(`fixtures come from PyTorch ${fixtures.torch} and name only known ops`, () => {
  assert.match(fixtures.torch, /^\d+\.\d+/);
  const names = fixtures.cases.map((c) => c.name);
  assert.deepEqual(names.filter((n) => !(n in OPS)), []);
  assert.deepEqual(Object.keys(OPS).filter((n) => !names.includes(n)), []);
});

for (const c of fixtures.cases) {
  test(`${c.name} equals PyTorch`, () => {
    const before = torch.liveTensors();
    runCase(c, 'float64');
    if (c.f32 !== false) runCase(c, 'float32');
    assert.equal(torch.liveTensors(), before, `${c.name}: live tensors`);
  });
}
