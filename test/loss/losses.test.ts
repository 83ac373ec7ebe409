// The losses against the PyTorch reference (test/fixtures/loss/make_fixtures.py): values and
// gradients w.r.t. the logits in float64, for boundary and no-boundary samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { torch, type Tensor } from '../../src/torch/index.js';
import {
  boundaryDistanceLoss,
  crossEntropyLoss,
  deepSupervisionLoss,
  deepSupervisionWeights,
  softDiceLoss,
  splitLoss,
} from '../../src/loss/index.js';
import { boundaryDistanceMap, labelInterface } from '../../src/volume/interface.js';
import type { Vec3 } from '../../src/volume/volume.js';

interface Fixture {
  shape: number[];
  spacing: Vec3;
  logits: number[];
  labels: number[];
  interface: number[];
  phi: (number | null)[];
  cases: Record<string, { value: number; grad: number[] }>;
}
const fx: Fixture = JSON.parse(readFileSync(new URL('../fixtures/loss/losses.json', import.meta.url), 'utf8'));
const [N, , Z, Y, X] = fx.shape;
const spatial: Vec3 = [Z, Y, X];
const perSample = Z * Y * X;

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(Math.abs(expected[i]), scale * 1e-3, 1e-12);
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Runs a loss on fresh float64 logits (rows `from..to` of the batch) and checks value and gradient. */
function check(name: string, fn: (logits: Tensor, target: Tensor, phi: Tensor) => Tensor, from = 0, to = N): void {
  const live = torch.liveTensors();
  const n = to - from;
  const logits = torch.tensor(Float64Array.from(fx.logits.slice(from * 3 * perSample, to * 3 * perSample)), {
    shape: [n, 3, ...spatial],
    requiresGrad: true,
  });
  const target = torch.tensor(BigInt64Array.from(fx.labels.slice(from * perSample, to * perSample).map(BigInt)), {
    shape: [n, ...spatial],
  });
  const phi = torch.tensor(Float64Array.from(fx.phi.slice(from * perSample, to * perSample), (v) => v ?? Infinity), {
    shape: [n, ...spatial],
  });
  const value = torch.scope(() => {
    const loss = fn(logits, target, phi);
    if (loss.requiresGrad) loss.backward();
    return loss.item();
  });
  const want = fx.cases[name];
  assertClose([value], [want.value], 1e-6, `${name} value`);
  const g = logits.grad;
  const grad = g ? g.toFloat64Array() : new Float64Array(logits.numel);
  g?.dispose();
  assertClose(grad, want.grad.slice(0, grad.length), 1e-6, `${name} grad`);
  assert.ok(Number.isFinite(value), `${name}: finite`);
  for (const t of [logits, target, phi]) t.dispose();
  assert.equal(torch.liveTensors(), live, `${name}: no tensor leaked`);
}

test('interface of the fixture labels equals the reference (EM/IM voxels with a 6-neighbour of the other label)', () => {
  for (let n = 0; n < N; n++) {
    const lab = fx.labels.slice(n * perSample, (n + 1) * perSample);
    assert.deepEqual(Array.from(labelInterface(lab, spatial)), fx.interface.slice(n * perSample, (n + 1) * perSample));
  }
});

test('φ = distance to the interface equals scipy (inf without an interface)', () => {
  for (let n = 0; n < N; n++) {
    const lab = fx.labels.slice(n * perSample, (n + 1) * perSample);
    const phi = boundaryDistanceMap(lab, spatial, fx.spacing);
    const want = fx.phi.slice(n * perSample, (n + 1) * perSample).map((v) => v ?? Infinity);
    phi.forEach((v, i) => {
      if (want[i] === Infinity) assert.equal(v, Infinity);
      else assert.ok(Math.abs(v - want[i]) <= 1e-6 * Math.max(1, want[i]), `φ[${n}][${i}] ${v} vs ${want[i]}`);
    });
  }
});

