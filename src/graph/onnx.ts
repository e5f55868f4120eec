import onnxProto from 'onnx-proto';
import type { Attribute } from './attributes.js';
import type { ConstantData, ConstantValue, Graph, Node } from './graph.js';
import { ONNX_DTYPE } from './ops/where.js';
import type { Tensor } from './tensor.js';

const { onnx } = onnxProto;

export interface ToOnnxOptions {
  /** Default opset 18 (LayerNormalization needs 17; Gelu would need 20, so GELU is built from Erf). */
  opset?: number;
  /** Inference export: these parameters become initializers instead of graph inputs. */
  initializers?: ReadonlyMap<string, Float32Array>;
}

function valueInfo(tensor: Tensor): onnxProto.onnx.IValueInfoProto {
  return {
    name: tensor.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[tensor.dtype],
        shape: { dim: tensor.shape.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

function bytesOf(data: ConstantData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tensorProto(name: string, value: ConstantValue): onnxProto.onnx.ITensorProto {
  return { name, dataType: ONNX_DTYPE[value.dtype], dims: [...value.dims], rawData: bytesOf(value.data) };
}

function attributeProto(name: string, attribute: Attribute): onnxProto.onnx.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if ('int' in attribute) return { name, type: types.INT, i: attribute.int };
  if ('float' in attribute) return { name, type: types.FLOAT, f: attribute.float };
  if ('ints' in attribute) return { name, type: types.INTS, ints: [...attribute.ints] };
  if ('floats' in attribute) return { name, type: types.FLOATS, floats: [...attribute.floats] };
  return { name, type: types.STRING, s: new TextEncoder().encode(attribute.string) };
}

/** The nodes the outputs depend on, in build order (already topological). */
function liveNodes(graph: Graph): Node[] {
  const needed = new Set(graph.outputs.map((output) => output.tensor.name));
  const live: Node[] = [];
  for (let index = graph.nodes.length - 1; index >= 0; index--) {
    const node = graph.nodes[index]!;
    if (!node.outputs.some((output) => needed.has(output.name))) continue;
    live.push(node);
    for (const input of node.inputs) needed.add(input.name);
  }
  return live.reverse();
}

/** Opset imports for non-default domains (ORT's contrib ops are all version 1). */
function contribDomains(nodes: readonly Node[]): onnxProto.onnx.IOperatorSetIdProto[] {
  const domains = new Set(nodes.flatMap((node) => (node.domain === undefined ? [] : [node.domain])));
  return [...domains].sort().map((domain) => ({ domain, version: 1 }));
}

/** Serializes the graph as an ONNX model; nodes that no output needs are left out. */
export function toOnnx(graph: Graph, options: ToOnnxOptions = {}): Uint8Array {
  if (graph.outputs.length === 0) throw new Error('toOnnx: the graph has no outputs (call graph.output(name, tensor))');
  const initializers = options.initializers ?? new Map<string, Float32Array>();
  for (const name of initializers.keys()) {
    if (!graph.parameters.some((parameter) => parameter.name === name)) throw new Error(`toOnnx: initializer "${name}" is not a parameter of the graph`);
  }
  const nodes = liveNodes(graph);
  const used = new Set(nodes.flatMap((node) => node.inputs.map((input) => input.name)));
  for (const output of graph.outputs) used.add(output.tensor.name);

  const initializerProtos: onnxProto.onnx.ITensorProto[] = [];
  for (const [name, value] of graph.constants) {
    if (used.has(name)) initializerProtos.push(tensorProto(name, value));
  }
  const inputs: onnxProto.onnx.IValueInfoProto[] = [];
  for (const input of graph.inputs) {
    const values = initializers.get(input.name);
    if (values === undefined) {
      inputs.push(valueInfo(input));
      continue;
    }
    const dims = input.shape as number[];
    const size = dims.reduce((product, dim) => product * dim, 1);
    if (values.length !== size) throw new Error(`toOnnx: initializer "${input.name}" has ${values.length} values, parameter shape [${dims.join(',')}] needs ${size}`);
    if (used.has(input.name)) initializerProtos.push(tensorProto(input.name, { data: values, dims, dtype: 'float32' }));
  }

  const outputNames = new Set(graph.outputs.map((output) => output.tensor.name));
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    producerName: 'bertkit',
    opsetImport: [{ domain: '', version: options.opset ?? 18 }, ...contribDomains(nodes)],
    graph: {
      name: 'bertkit',
      node: nodes.map((node, index) => ({
        name: `${node.op}_${index}`,
        opType: node.op,
        ...(node.domain === undefined ? {} : { domain: node.domain }),
        input: node.inputs.map((input) => input.name),
        output: node.outputs.map((output) => output.name),
        attribute: Object.entries(node.attributes).map(([name, attribute]) => attributeProto(name, attribute)),
      })),
      input: inputs,
      output: graph.outputs.map((output) => valueInfo(output.tensor)),
      // Declared intermediate shapes let ORT fuse across the Reshapes around linear's Gemm (e.g. SkipLayerNormalization).
      valueInfo: nodes.flatMap((node) => node.outputs).filter((tensor) => !outputNames.has(tensor.name)).map(valueInfo),
      initializer: initializerProtos,
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
