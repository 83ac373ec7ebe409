/**
 * A synchronous onnxruntime (CPU) session for the exported network, so that the sliding window and
 * the pipelines — synchronous, like the libtorch engine — can run on ONNX Runtime unchanged.
 *
 * `onnxruntime-node`'s public `InferenceSession.run` is asynchronous only in that it defers the
 * native call with `setImmediate` (see its `dist/backend.js`); the native session's `run` itself
 * is synchronous. This module makes that same native call directly (the package's `dist/binding`,
 * pinned by package-lock.json), with the same feeds and fetches the public API passes.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { torch, type Tensor } from '../torch/index.js';

/** What `onnxruntime-node/dist/binding` exports (the part used here). */
interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, { type: string; data: Float32Array; dims: number[] }>;
  readonly inputMetadata: { name: string }[];
  readonly outputMetadata: { name: string }[];
  dispose(): void;
}
interface Binding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

const require = createRequire(import.meta.url);

/** Options of {@link OnnxNetwork}. */
export interface OnnxSessionOptions {
  /** Intra-op threads (default: the machine's cores, as libtorch uses). */
  threads?: number;
}

/** An exported meatus network (`exportOnnx`) loaded in onnxruntime on CPU. Call `dispose()` when done. */
export class OnnxNetwork {
  readonly #session: NativeSession;

  /**
   * @param model the ONNX bytes (from `exportOnnx`, or an `.onnx` file's contents).
   * @throws Error with onnxruntime's message if the bytes are not a loadable model or lack the
   *   `image` input and `logits` output.
   */
  constructor(model: Uint8Array, o: OnnxSessionOptions = {}) {
    const b = require('onnxruntime-node/dist/binding') as Binding;
    b.initOrt();
    this.#session = new b.binding.InferenceSession();
    this.#session.loadModel(model.buffer, model.byteOffset, model.byteLength, {
      intraOpNumThreads: o.threads ?? availableParallelism(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // ONNX Runtime's threads spin between calls by default, taking the cores from libtorch and the
      // data-loading threads of the same process (as OMP_WAIT_POLICY=PASSIVE does for libtorch).
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
    const inputs = this.#session.inputMetadata.map((m) => m.name);
    const outputs = this.#session.outputMetadata.map((m) => m.name);
    if (!inputs.includes('image') || !outputs.includes('logits')) {
      this.#session.dispose();
      throw new Error(
        `ONNX model: expected an 'image' input and a 'logits' output (a meatus export), got inputs [${inputs}] and outputs [${outputs}]`,
      );
    }
  }

  /** Logits `[N, K, Z, Y, X]` of `image` `[N, C, Z, Y, X]` (float32, CPU tensors in and out). */
  forward(image: Tensor): Tensor {
    const data = image.toFloat32Array();
    const feeds = { image: new ort.Tensor('float32', data, image.shape) };
    const out = this.#session.run(feeds, { logits: null }, {}).logits;
    return torch.tensor(out.data, { shape: out.dims });
  }

  dispose(): void {
    this.#session.dispose();
  }
}
