import type { Node } from './graph.js';
import type { Tensor } from './tensor.js';

/**
 * Given a node's inputs, the gradients of the loss with respect to its outputs (undefined: that
 * output does not reach the loss) and its outputs, returns the gradients with respect to its inputs
 * (undefined: none, e.g. integer indices). Rules add backward nodes to the node's graph; toOnnx
 * drops any a loss does not use, so a rule may build gradients for inputs nobody asked about.
 */
export type GradientRule = (
  inputs: readonly Tensor[],
  outputGrads: readonly (Tensor | undefined)[],
  outputs: readonly Tensor[],
  node: Node,
) => readonly (Tensor | undefined)[];
