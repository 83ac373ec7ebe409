// Autograd switches, torch.autograd.grad, retainGrad, and tensor lifetimes (scope, keep, using).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torch, type Tensor } from '../../src/torch/index.js';

const start = torch.liveTensors();
test.after(() => assert.equal(torch.liveTensors(), start, 'live tensors after autograd tests'));

test('backward of a hand-computed expression; grads accumulate; retainGraph', () => {
  torch.scope(() => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    assert.ok(x.isLeaf);
    const y = x.square().mul(3).sum(); // dy/dx = 6x
    assert.ok(!y.isLeaf && y.requiresGrad);
    y.backward(undefined, { retainGraph: true });
    assert.deepEqual(x.grad!.toArray(), [6, 12, 18]);
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [12, 24, 36]);
    assert.throws(() => y.backward(), /backward: Trying to backward through the graph a second time/);
    x.grad = null;
    assert.equal(x.grad, null);
    x.mul(torch.tensor([1, 0, -1], { dtype: 'float64' })).backward(torch.tensor([1, 1, 1], { dtype: 'float64' }));
    assert.deepEqual(x.grad!.toArray(), [1, 0, -1]);
  });
});

test('noGrad and enableGrad nest and restore the mode, even on throw', () => {
  torch.scope(() => {
    const w = torch.ones([2], { requiresGrad: true });
    assert.equal(torch.isGradEnabled(), true);
    const [a, b] = torch.noGrad(() => {
      assert.equal(torch.isGradEnabled(), false);
      const inner = torch.enableGrad(() => w.mul(2));
      return [w.mul(2), inner];
    });
    assert.equal(a.requiresGrad, false);
    assert.equal(b.requiresGrad, true);
    assert.throws(() => torch.noGrad(() => {
      throw new Error('boom');
    }), /boom/);
    assert.equal(torch.isGradEnabled(), true);
    assert.throws(() => torch.noGrad(() => Promise.resolve(1)), /returned a Promise/);
    assert.equal(torch.isGradEnabled(), true);
  });
});

test('torch.autograd.grad: first and second derivatives, leaving .grad alone', () => {
  torch.scope(() => {
    const x = torch.tensor([0.5, -2], { dtype: 'float64', requiresGrad: true });
    const y = x.pow(3).sum();
    const [g] = torch.autograd.grad([y], [x], { createGraph: true });
    assert.deepEqual(g.toArray(), [0.75, 12]); // 3x²
    assert.equal(x.grad, null);
    const [h] = torch.autograd.grad([g.sum()], [x]);
    assert.deepEqual(h.toArray(), [3, -12]); // 6x
    const z = torch.tensor([1], { requiresGrad: true });
    const [none] = torch.autograd.grad([x.sum()], [z], { allowUnused: true });
    assert.equal(none, null);
    assert.throws(() => torch.autograd.grad([x.sum()], [z]), /autograd_grad: One of the differentiated Tensors appears to not have been used/);
    const [go] = torch.autograd.grad([x.mul(2)], [x], { gradOutputs: [torch.tensor([1, 10], { dtype: 'float64' })] });
    assert.deepEqual(go.toArray(), [2, 20]);
  });
});

test('retainGrad keeps the gradient of a non-leaf; detach cuts the graph', () => {
  torch.scope(() => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const noRetain = x.mul(2);
    h.mul(h).add(noRetain.detach()).sum().backward();
    assert.deepEqual(h.grad!.toArray(), [6, 12]); // 2h
    assert.deepEqual(x.grad!.toArray(), [18, 36]); // 2h·3
    assert.equal(noRetain.grad, null);
    assert.equal(noRetain.detach().requiresGrad, false);
  });
});

test('scope disposes temporaries and keeps what it returns (tensors, arrays, objects, Maps)', () => {
  const before = torch.liveTensors();
  const outer = torch.ones([2]);
  const r = torch.scope(() => {
    const a = torch.ones([2]).add(1); // ones is a temporary
    const nested = torch.scope(() => {
      const t = a.mul(2);
      t.mul(5); // temporary of the inner scope
      return { t, list: [a.add(3)], map: new Map([['m', a.sub(1)]]), n: 4 };
    });
    assert.equal(nested.t.isDisposed, false);
    return { sum: nested.t.add(outer), nested, extra: [outer.mul(0)] };
  });
  for (const t of [r.sum, r.nested.t, r.nested.list[0], r.nested.map.get('m')!, r.extra[0]]) assert.equal(t.isDisposed, false);
  assert.deepEqual(r.sum.toArray(), [5, 5]);
  assert.equal(torch.liveTensors(), before + 6); // outer + the five returned
  for (const t of [outer, r.sum, r.nested.t, r.nested.list[0], r.nested.map.get('m')!, r.extra[0]]) t.dispose();
  assert.equal(torch.liveTensors(), before);
});

test('an exception inside a scope disposes everything created in it', () => {
  const before = torch.liveTensors();
  let inner: Tensor | null = null;
  assert.throws(() =>
    torch.scope(() => {
      inner = torch.ones([3]);
      torch.scope(() => torch.ones([1]).add(1));
      throw new Error('inside');
    }), /inside/);
  assert.equal(inner!.isDisposed, true);
  assert.equal(torch.liveTensors(), before);
  assert.throws(() => torch.scope(() => Promise.resolve(torch.ones([1]))), /scopes are synchronous/);
  assert.equal(torch.liveTensors(), before);
});

test('keep takes tensors out of every scope', () => {
  const before = torch.liveTensors();
  const kept = torch.scope(() => torch.scope(() => torch.keep({ w: torch.ones([2]), b: [torch.zeros([1])] })));
  const survived = torch.scope(() => {
    torch.scope(() => kept); // returning kept tensors again must not adopt them
    return null;
  });
  assert.equal(survived, null);
  assert.equal(kept.w.isDisposed, false);
  assert.equal(kept.b[0].isDisposed, false);
  kept.w.dispose();
  kept.b[0].dispose();
  assert.equal(torch.liveTensors(), before);
});

test('using disposes at the end of the block', () => {
  const before = torch.liveTensors();
  let seen: Tensor;
  {
    using t = torch.ones([4]);
    seen = t;
    assert.equal(torch.liveTensors(), before + 1);
  }
  assert.equal(seen.isDisposed, true);
  assert.equal(torch.liveTensors(), before);
  const u = torch.ones([1]);
  u[Symbol.dispose]();
  assert.equal(u.isDisposed, true);
});

test('grad reads and in-place ops on parameters leave no handle behind', () => {
  const before = torch.liveTensors();
  const p = torch.keep(torch.ones([3], { requiresGrad: true }));
  for (let i = 0; i < 10; i++) {
    torch.scope(() => p.mul(p).sum().backward());
    torch.noGrad(() => torch.scope(() => p.add_(p.grad!, -0.1)));
    p.grad = null;
  }
  assert.equal(torch.liveTensors(), before + 1);
  p.dispose();
});
