// Gradients of every differentiable op case (cases.ts) against central finite differences in
// float64, and the gradcheck helper itself against a hand-computed case and a wrong gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch } from '../../src/torch/index.js';
import { fixtures, makeInput } from '../fixtures/torch/fixtures.js';
import { OPS } from './cases.js';
import { gradcheck } from './gradcheck.js';

test('gradcheck accepts x² and rejects a wrong backward', () => {
  const before = torch.liveTensors();
  torch.scope(() => {
    const x = torch.tensor([0.5, -1.5, 2], { dtype: 'float64' });
    gradcheck(({ x }) => x.square(), { x });
    // x·detach(x) has derivative x, not 2x: finite differences see 2x.
    assert.throws(() => gradcheck(({ x }) => x.mul(x.detach()), { x }), /d\/dx\[0\]: backward -?[\d.e-]+, finite differences -?[\d.e-]+/);
  });
  assert.equal(torch.liveTensors(), before);
});

// Tiny ops: one libtorch thread avoids OpenMP hand-offs that dominate here (and other test files run in parallel).
torch.setNumThreads(1);

for (const c of fixtures.cases) {
  const wrt = Object.entries(c.grads ?? {}).filter(([, g]) => g !== null).map(([k]) => k);
  if (wrt.length === 0 || c.fd === false) continue;
  test(`${c.name}: backward matches finite differences`, () => {
    const before = torch.liveTensors();
    torch.scope(() => {
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, spec]) => [k, makeInput(spec)]));
      gradcheck(OPS[c.name], inputs, { wrt, maxElements: 24 }, c.name);
    });
    assert.equal(torch.liveTensors(), before);
  });
}
