import type { Attributes } from './attributes.js';
import type { GradientRule } from './gradient-rule.js';
import { type DType, type Dim, type Tensor, type TensorLike, formatShape } from './tensor.js';

/** One ONNX node: the unit autodiff differentiates and onnx.ts emits. */
export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attributes: Attributes;
  /** Operator domain; absent for the default ONNX domain, e.g. 'com.microsoft' for ORT contrib ops. */
  readonly domain?: string;
}

/** Uint8Array holds bool or uint8 (the dtype says which). */
export type ConstantData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

export interface ConstantValue {
  readonly data: ConstantData;
  readonly dims: readonly number[];
  readonly dtype: DType;
}

/** A composite op (e.g. GELU) whose gradient is written by hand instead of derived through its parts. */
export interface CompositeGradient {
  readonly node: Node;
  readonly rule: GradientRule;
}

export interface OutputSpec {
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

const DTYPES: readonly DType[] = ['float32', 'int64', 'int32', 'bool'];

class GraphTensor implements Tensor {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: readonly Dim[],
  ) {}
  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

function dtypeOfData(values: number[] | ConstantData): DType {
  if (values instanceof BigInt64Array) return 'int64';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Int8Array) return 'int8';
  if (values instanceof Uint8Array) return 'bool';
  return 'float32';
}

function dataOfDType(values: number[] | ConstantData, dtype: DType): ConstantData {
  if (!Array.isArray(values)) {
    if (dtypeOfData(values) !== dtype && !(dtype === 'uint8' && values instanceof Uint8Array)) throw new Error(`constant: values are ${dtypeOfData(values)} but dtype is ${dtype}`);
    return values;
  }
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'int64': return BigInt64Array.from(values, (value) => BigInt(Math.trunc(value)));
    case 'int32': return Int32Array.from(values);
    case 'bool': return Uint8Array.from(values, (value) => (value ? 1 : 0));
    case 'int8': return Int8Array.from(values);
    case 'uint8': return Uint8Array.from(values);
  }
}

/**
 * A computation under construction. Inputs are fed on every run; parameters are float32 inputs
 * that autodiff may differentiate (an inference export turns them into initializers).
 */
export class Graph {
  readonly inputs: Tensor[] = [];
  readonly parameters: Tensor[] = [];
  readonly nodes: Node[] = [];
  readonly outputs: { readonly name: string; readonly tensor: Tensor }[] = [];
  readonly constants = new Map<string, ConstantValue>();
  /** Keyed by the composite's output name; autodiff uses the rule instead of the parts. */
  readonly compositeGradients = new Map<string, CompositeGradient>();
  private readonly producers = new Map<string, Node>();
  private readonly names = new Set<string>();
  private readonly sharedParameterPrefixes: string[] = [];
  private readonly scalars = new Map<string, Tensor>();
  private counter = 0;

  input(name: string, dtype: DType, shape: Dim[]): Tensor {
    if (!DTYPES.includes(dtype)) throw new Error(`input ${name}: dtype '${String(dtype)}' is not one of ${DTYPES.join(', ')}`);
    for (const dim of shape) {
      const valid = typeof dim === 'number' ? Number.isInteger(dim) && dim >= 0 : typeof dim === 'string' && /^[A-Za-z_][\w.*()/+-]*$/.test(dim);
      if (!valid) throw new Error(`input ${name}: dim ${JSON.stringify(dim)} of ${formatShape(shape)} must be a non-negative integer or a symbolic name like 'batch'`);
    }
    const tensor = this.newTensor(this.claim(name, 'input'), dtype, shape);
    this.inputs.push(tensor);
    return tensor;
  }

  /**
   * Parameters named `prefix…` may then be declared more than once and are one tensor: tied weights
   * of two models in one graph (ELECTRA's generator reads its discriminator's embeddings).
   */
  shareParameters(prefix: string): void {
    this.sharedParameterPrefixes.push(prefix);
  }

  parameter(name: string, shape: number[]): Tensor {
    for (const dim of shape) {
      if (!Number.isInteger(dim) || dim < 0) throw new Error(`parameter ${name}: shape ${formatShape(shape)} must be non-negative integers`);
    }
    const declared = this.sharedParameterPrefixes.some((prefix) => name.startsWith(prefix)) ? this.parameters.find((parameter) => parameter.name === name) : undefined;
    if (declared !== undefined) {
      if (formatShape(declared.shape) !== formatShape(shape)) throw new Error(`parameter ${name}: shared as ${formatShape(declared.shape)}, declared again as ${formatShape(shape)}`);
      return declared;
    }
    const tensor = this.input(name, 'float32', shape);
    this.parameters.push(tensor);
    return tensor;
  }

  constant(values: number[] | ConstantData, shape: number[], dtype: DType = dtypeOfData(values)): Tensor {
    const data = dataOfDType(values, dtype);
    const size = shape.reduce((product, dim) => product * dim, 1);
    if (data.length !== size) throw new Error(`constant: ${data.length} values do not fill shape ${formatShape(shape)} (${size} elements)`);
    const tensor = this.newTensor(this.fresh('const'), dtype, shape);
    this.constants.set(tensor.name, { data, dims: shape, dtype });
    return tensor;
  }

