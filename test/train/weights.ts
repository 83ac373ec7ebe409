// Weights read back from safetensors files and compared, for the training tests.
import assert from 'node:assert/strict';
import { torch } from '../../src/torch/index.js';

/** The tensors of a safetensors file whose names start with `prefix` (e.g. `model.` for a checkpoint's weights), as Float32Arrays. */
export async function weightsOf(path: string, prefix = ''): Promise<Record<string, Float32Array>> {
  const { tensors } = await torch.loadSafetensors(path);
  const out = Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k, t.toFloat32Array()]));
  for (const t of Object.values(tensors)) t.dispose();
  return out;
}

/** The largest absolute difference between two sets of weights with the same names. */
export function maxDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>): number {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  let m = 0;
  for (const k of Object.keys(a)) a[k].forEach((v, i) => (m = Math.max(m, Math.abs(v - b[k][i]))));
  return m;
}
