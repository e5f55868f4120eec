import type { GradientRule } from './gradient-rule.js';
import type { Graph, Node } from './graph.js';
import { add, gradients as elementwise } from './ops/elementwise.js';
import { gradients as gather } from './ops/gather.js';
import { gradients as layerNorm } from './ops/layernorm.js';
import { gradients as matmul } from './ops/matmul.js';
import { gradients as reduce } from './ops/reduce.js';
import { expandLike, gradients as shapeOps } from './ops/shape-ops.js';
import { gradients as softmax } from './ops/softmax.js';
import { gradients as where } from './ops/where.js';
import { type Tensor, formatShape } from './tensor.js';

/** Every ONNX op's gradient rule, each defined beside its op. */
const RULES: Record<string, GradientRule> = { ...elementwise, ...gather, ...layerNorm, ...matmul, ...reduce, ...shapeOps, ...softmax, ...where };

/** A step of the backward pass: an ONNX node, or a composite with a hand-written gradient. */
interface Unit {
  readonly node: Node;
  readonly rule: GradientRule | undefined;
}

function units(graph: Graph): Unit[] {
  const result: Unit[] = [];
  for (const node of graph.nodes) {
    result.push({ node, rule: node.domain === undefined ? RULES[node.op] : undefined });
    for (const output of node.outputs) {
      const composite = graph.compositeGradients.get(output.name);
      if (composite) result.push(composite);
    }
  }
  return result;
}

/**
 * Reverse-mode autodiff: adds to loss's graph the nodes computing d(sum of loss)/d(each of wrt),
 * and returns those gradients in order. Only ops on a path from wrt to the loss get backward nodes,
 * and only backward nodes the returned gradients use stay in the graph.
 * A tensor of wrt that the loss does not depend on gets a zero gradient.
 */
export function grad(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  const graph = loss.graph;
  if (loss.dtype !== 'float32') throw new Error(`grad: loss must be float32, got ${loss.dtype}${formatShape(loss.shape)}`);
  for (const tensor of wrt) {
    if (tensor.graph !== graph) throw new Error(`grad: ${tensor.name} belongs to another graph than the loss`);
    if (tensor.dtype !== 'float32') throw new Error(`grad: cannot differentiate with respect to ${tensor.name} (${tensor.dtype})`);
  }
  const firstBackwardNode = graph.nodes.length;
  const steps = units(graph);
  const composites = new Set(graph.compositeGradients.keys());

  const dependsOnWrt = new Set(wrt.map((tensor) => tensor.name));
  for (const { node } of steps) {
    if (node.inputs.some((input) => dependsOnWrt.has(input.name))) {
      for (const output of node.outputs) if (output.dtype === 'float32') dependsOnWrt.add(output.name);
    }
  }

  const pending = new Map<string, Tensor[]>();
  const seed = loss.shape.length === 0 ? graph.scalar(1, 'float32') : expandLike(graph.scalar(1, 'float32'), loss);
  pending.set(loss.name, [seed]);
  const total = (name: string): Tensor | undefined => {
    const parts = pending.get(name);
    if (parts === undefined) return undefined;
    const sum = parts.reduce((accumulated, part) => add(accumulated, part));
    pending.set(name, [sum]);
    return sum;
  };

  for (let index = steps.length - 1; index >= 0; index--) {
    const { node, rule } = steps[index]!;
    const isComposite = graph.compositeGradients.get(node.outputs[0]!.name)?.node === node;
    // The composite's output gradient flows through its rule, not through the op that produced it.
    const outputGrads = node.outputs.map((output) => (!isComposite && composites.has(output.name) ? undefined : total(output.name)));
    if (outputGrads.every((dy) => dy === undefined)) continue;
    if (!node.inputs.some((input) => dependsOnWrt.has(input.name))) continue;
    if (rule === undefined) {
      const op = node.domain === undefined ? node.op : `${node.domain}.${node.op}`;
      throw new Error(`grad: no gradient rule for ${op} (computing ${node.outputs.map((o) => o.name).join(', ')})`);
    }
    const inputGrads = rule(node.inputs, outputGrads, node.outputs, node);
    node.inputs.forEach((input, position) => {
      const inputGrad = inputGrads[position];
      if (inputGrad === undefined || !dependsOnWrt.has(input.name)) return;
      const fits = inputGrad.dtype === 'float32' && inputGrad.shape.length === input.shape.length && inputGrad.shape.every((dim, axis) => dim === input.shape[axis]);
      if (!fits) {
        throw new Error(`grad: the ${node.op} rule gave ${inputGrad.dtype}${formatShape(inputGrad.shape)} for ${input.name}, which is ${input.dtype}${formatShape(input.shape)}`);
      }
      const parts = pending.get(input.name);
      if (parts) parts.push(inputGrad);
      else pending.set(input.name, [inputGrad]);
    });
  }
  const gradients = wrt.map((tensor) => total(tensor.name) ?? expandLike(graph.scalar(0, 'float32'), tensor));
  graph.dropUnneeded(firstBackwardNode, gradients);
  return gradients;
}
