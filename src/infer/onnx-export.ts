/**
 * ONNX export of a trained model: the network as a standard ONNX graph (opset 17) that
 * onnxruntime, 3D Slicer's and OHIF's tools and the browser run, with the plan as metadata.
 *
 * The graph is nnU-Net's PlainConvUNet exactly as `src/nn/unet.ts` computes it, without deep
 * supervision: per block `Conv → InstanceNormalization (ε 1e-5) → LeakyRelu (α 0.01)`, the
 * decoder's `ConvTranspose` upsampling, skip `Concat` on the channel axis, the last 1×1×1 head's
 * `Conv` giving the logits and a `Softmax` over the channel axis giving the probabilities.
 *
 * - Input `image`: `[N, C, Z, Y, X]` float32 (X = NIfTI i, fastest), the image preprocessed as the
 *   plan says (canonical orientation, resampled to `spacing_mm`, z-scored); Z, Y, X multiples of
 *   the stride product (metadata `divisor`), the patch size (`patch_size`) being what it was trained on.
 * - Outputs `logits` and `probabilities`: `[N, K, Z, Y, X]` float32 (K classes: `classes`).
 * - Metadata (`metadata_props`, strings): `meatus.task`, `meatus.plan` (the whole plan, JSON),
 *   `spacing_mm`, `patch_size`, `divisor`, `normalization`, `orientation` (when the plan has one),
 *   `classes`, `axes`.
 *
 * The protobuf is built with `onnx-proto` (protobufjs over ONNX's own `onnx.proto`), not by hand.
 * Follows the ONNX operator specifications (https://onnx.ai/onnx/operators/, opset 17) and
 * `torch.onnx.export`'s mapping of Conv3d / InstanceNorm3d / LeakyReLU / ConvTranspose3d.
 */
import onnxProto from 'onnx-proto';
import type { Tensor } from '../torch/index.js';
import type { UNet } from '../nn/index.js';
import { taskShape } from '../preprocess/types.js';
import type { Model } from './model.js';

const { onnx } = onnxProto;

/** The opset the graph uses (InstanceNormalization, LeakyRelu, Softmax with `axis` as in 13+). */
export const ONNX_OPSET = 17;
/** IR version 8: the one ONNX 1.12–1.13 pair with opset 17. */
const IR_VERSION = 8;

/** Names of the class indices, as meatus labels them (DESIGN.md). */
const CLASS_NAMES: Record<string, string[]> = {
  wholeTumour: ['background', 'tumour'],
  split: ['background', 'extrameatal', 'intrameatal'],
  baseline: ['background', 'extrameatal', 'intrameatal'],
};

type V3 = [number, number, number];
type Attr = { name: string; ints?: number[]; f?: number; i?: number };

/** Builds the graph node by node; weights become initializers named as in the state dict. */
class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  #n = 0;
  constructor(private readonly weights: Record<string, Tensor>) {}

  /** Adds the state-dict tensor `name` as an initializer; returns its name. */
  weight(name: string): string {
    const t = this.weights[name];
    if (!t) throw new Error(`ONNX export: the network has no parameter '${name}'`);
    const data = t.toFloat32Array();
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dataType: onnx.TensorProto.DataType.FLOAT,
        dims: t.shape,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      }),
    );
    return name;
  }

  node(op: string, inputs: string[], attrs: Attr[] = [], output?: string): string {
    const out = output ?? `${op.toLowerCase()}_${this.#n++}`;
    const attribute = attrs.map((a) => {
      if (a.ints)
        return onnx.AttributeProto.create({
          name: a.name,
          type: onnx.AttributeProto.AttributeType.INTS,
          ints: a.ints,
        });
      if (a.f !== undefined)
        return onnx.AttributeProto.create({
          name: a.name,
          type: onnx.AttributeProto.AttributeType.FLOAT,
          f: a.f,
        });
      return onnx.AttributeProto.create({
        name: a.name,
        type: onnx.AttributeProto.AttributeType.INT,
        i: a.i,
      });
    });
    this.nodes.push(
      onnx.NodeProto.create({
        opType: op,
        input: inputs,
        output: [out],
        name: `${op}_${this.nodes.length}`,
        attribute,
      }),
    );
    return out;
  }

  /** conv → instance norm → leaky ReLU, as `ConvNormAct` of `src/nn/unet.ts`. */
  convNormAct(x: string, prefix: string, kernel: V3, stride: V3): string {
    const pad = kernel.map((k) => (k - 1) / 2);
    const c = this.node(
      'Conv',
      [x, this.weight(`${prefix}.conv.weight`), this.weight(`${prefix}.conv.bias`)],
      [
        { name: 'kernel_shape', ints: kernel },
        { name: 'strides', ints: stride },
        { name: 'pads', ints: [...pad, ...pad] },
      ],
    );
    const n = this.node(
      'InstanceNormalization',
      [c, this.weight(`${prefix}.norm.weight`), this.weight(`${prefix}.norm.bias`)],
      [{ name: 'epsilon', f: 1e-5 }],
    );
    return this.node('LeakyRelu', [n], [{ name: 'alpha', f: 0.01 }]);
  }
}

function valueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

/** The U-Net's graph (nodes and initializers), full-resolution output only. */
function buildUNetGraph(net: UNet, g: GraphBuilder): string {
  const { features, kernels, strides, convsPerStage, convsPerDecoderStage } = net.config;
  const n = features.length;
  const skips: string[] = [];
  let h = 'image';
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < convsPerStage; i++)
      h = g.convNormAct(h, `encoder.stages.${s}.0.convs.${i}`, kernels[s], i === 0 ? strides[s] : [1, 1, 1]);
    skips.push(h);
  }
  for (let s = 0; s < n - 1; s++) {
    const stride = strides[n - 1 - s];
    const up = g.node(
      'ConvTranspose',
      [h, g.weight(`decoder.transpconvs.${s}.weight`), g.weight(`decoder.transpconvs.${s}.bias`)],
      [
        { name: 'kernel_shape', ints: stride },
        { name: 'strides', ints: stride },
      ],
    );
    h = g.node('Concat', [up, skips[n - s - 2]], [{ name: 'axis', i: 1 }]);
    for (let i = 0; i < convsPerDecoderStage; i++)
      h = g.convNormAct(h, `decoder.stages.${s}.convs.${i}`, kernels[n - s - 2], [1, 1, 1]);
  }
  const head = `decoder.seg_layers.${n - 2}`;
  return g.node(
    'Conv',
    [h, g.weight(`${head}.weight`), g.weight(`${head}.bias`)],
    [{ name: 'kernel_shape', ints: [1, 1, 1] }],
    'logits',
  );
}

/** Metadata of an exported model: the plan and how to feed the network. */
export function onnxMetadata(model: Pick<Model, 'plan' | 'task' | 'net'>): Record<string, string> {
  const { plan, task } = model;
  const meta: Record<string, string> = {
    'meatus.task': task,
    'meatus.plan': JSON.stringify(plan),
    spacing_mm: JSON.stringify(plan.spacing),
    patch_size: JSON.stringify(plan.patchSize),
    divisor: JSON.stringify(model.net.divisor),
    normalization: JSON.stringify(plan.normalization),
    classes: JSON.stringify(CLASS_NAMES[task]),
    axes: 'image, logits, probabilities: [N, C, Z, Y, X] float32, X = NIfTI i (fastest); spacing_mm and patch_size in [z, y, x]',
  };
  const orientation = (plan as { orientation?: unknown }).orientation;
  if (orientation !== undefined) meta.orientation = JSON.stringify(orientation);
  return meta;
}

/**
 * Serialises a loaded model as an ONNX model (protobuf bytes).
 * @param producerVersion written into `producer_version` (meatus's version).
 * @throws Error if the network lacks a parameter the topology needs (a corrupt model).
 * @example await writeFileAtomic('stage1.onnx', exportOnnx(await loadModel('stage1.safetensors')));
 */
export function exportOnnx(model: Pick<Model, 'plan' | 'task' | 'net'>, producerVersion = ''): Uint8Array {
  const { inChannels, numClasses } = taskShape(model.task);
  const g = new GraphBuilder(model.net.stateDict());
  const logits = buildUNetGraph(model.net, g);
  g.node('Softmax', [logits], [{ name: 'axis', i: 1 }], 'probabilities');
  const graph = onnx.GraphProto.create({
    name: `meatus_${model.task}`,
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo('image', ['N', inChannels, 'Z', 'Y', 'X'])],
    output: [
      valueInfo('logits', ['N', numClasses, 'Z', 'Y', 'X']),
      valueInfo('probabilities', ['N', numClasses, 'Z', 'Y', 'X']),
    ],
  });
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'meatus',
    producerVersion,
    docString: `meatus ${model.task} model: nnU-Net-style 3D U-Net (vestibular schwannoma, T2 MRI)`,
    graph,
    metadataProps: Object.entries(onnxMetadata(model)).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(proto).finish();
}
