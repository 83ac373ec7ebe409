// SGD and AdamW trajectories against PyTorch (fixtures), parameter groups, and resuming from a
// state dict, also through safetensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, torch, type Tensor } from '../../src/torch/index.js';
import { fixtures } from '../fixtures/torch/fixtures.js';
import { assertClose } from './helpers.js';

const start = torch.liveTensors();
test.after(() => assert.equal(torch.liveTensors(), start, 'live tensors after optimizer tests'));

type Opt = InstanceType<typeof optim.SGD> | InstanceType<typeof optim.AdamW>;
type Params = [Tensor, Tensor];

/** make_fixtures.py's `trajectory` problem: loss = Σ a·(p − c)² over p1 [3] and p2 [2, 2]. */
function problem(): { params: Params; step: (opt: Opt) => number[]; dispose: () => void } {
  const f64 = { dtype: 'float64' as const };
  const params: Params = torch.keep([
    torch.tensor([1, -2, 0.5], { ...f64, requiresGrad: true }),
    torch.tensor([[0.3, -0.7], [2, 1.5]], { ...f64, requiresGrad: true }),
  ]);
  const k = torch.keep({
    a1: torch.tensor([1, 2, 0.5], f64), c1: torch.tensor([0.5, 0, -1], f64),
    a2: torch.tensor([[3, 1], [0.2, 1]], f64), c2: torch.tensor([[0, 1], [-1, 2]], f64),
  });
  const step = (opt: Opt): number[] => {
    opt.zeroGrad();
    torch.scope(() => {
      const [p1, p2] = params;
      k.a1.mul(p1.sub(k.c1).square()).sum().add(k.a2.mul(p2.sub(k.c2).square()).sum()).backward();
    });
    opt.step();
    return [...params[0].toArray(), ...params[1].toArray()];
  };
  const dispose = () => [...params, ...Object.values(k)].forEach((t) => t.dispose());
  return { params, step, dispose };
}

const MAKERS: Record<string, (p: Params) => Opt> = {
  sgd: (p) => new optim.SGD(p, { lr: 0.1 }),
  sgd_momentum: (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9 }),
  sgd_dampening_weight_decay: (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.1 }),
  sgd_nesterov: (p) => new optim.SGD(p, { lr: 0.01, momentum: 0.99, nesterov: true, weightDecay: 3e-5 }),
  sgd_groups: ([p1, p2]) => new optim.SGD([{ params: [p1] }, { params: [p2], lr: 0.01, momentum: 0.5 }], { lr: 0.1 }),
  adamw: (p) => new optim.AdamW(p, { lr: 0.1 }),
  adamw_options: (p) => new optim.AdamW(p, { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.5 }),
  adamw_groups: ([p1, p2]) => new optim.AdamW([{ params: [p1], lr: 0.2 }, { params: [p2], weightDecay: 0 }], { lr: 0.02 }),
};

function disposeState(opt: Opt): void {
  for (const t of Object.values(opt.stateDict().tensors)) t.dispose();
}

test('every optimizer fixture has a maker', () => {
  assert.deepEqual(Object.keys(MAKERS).sort(), Object.keys(fixtures.optim).sort());
});

for (const [name, want] of Object.entries(fixtures.optim)) {
  test(`${name}: 5 steps equal PyTorch's to 1e-6`, () => {
    const pr = problem();
    const opt = MAKERS[name](pr.params);
    want.forEach((expected, i) => assertClose(pr.step(opt), expected, { atol: 1e-6, rtol: 1e-6 }, `${name} step ${i + 1}`));
    disposeState(opt);
    pr.dispose();
  });

  test(`${name}: stateDict → loadStateDict (via safetensors) resumes the same trajectory`, () => {
    const a = problem();
    const optA = MAKERS[name](a.params);
    for (let i = 0; i < 2; i++) a.step(optA);
    const sd = optA.stateDict();
    const bytes = torch.encodeSafetensors(sd.tensors, { optimizer: JSON.stringify(sd.meta) });
    const decoded = torch.decodeSafetensors(bytes, 'optimizer.safetensors');
    const b = problem();
    torch.noGrad(() => b.params.forEach((p, i) => p.copy_(a.params[i])));
    const optB = MAKERS[name](b.params);
    optB.loadStateDict({ tensors: decoded.tensors, meta: JSON.parse(decoded.metadata.optimizer) });
    Object.values(decoded.tensors).forEach((t) => t.dispose());
    for (let i = 2; i < 5; i++) {
      const ra = a.step(optA);
      assert.deepEqual(b.step(optB), ra, `${name}: resumed step ${i + 1}`);
      assertClose(ra, want[i], { atol: 1e-6, rtol: 1e-6 }, `${name}: step ${i + 1}`);
    }
    [optA, optB].forEach(disposeState);
    a.dispose();
    b.dispose();
  });
}

test('optimizer arguments are checked', () => {
  const p = torch.keep(torch.ones([2], { requiresGrad: true }));
  const frozen = torch.keep(torch.ones([2]));
  try {
    assert.throws(() => new optim.SGD([], { lr: 1 }), /optimizer: expected a non-empty list/);
    assert.throws(() => new optim.SGD([p, p], { lr: 1 }), /optimizer: a parameter appears twice \(group 0\)/);
    assert.throws(() => new optim.SGD([frozen], { lr: 1 }), /does not require grad/);
    assert.throws(() => new optim.SGD([p], { lr: 1, nesterov: true }), /Nesterov momentum needs momentum > 0/);
    assert.throws(() => new optim.SGD([p], { lr: -1 }), /SGD: lr must be ≥ 0, got -1/);
    assert.throws(() => new optim.AdamW([p], { betas: [1, 0.9] }), /AdamW: betas must be in \[0, 1\)/);
    const sgd = new optim.SGD([{ params: [p] }], { lr: 1 });
    assert.throws(
      () => sgd.loadStateDict({ tensors: {}, meta: { groups: [], scalars: {} } }),
      /optimizer.loadStateDict: 0 groups saved, this optimizer has 1/,
    );
    // a parameter without a gradient is skipped, zeroGrad(false) zeroes in place
    sgd.step();
    assert.deepEqual(p.toArray(), [1, 1]);
    torch.scope(() => p.sum().backward());
    sgd.zeroGrad(false);
    torch.scope(() => assert.deepEqual(p.grad!.toArray(), [0, 0]));
    sgd.zeroGrad();
    assert.equal(p.grad, null);
  } finally {
    p.dispose();
    frozen.dispose();
  }
});
