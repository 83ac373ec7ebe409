/**
 * `meatus export`: a trained model as a standard ONNX graph (opset 17) with its plan as metadata,
 * for onnxruntime, 3D Slicer's or OHIF's tools and the browser (see `src/infer/onnx-export.ts`).
 */
import { parseCommand, UsageError } from './args.js';
import { version } from './main.js';
import { checkOutput } from '../util/output-path.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { loadModel } from '../infer/model.js';
import { exportOnnx, onnxMetadata } from '../infer/onnx-export.js';
import { OnnxNetwork } from '../infer/onnx-session.js';

export const summary = 'export a trained model as an ONNX graph (opset 17) with its plan as metadata';

const USAGE = `usage: meatus export MODEL.safetensors --onnx OUT.onnx [--overwrite]

Writes the network of MODEL (a checkpoint written by meatus train, e.g. checkpoint_best.safetensors
or models/default/stage1.safetensors) as an ONNX model: input 'image' [N, C, Z, Y, X] float32
(preprocessed as the plan says), outputs 'logits' and 'probabilities' [N, K, Z, Y, X]; the plan
(spacing, patch size, normalisation, orientation) and the task are stored as metadata. The file is
loaded back in onnxruntime before meatus reports success.

options:
  --onnx FILE     the ONNX file to write (--out is an alias)
  --overwrite     replace an existing file`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    {
      name: 'export',
      usage: USAGE,
      options: { onnx: { type: 'string' }, overwrite: { type: 'boolean' } },
      required: ['onnx'],
      positionals: { min: 1, max: 1, name: 'model' },
      aliases: { out: 'onnx' },
    },
    argv,
  );
  if (typeof parsed === 'number') return parsed;
  const out = parsed.values.onnx!;
  if (!out.endsWith('.onnx')) throw new UsageError(`--onnx ${out}: expected a file name ending in .onnx`);
  checkOutput('--onnx', out, { kind: 'file', overwrite: Boolean(parsed.values.overwrite) });
  const model = await loadModel(parsed.positionals[0]);
  try {
    const bytes = exportOnnx(model, version());
    new OnnxNetwork(bytes, { threads: 1 }).dispose(); // onnxruntime accepts it
    await writeFileAtomic(out, bytes);
    const meta = onnxMetadata(model);
    console.log(
      `${out}: ${model.task} network, ${(bytes.length / 2 ** 20).toFixed(1)} MB, opset 17; patch ${meta.patch_size}, spacing ${meta.spacing_mm} mm`,
    );
  } finally {
    model.dispose();
  }
  return 0;
}
