/**
 * `meatus engine-demo`: a built-in demonstration of the tensor engine — a tiny 3-D convolutional network learns
 * to segment bright balls in noisy volumes; the loss falls and the Dice rises as it trains.
 * Needs no data; a quick check that libtorch, autograd and the optimizers work on this machine.
 */
import { device as deviceOption, integer, parseCli, positive, UsageError } from './args.js';
import type { Tensor } from '../torch/index.js';

export const summary = 'train a tiny 3-D conv net on generated volumes and watch the loss fall (no data needed)';

/** Volumes `[n, 1, s, s, s]` with 1–3 balls of intensity ~1 in N(0, 0.35²) noise, and their masks. */
function makeData(n: number, s: number, seed: number): { x: Float32Array; y: BigInt64Array } {
  let state = seed >>> 0;
  const rnd = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const x = new Float32Array(n * s * s * s);
  const y = new BigInt64Array(n * s * s * s);
  for (let b = 0; b < n; b++) {
    const balls = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({
      c: [rnd() * s, rnd() * s, rnd() * s],
      r: 2 + rnd() * (s / 5),
    }));
    for (let z = 0, i = b * s * s * s; z < s; z++) {
      for (let yy = 0; yy < s; yy++) {
        for (let xx = 0; xx < s; xx++, i++) {
          const inside = balls.some((q) => (z - q.c[0]) ** 2 + (yy - q.c[1]) ** 2 + (xx - q.c[2]) ** 2 <= q.r ** 2);
          y[i] = inside ? 1n : 0n;
          x[i] = (inside ? 1 : 0) + 0.35 * gauss();
        }
      }
    }
  }
  return { x, y };
}

export async function run(argv: string[]): Promise<number> {
  const usage = 'usage: meatus engine-demo [--steps 150] [--size 24] [--seed 0] [--device cpu|cuda]';
  const s_ = { type: 'string' } as const;
  const values = parseCli('engine-demo', usage, argv, { steps: s_, size: s_, seed: s_, device: s_ }, []);
  if (typeof values === 'number') return values;
  const steps = positive('steps', values.steps) ?? 150;
  const s = positive('size', values.size) ?? 24;
  if (s < 8) throw new UsageError(`--size: expected an integer ≥ 8, got '${values.size}'`);
  const seed = integer('seed', values.seed) ?? 0;
  const device = (await deviceOption('device', values.device)) ?? 'cpu';
  const { torch, F, optim } = await import('../torch/index.js');
  torch.manualSeed(seed);
  const info = torch.buildInfo();
  console.log(`meatus engine-demo — libtorch ${info.version}, ${device}, ${info.numThreads} threads`);

  const n = 4;
  const train = makeData(n, s, seed + 1);
  const test = makeData(2, s, seed + 2);
  const x = torch.tensor(train.x, { shape: [n, 1, s, s, s], device });
  const y = torch.tensor(train.y, { shape: [n, s, s, s], device });
  const xt = torch.tensor(test.x, { shape: [2, 1, s, s, s], device });
  const yt = torch.tensor(test.y, { shape: [2, s, s, s], device });

  // conv(1→8) → IN → LReLU → conv(8→8) → IN → LReLU → conv 1×1×1 (8→2)
  const param = (shape: number[], fanIn: number) =>
    torch.keep(torch.scope(() => torch.randn(shape, { device }).mul(Math.sqrt(2 / fanIn)).requiresGrad_()));
  const w1 = param([8, 1, 3, 3, 3], 27);
  const w2 = param([8, 8, 3, 3, 3], 216);
  const w3 = param([2, 8, 1, 1, 1], 8);
  const b3 = torch.zeros([2], { device, requiresGrad: true });
  const forward = (inp: Tensor) => {
    let h = F.leakyRelu(F.instanceNorm(F.conv3d(inp, w1, null, { padding: 1 })));
    h = F.leakyRelu(F.instanceNorm(F.conv3d(h, w2, null, { padding: 1 })));
    return F.conv3d(h, w3, b3);
  };
  const dice = (logits: Tensor, target: Tensor) =>
    torch.scope(() => {
      const pred = logits.argmax(1).eq(1);
      const ref = target.eq(1);
      const inter = pred.logicalAnd(ref).sum().item();
      return (2 * inter) / (pred.sum().item() + ref.sum().item());
    });

  const opt = new optim.SGD([w1, w2, w3, b3], { lr: 0.05, momentum: 0.9, nesterov: true });
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const loss = torch.scope(() => {
      const l = F.crossEntropy(forward(x), y);
      l.backward();
      return l.item();
    });
    opt.step();
    opt.zeroGrad();
    if (step === 1 || step % Math.max(1, Math.floor(steps / 10)) === 0 || step === steps) {
      const d = torch.noGrad(() => torch.scope(() => dice(forward(xt), yt)));
      console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}  held-out Dice ${d.toFixed(3)}`);
    }
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`${steps} steps in ${secs.toFixed(1)} s (${((1000 * secs) / steps).toFixed(0)} ms/step); live tensors: ${torch.liveTensors()}`);
  return 0;
}