test('BDL τ = 1 mm: value and gradient equal PyTorch (sample 1 has no boundary and is skipped)', () => {
  check('bdl_tau1.0', (lg, _t, phi) => boundaryDistanceLoss(lg, phi));
});
test('BDL τ = 2.5 mm equals PyTorch', () => {
  check('bdl_tau2.5', (lg, _t, phi) => boundaryDistanceLoss(lg, phi, { tau: 2.5 }));
});
test('BDL on a batch without any boundary is 0 with no gradient, never NaN', () => {
  check('bdl_no_boundary', (lg, _t, phi) => boundaryDistanceLoss(lg, phi), 1, 2);
});
test('soft Dice (batch Dice, foreground) equals PyTorch', () => {
  check('dice_batch', (lg, t) => softDiceLoss(lg, t));
});
test('soft Dice per sample equals PyTorch', () => {
  check('dice_per_sample', (lg, t) => softDiceLoss(lg, t, { batchDice: false }));
});
test('soft Dice with background equals PyTorch', () => {
  check('dice_with_bg', (lg, t) => softDiceLoss(lg, t, { includeBackground: true }));
});
test('cross-entropy equals PyTorch', () => {
  check('ce', (lg, t) => crossEntropyLoss(lg, t));
});
test('weighted cross-entropy equals PyTorch', () => {
  check('ce_weighted', (lg, t) => {
    const w = torch.tensor([0.2, 1.0, 3.0], { dtype: 'float64' });
    try {
      return crossEntropyLoss(lg, t, { weight: w });
    } finally {
      w.dispose();
    }
  });
});
test('stage-2 loss CE + Dice + 0.5·BDL equals PyTorch', () => {
  check('split_gamma0.5', (lg, t, phi) => splitLoss(lg, t, phi, { gamma: 0.5 }));
});

test('deep-supervision weights are nnU-Net’s (1/2^i, last 0, normalised)', () => {
  const table: [number, number[]][] = [
    [1, [1]],
    [2, [1, 0]],
    [3, [1 / 1.5, 0.5 / 1.5, 0]],
    [5, [1, 0.5, 0.25, 0.125, 0].map((w) => w / 1.875)],
  ];
  for (const [n, want] of table) assertClose(deepSupervisionWeights(n), want, 1e-12, `n=${n}`);
  assert.throws(() => deepSupervisionWeights(0), /positive integer/);
});

test('deep-supervision loss is the weighted sum of the per-output losses', () => {
  const outs = [torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([5, 6])];
  const targets = [torch.tensor([0, 0]), torch.tensor([0, 0]), torch.tensor([0, 0])];
  const v = torch.scope(() => deepSupervisionLoss(outs, targets, (o, t) => o.sub(t).sum()).item());
  assert.ok(Math.abs(v - ((2 / 3) * 3 + (1 / 3) * 7)) < 1e-6);
  assert.throws(() => deepSupervisionLoss(outs, targets.slice(1), (o) => o), /equal counts/);
  for (const t of [...outs, ...targets]) t.dispose();
});

test('bad inputs give clear errors', () => {
  const lg = torch.zeros([1, 2, 2, 2, 2]);
  const phi = torch.zeros([1, 2, 2, 2]);
  const t = torch.zeros([1, 3, 2, 2], { dtype: 'int64' });
  assert.throws(() => boundaryDistanceLoss(lg, phi), /expected logits \[N, 3, Z, Y, X\]/);
  assert.throws(() => softDiceLoss(lg, t), /does not match logits/);
  const lg3 = torch.zeros([1, 3, 2, 2, 2]);
  const phiBad = torch.zeros([1, 2, 2, 3]);
  assert.throws(() => boundaryDistanceLoss(lg3, phiBad), /φ shape/);
  assert.throws(() => boundaryDistanceLoss(lg3, phi, { tau: 0 }), /τ must be > 0/);
  for (const x of [lg, phi, t, lg3, phiBad]) x.dispose();
});
