// A training program: the forward+backward ONNX model plus what the runtime must know to feed it.
// It is plain data (bytes, names, shapes) so it crosses into the training worker unchanged.
//
// Graph inputs fall into three kinds: parameters (graph.parameter, fed from the parameter store),
// random inputs (named `random.*`, U[0,1) tensors the runtime draws from its resumable Rng, e.g.
// dropout masks) and data inputs (everything else, fed from the batch).
import { grad } from '../graph/autodiff.js';
import type { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import { concat, reshape } from '../graph/ops.js';
import type { DType, Dim, Tensor } from '../graph/tensor.js';
import type { ParameterInfo } from './parameters.js';

export const RANDOM_INPUT_PREFIX = 'random.';

export interface InputInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export interface TrainProgram {
  readonly model: Uint8Array;
  /** Output holding the scalar (mean) loss. */
  readonly loss: string;
  readonly parameters: readonly ParameterInfo[];
  /** Parameter name → name of the output holding its gradient (the gradient tensor's own name, so no copy is made). */
  readonly gradients: Readonly<Record<string, string>>;
  /**
   * Output [parameters] with each gradient's sum of squares, in `parameters` order. ORT computes it in
   * one multi-threaded pass (~15 ms for 110 M values) where a JS pass takes ~80 ms; the runtime uses it
   * for clipping when a step has a single micro-batch.
   */
  readonly gradientSquares: string;
  /** Scalar outputs reported beside the loss (e.g. ELECTRA's generator_loss), by name → output name. */
  readonly metrics?: Readonly<Record<string, string>>;
  readonly data: readonly InputInfo[];
  readonly random: readonly InputInfo[];
}

/**
 * A float32 input of U[0,1) draws the runtime feeds on every run (for `dropout`). Symbolic dims must
 * also appear in a data input (e.g. 'batch', 'seq' from input_ids [batch, seq]).
 */
export function randomUniform(graph: Graph, name: string, shape: Dim[]): Tensor {
  return graph.input(RANDOM_INPUT_PREFIX + name, 'float32', shape);
}

/**
 * Differentiates `loss` with respect to every parameter of its graph and serializes the result;
 * `metrics` are scalars of the same graph the runtime reports with the loss.
 */
export function buildTrainProgram(loss: Tensor, metrics: Readonly<Record<string, Tensor>> = {}): TrainProgram {
  const graph = loss.graph;
  if (loss.shape.length !== 0) throw new Error(`buildTrainProgram: loss must be a scalar, got shape [${loss.shape.join(',')}]`);
  if (graph.parameters.length === 0) throw new Error('buildTrainProgram: the graph has no parameters to train');
  const parameters = graph.parameters.map((p) => ({ name: p.name, shape: p.shape as number[] }));
  const gradientTensors = grad(loss, graph.parameters);
  const lossName = 'loss';
  graph.output(lossName, loss);
  const gradients: Record<string, string> = {};
  graph.parameters.forEach((p, index) => {
    gradients[p.name] = graph.outputAsIs(gradientTensors[index]!, `grad.${p.name}`);
  });
  const squares = gradientTensors.map((g) => reshape(graph.addNode('ReduceSumSquare', [g], [{ dtype: 'float32', shape: [] }], { keepdims: { int: 0 } })[0]!, [1]));
  const gradientSquares = 'grad.sum_of_squares';
  graph.output(gradientSquares, concat(squares, 0));
  const metricOutputs: Record<string, string> = {};
  for (const [name, tensor] of Object.entries(metrics)) {
    if (tensor.shape.length !== 0 || tensor.dtype !== 'float32') throw new Error(`buildTrainProgram: metric ${name} must be a float32 scalar, got ${tensor.dtype}[${tensor.shape.join(',')}]`);
    metricOutputs[name] = `metric.${name}`;
    graph.output(metricOutputs[name], tensor);
  }
  const isParameter = new Set(parameters.map((p) => p.name));
  const others = graph.inputs.filter((input) => !isParameter.has(input.name)).map(({ name, dtype, shape }) => ({ name, dtype, shape: [...shape] }));
  return {
    model: toOnnx(graph),
    loss: lossName,
    parameters,
    gradients,
    gradientSquares,
    ...(Object.keys(metricOutputs).length > 0 ? { metrics: metricOutputs } : {}),
    data: others.filter((input) => !input.name.startsWith(RANDOM_INPUT_PREFIX)),
    random: others.filter((input) => input.name.startsWith(RANDOM_INPUT_PREFIX)),
  };
}