  /** A scalar constant of the given dtype, shared by every op that asks for the same value. */
  scalar(value: number, dtype: DType): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    let tensor = this.scalars.get(key);
    if (tensor === undefined) {
      tensor = this.constant([value], [], dtype);
      this.scalars.set(key, tensor);
    }
    return tensor;
  }

  /** Marks `tensor` as a graph output under `name` (an Identity renames it when needed). */
  output(name: string, tensor: Tensor): void {
    this.own(tensor, 'output');
    if (this.outputs.some((output) => output.name === name)) throw new Error(`output: name "${name}" is already an output`);
    let named = tensor;
    if (tensor.name !== name || this.cannotOutputAsIs(tensor)) {
      named = this.newTensor(this.claim(name, 'output'), tensor.dtype, tensor.shape);
      this.pushNode({ op: 'Identity', inputs: [tensor], outputs: [named], attributes: {} });
    }
    this.outputs.push({ name, tensor: named });
  }

  /**
   * Marks `tensor` as a graph output under its own name and returns that name, so that ONNX Runtime
   * hands its buffer back without an Identity's copy (a training step's gradients: the word-embedding
   * table's alone is 8 MB for a 16k vocabulary); under `fallback`, through an Identity, where its own name
   * cannot be an output (a graph input, a constant, already an output).
   */
  outputAsIs(tensor: Tensor, fallback: string): string {
    const name = this.cannotOutputAsIs(tensor) ? fallback : tensor.name;
    this.output(name, tensor);
    return name;
  }

  /** Appends a node; ops call this after checking inputs and inferring output shapes. */
  addNode(op: string, inputs: readonly Tensor[], outputs: readonly OutputSpec[], attributes: Attributes = {}, domain?: string): Tensor[] {
    for (const input of inputs) this.own(input, op);
    const base = this.fresh(op.toLowerCase());
    const results = outputs.map((spec, index) => this.newTensor(index === 0 ? base : this.claim(`${base}.${index}`, op), spec.dtype, spec.shape));
    this.pushNode(domain === undefined ? { op, inputs: [...inputs], outputs: results, attributes } : { op, inputs: [...inputs], outputs: results, attributes, domain });
    return results;
  }

  /**
   * Declares that `output` was computed from `inputs` by ops already added, and that its gradient is
   * `rule` (called with op, inputs and output as a pseudo-node) rather than the chain through those ops.
   */
  defineGradient(op: string, inputs: readonly Tensor[], output: Tensor, rule: GradientRule, attributes: Attributes = {}): Tensor {
    for (const tensor of [...inputs, output]) this.own(tensor, op);
    this.compositeGradients.set(output.name, { node: { op, inputs: [...inputs], outputs: [output], attributes }, rule });
    return output;
  }

  /**
   * Drops the nodes added since `since` (a node count) that none of `roots` needs: autodiff's rules
   * may build gradients for inputs off the path, and they should not linger in the graph.
   */
  dropUnneeded(since: number, roots: readonly Tensor[]): void {
    const needed = new Set(roots.map((root) => root.name));
    for (const output of this.outputs) needed.add(output.tensor.name);
    const kept: Node[] = [];
    for (let index = this.nodes.length - 1; index >= since; index--) {
      const node = this.nodes[index]!;
      if (node.outputs.some((output) => needed.has(output.name))) {
        kept.push(node);
        for (const input of node.inputs) needed.add(input.name);
      } else {
        for (const output of node.outputs) this.producers.delete(output.name);
      }
    }
    this.nodes.splice(since, this.nodes.length - since, ...kept.reverse());
  }

  /** The node that computes `tensor`; undefined for inputs, parameters and constants. */
  producer(tensor: Tensor): Node | undefined {
    return this.producers.get(tensor.name);
  }

  isGraphInput(tensor: Tensor): boolean {
    return this.inputs.includes(tensor);
  }

  /** Turns a JS number into a scalar constant with `like`'s dtype. */
  lift(value: TensorLike, like: DType): Tensor {
    if (typeof value === 'number') return this.scalar(value, like);
    this.own(value, 'op');
    return value;
  }

  /** A graph input, a constant or an output already: its own name cannot be a (further) output. */
  private cannotOutputAsIs(tensor: Tensor): boolean {
    return this.isGraphInput(tensor) || this.constants.has(tensor.name) || this.outputs.some((output) => output.tensor === tensor);
  }

  private pushNode(node: Node): void {
    this.nodes.push(node);
    for (const output of node.outputs) this.producers.set(output.name, node);
  }

  private own(tensor: Tensor, op: string): void {
    if (tensor.graph !== this) throw new Error(`${op}: tensor ${tensor.name} belongs to another graph`);
  }

  private newTensor(name: string, dtype: DType, shape: readonly Dim[]): Tensor {
    return new GraphTensor(this, name, dtype, Object.freeze([...shape]));
  }

  private claim(name: string, what: string): string {
    if (name.length === 0) throw new Error(`${what}: name must not be empty`);
    if (this.names.has(name)) throw new Error(`${what}: name "${name}" is already used in this graph`);
    this.names.add(name);
    return name;
  }

  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`; while (this.names.has(name));
    this.names.add(name);
    return name;
  }
}
