export { Graph } from './graph.js';
export type { Node, ConstantData, ConstantValue } from './graph.js';
export type { DType, Dim, Tensor, TensorLike } from './tensor.js';
export { toOnnx } from './onnx.js';
export type { ToOnnxOptions } from './onnx.js';
export * from './ops.js';
