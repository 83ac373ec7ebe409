/**
 * `meatus doctor`: what meatus runs on — Node, the libtorch build (version, CUDA, threads) and
 * where the addon was loaded from.
 */
import { parseCli } from './args.js';

export const summary = 'print the libtorch version, CUDA availability and threads meatus uses';

export async function run(argv: string[]): Promise<number> {
  const values = parseCli('doctor', 'usage: meatus doctor [--json]\n\nPrints the libtorch build meatus runs on.', argv, { json: { type: 'boolean' } }, []);
  if (typeof values === 'number') return values;
  const { torch } = await import('../torch/index.js');
  const info = torch.buildInfo();
  const report = {
    node: process.version,
    libtorch: info.version,
    cudaCompiled: info.cudaCompiled,
    cudaAvailable: info.cudaAvailable,
    cudaDevices: info.cudaDeviceCount,
    threads: info.numThreads,
    cxx11Abi: info.cxx11Abi,
    addon: info.addon,
  };
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const [k, v] of Object.entries(report)) console.log(`${k.padEnd(14)} ${String(v)}`);
  }
  return 0;
}
