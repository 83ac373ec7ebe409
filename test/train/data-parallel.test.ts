// Data-parallel training on c10d (Gloo, 2 CPU processes): after k steps both ranks hold the same
// weights bit for bit, equal (float tolerance) to one process that averages the same two batches'
// gradients; a rank that dies or hangs makes the other stop with a clear error, not wait forever.
// Also: torchrun's variables, the batch split and the per-rank seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { torch, distributed as dist } from '../../src/torch/index.js';
import { freePort, launchWorkers, readLaunchEnv } from '../../src/train/launch.js';
import { rankBatchSize, rankSeed } from '../../src/train/data-parallel.js';
import { STEPS, backwardOn, buildNet, makeOptimizer } from './ddp-case.js';
import { maxDiff, weightsOf } from './weights.js';

const root = mkdtempSync(join(tmpdir(), 'meatus-ddp-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const worker = fileURLToPath(new URL('./ddp-worker.ts', import.meta.url));
const gloo = dist.availableBackends().gloo;
const skip = gloo ? false : 'the addon has no c10d: rebuild it (npm run setup; Debian needs libgloo-dev)';

/** Trains the reference: one process, the mean of both ranks' gradients at each step. */
function reference(ranks: number[]): Record<string, Float32Array> {
  const net = buildNet(100);
  const opt = makeOptimizer(net);
  for (let step = 0; step < STEPS; step++) {
    for (const r of ranks) backwardOn(net, step, r);
    for (const p of net.parameters()) {
      const g = p.grad!;
      g.mul_(1 / ranks.length);
      g.dispose();
    }
    opt.step();
    opt.zeroGrad();
  }
  const out = Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, t.toFloat32Array()]));
  opt.dispose();
  net.dispose();
  return out;
}

test(
  '2 Gloo ranks: weights bit-equal across ranks and equal to one process averaging both batches',
  { skip },
  async () => {
    const dir = join(root, 'equal');
    const code = await launchWorkers({
      nproc: 2,
      command: process.execPath,
      args: ['--import', 'tsx', worker],
      env: { ...process.env, DDP_OUT: dir, MASTER_PORT: undefined },
    });
    assert.equal(code, 0);
    const [w0, w1] = [
      await weightsOf(join(dir, 'rank0.safetensors')),
      await weightsOf(join(dir, 'rank1.safetensors')),
    ];
    for (const k of Object.keys(w0))
      assert.ok(Buffer.from(w0[k].buffer).equals(Buffer.from(w1[k].buffer)), `${k} differs between ranks`);
    const live = torch.liveTensors();
    const ref = reference([0, 1]);
    assert.ok(maxDiff(w0, ref) < 1e-5, `max |DDP − reference| = ${maxDiff(w0, ref)}`);
    // Not vacuous: rank 0's batches alone, or no broadcast (rank 1's own init), give other weights.
    assert.ok(maxDiff(w0, reference([0])) > 1e-4, 'rank 0 alone gives the same weights');
    assert.ok(maxDiff(w0, reference([1])) > 1e-4, 'rank 1 alone gives the same weights');
    assert.equal(torch.liveTensors(), live);
  },
);

/** Starts ranks 0 and 1 of the worker directly; resolves with each one's exit code and stderr. */
async function runPair(
  extra: Record<string, string>,
): Promise<{ code: number | null; stderr: string; seconds: number }[]> {
  const port = String(await freePort());
  const t0 = performance.now();
  const children = [0, 1].map((rank) =>
    spawn(process.execPath, ['--import', 'tsx', worker], {
      env: {
        ...process.env,
        ...extra,
        DDP_OUT: join(root, 'fail'),
        RANK: String(rank),
        WORLD_SIZE: '2',
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: port,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  return Promise.all(
    children.map(
      (c, rank) =>
        new Promise<{ code: number | null; stderr: string; seconds: number }>((resolve) => {
          let stderr = '';
          c.stderr!.on('data', (d) => (stderr += d));
          c.on('exit', (code) => {
            // A hung rank 1 is ended by the test; one that dies is left to exit by itself (killing
            // it here raced its own exit under load, giving code null instead of 7).
            if (rank === 0 && extra.DDP_FAIL === 'hang') children[1].kill('SIGKILL');
            resolve({ code, stderr, seconds: (performance.now() - t0) / 1000 });
          });
        }),
    ),
  );
}

test(
  'a rank that dies: the other stops with an error naming the collective and the cause',
  { skip },
  async () => {
    const [r0, r1] = await runPair({ DDP_FAIL: 'die', DDP_TIMEOUT: '60' });
    assert.equal(r1.code, 7);
    assert.notEqual(r0.code, 0);
    assert.match(
      r0.stderr,
      /allReduce failed on rank 0 of 2: another rank died, hung, or did not reach this step within the timeout \(60 s\)/,
    );
    assert.ok(r0.seconds < 50, `rank 0 took ${r0.seconds} s to notice`);
  },
);

test('a rank that hangs: the other stops after the timeout with a clear error', { skip }, async () => {
  const [r0] = await runPair({ DDP_FAIL: 'hang', DDP_TIMEOUT: '4' });
  assert.notEqual(r0.code, 0);
  assert.match(r0.stderr, /allReduce failed on rank 0 of 2: .*within the timeout \(4 s\)/);
  assert.ok(r0.seconds >= 4, `rank 0 stopped after ${r0.seconds} s, before the timeout`);
});

test('torchrun variables are read and checked; the batch is split as nnU-Net does; rank seeds differ', () => {
  assert.equal(readLaunchEnv({}), null);
  assert.deepEqual(
    readLaunchEnv({
      WORLD_SIZE: '4',
      RANK: '3',
      LOCAL_RANK: '1',
      MASTER_ADDR: 'node0',
      MASTER_PORT: '29500',
    }),
    {
      rank: 3,
      worldSize: 4,
      localRank: 1,
      masterAddr: 'node0',
      masterPort: 29500,
    },
  );
  assert.throws(
    () => readLaunchEnv({ WORLD_SIZE: '2', RANK: '2', MASTER_ADDR: 'a', MASTER_PORT: '1' }),
    /RANK: expected an integer < WORLD_SIZE \(2\), got 2/,
  );
  assert.throws(() => readLaunchEnv({ WORLD_SIZE: '2', RANK: '0', MASTER_PORT: '1' }), /MASTER_ADDR/);
  assert.throws(
    () => readLaunchEnv({ WORLD_SIZE: '2', RANK: '0', MASTER_ADDR: 'a', MASTER_PORT: 'x' }),
    /MASTER_PORT: expected an integer ≥ 1, got 'x'/,
  );
  assert.deepEqual(
    [0, 1, 2].map((r) => rankBatchSize(5, 3, r)),
    [2, 2, 1],
  );
  assert.deepEqual(
    [0, 1].map((r) => rankBatchSize(2, 2, r)),
    [1, 1],
  );
  assert.throws(() => rankBatchSize(2, 4, 0), /batch size 2 is smaller than the number of ranks 4/);
  assert.equal(rankSeed(7, 0), 7);
  assert.notEqual(rankSeed(7, 1), rankSeed(7, 0));
});
