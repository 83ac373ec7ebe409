// One rank of the data-parallel test (test/train/data-parallel.test.ts), started with torchrun's
// variables. Trains STEPS steps on its own batches with gradients reduced over the ranks and writes
// its final weights to $DDP_OUT/rank<R>.safetensors. DDP_FAIL=die|hang makes rank 1 exit or stall
// after the first step.
import { join } from 'node:path';
import { torch, distributed as dist } from '../../src/torch/index.js';
import { readLaunchEnv } from '../../src/train/launch.js';
import { reduceGradients, syncParameters } from '../../src/train/data-parallel.js';
import { STEPS, backwardOn, buildNet, makeOptimizer } from './ddp-case.js';

const env = readLaunchEnv();
if (!env) throw new Error('ddp-worker: run with RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT');
dist.initProcessGroup({ ...env, timeoutSeconds: Number(process.env.DDP_TIMEOUT ?? 60) });
const net = buildNet(100 + env.rank);
const params = net.parameters();
syncParameters(params);
const opt = makeOptimizer(net);
for (let step = 0; step < STEPS; step++) {
  if (step === 1 && env.rank === 1 && process.env.DDP_FAIL === 'die') process.exit(7);
  if (step === 1 && env.rank === 1 && process.env.DDP_FAIL === 'hang')
    await new Promise((r) => setTimeout(r, 600_000));
  backwardOn(net, step, env.rank);
  reduceGradients(params, 1 / env.worldSize);
  opt.step();
  opt.zeroGrad();
}
await torch.saveSafetensors(join(process.env.DDP_OUT ?? '.', `rank${env.rank}.safetensors`), net.stateDict());
dist.destroyProcessGroup();
