export { Graph } from './graph.js';
export type { Node, ConstantData, ConstantValue, CompositeGradient } from './graph.js';
export type { DType, Dim, Tensor, TensorLike } from './tensor.js';
export type { GradientRule } from './gradient-rule.js';
export { grad } from './autodiff.js';
export { toOnnx } from './onnx.js';
export type { ToOnnxOptions } from './onnx.js';
export * from './ops.js';
