/**
 * Starting data-parallel training the way `torchrun` does: each worker process learns its place from
 * the environment (`RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`), so the same
 * `meatus train` command runs under torchrun-style launchers, Slurm (`srun`, mapping `SLURM_PROCID`
 * etc. to these names) or a Kubernetes job; `meatus train --nproc-per-node N` is the launcher for
 * one machine (it sets those variables for N children, like `torchrun --standalone`).
 *
 * Follows torch/distributed/run.py and elastic/agent/server/local_elastic_agent.py (the variables,
 * OMP threads divided between local workers, every worker stopped when one fails).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

/** Where this process stands in a data-parallel run. */
export interface LaunchEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  masterAddr: string;
  masterPort: number;
}

function envInt(env: NodeJS.ProcessEnv, name: string, min: number): number {
  const v = env[name];
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new Error(
      `environment variable ${name}: expected an integer ≥ ${min}, got ${v === undefined ? 'nothing' : `'${v}'`}`,
    );
  }
  return n;
}

/**
 * Reads torchrun's variables. Returns null when `WORLD_SIZE` is unset (a single-process run).
 * @throws Error naming the variable when one is missing or malformed, or `RANK` ≥ `WORLD_SIZE`.
 */
export function readLaunchEnv(env: NodeJS.ProcessEnv = process.env): LaunchEnv | null {
  if (env.WORLD_SIZE === undefined) return null;
  const worldSize = envInt(env, 'WORLD_SIZE', 1);
  const rank = envInt(env, 'RANK', 0);
  if (rank >= worldSize)
    throw new Error(
      `environment variable RANK: expected an integer < WORLD_SIZE (${worldSize}), got ${rank}`,
    );
  const localRank = env.LOCAL_RANK === undefined ? rank : envInt(env, 'LOCAL_RANK', 0);
  const masterAddr = env.MASTER_ADDR ?? '';
  if (masterAddr === '')
    throw new Error(
      'environment variable MASTER_ADDR: expected the host name or address of rank 0, got nothing',
    );
  const masterPort = envInt(env, 'MASTER_PORT', 1);
  if (masterPort > 65535)
    throw new Error(`environment variable MASTER_PORT: expected a port ≤ 65535, got ${masterPort}`);
  return { rank, worldSize, localRank, masterAddr, masterPort };
}

/** A free TCP port on this machine (the OS's choice), as torchrun's standalone mode picks one. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Options of {@link launchWorkers}. */
export interface LaunchOptions {
  /** Worker processes on this machine. */
  nproc: number;
  /** The command of each worker: the program and its arguments. */
  command: string;
  args: string[];
  /** Base environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The workers' standard streams (default 'inherit'). */
  stdio?: 'inherit' | 'pipe';
  /** Called with each worker as it starts (e.g. to read piped output). */
  onSpawn?: (rank: number, child: ChildProcess) => void;
}

/**
 * Runs `nproc` copies of a command as ranks 0…nproc−1 of one run on this machine (MASTER_ADDR
 * 127.0.0.1, a free MASTER_PORT unless set, each worker `MEATUS_NUM_THREADS`, `OMP_NUM_THREADS` and
 * `OPENBLAS_NUM_THREADS` = cores / nproc unless set) and waits for all. When a worker fails, the others are stopped (SIGTERM), as torchrun does.
 * @returns 0 when every worker succeeded, else the first failing worker's exit code (1 for a signal).
 * @throws RangeError if `nproc` is not a positive integer.
 */
export async function launchWorkers(o: LaunchOptions): Promise<number> {
  if (!Number.isInteger(o.nproc) || o.nproc < 1)
    throw new RangeError(`--nproc-per-node: expected a positive integer, got ${o.nproc}`);
  const base = o.env ?? process.env;
  const port = base.MASTER_PORT ?? String(await freePort());
  const threads =
    base.MEATUS_NUM_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / o.nproc)));
  const children: ChildProcess[] = [];
  let failed: { rank: number; code: number } | null = null;
  const exits = Array.from({ length: o.nproc }, (_, rank) => {
    const env = {
      ...base,
      MASTER_ADDR: base.MASTER_ADDR ?? '127.0.0.1',
      MASTER_PORT: port,
      WORLD_SIZE: String(o.nproc),
      RANK: String(rank),
      LOCAL_RANK: String(rank),
      LOCAL_WORLD_SIZE: String(o.nproc),
      MEATUS_NUM_THREADS: threads,
      // OpenMP's and OpenBLAS's own pools too (torchrun sets OMP_NUM_THREADS): OpenBLAS threads spin
      // while they wait, and N processes × all cores of spinning threads slow every step down.
      OMP_NUM_THREADS: base.OMP_NUM_THREADS ?? threads,
      OPENBLAS_NUM_THREADS: base.OPENBLAS_NUM_THREADS ?? threads,
    };
    const child = spawn(o.command, o.args, { env, stdio: o.stdio ?? 'inherit' });
    children.push(child);
    o.onSpawn?.(rank, child);
    return new Promise<number>((resolve) => {
      const done = (code: number) => {
        if (code !== 0 && failed === null) {
          failed = { rank, code };
          console.error(`meatus: rank ${rank} exited with code ${code}; stopping the other ranks`);
          for (const c of children)
            if (c !== child && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
        }
        resolve(code);
      };
      child.on('error', (e) => {
        console.error(`meatus: rank ${rank} could not start: ${e.message}`);
        done(1);
      });
      child.on('exit', (code) => done(code ?? 1));
    });
  });
  await Promise.all(exits);
  return failed === null ? 0 : (failed as { code: number }).code;
}
