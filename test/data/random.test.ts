import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, hashSeed } from '../../src/data/random.js';

test('same seed, same stream; different seeds differ', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xa = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(xa, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(xa, Array.from({ length: 5 }, () => c.nextUint32()));
  assert.equal(new Rng('abc').next(), new Rng('abc').next());
  assert.notEqual(hashSeed(1), hashSeed('1'));
});

test('golden values pin the generator (xoshiro128** over splitmix32, FNV-1a seed hash)', () => {
  const r = new Rng(0);
  const got = Array.from({ length: 3 }, () => r.nextUint32());
  // regenerate only on a deliberate change of the algorithm: it would change every phantom
  assert.deepEqual(got, GOLDEN);
});
const GOLDEN = [2647157019, 2732230769, 1993091995];

test('uniform, int, bool, pick, weighted stay in range', () => {
  const r = new Rng(1);
  for (let i = 0; i < 1000; i++) {
    const u = r.uniform(2, 3);
    assert.ok(u >= 2 && u < 3);
    const k = r.int(-2, 3);
    assert.ok(Number.isInteger(k) && k >= -2 && k < 3);
    assert.ok(['a', 'b'].includes(r.pick(['a', 'b'])));
    assert.ok([1, 2].includes(r.weighted([0, 1, 1])));
  }
  assert.throws(() => r.int(3, 3), /empty range/);
  assert.throws(() => r.weighted([0, 0]), /positive sum/);
});

test('normal and fillNormal have mean 0 and sd 1', () => {
  const r = new Rng(7);
  const n = 40000;
  const xs = Array.from({ length: n }, () => r.normal());
  const buf = new Float64Array(n);
  new Rng(8).fillNormal(buf);
  for (const s of [xs, Array.from(buf)]) {
    const mean = s.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(sd - 1) < 0.03, `sd ${sd}`);
  }
});

test('fork gives an independent, reproducible stream without advancing the parent', () => {
  const r = new Rng(5);
  const f1 = r.fork('x').next();
  const f2 = r.fork('x').next();
  assert.equal(f1, f2);
  assert.notEqual(r.fork('y').next(), f1);
  assert.equal(r.next(), new Rng(5).next());
});

test('shuffle is a permutation', () => {
  const a = new Rng(3).shuffle([1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...a].sort(), [1, 2, 3, 4, 5, 6]);
});
