// The op set: each file holds ops with their shape rules and, beside them, their gradient rules.
export { add, sub, mul, div, pow, maximum, neg, sqrt, exp, log, tanh, erf, sigmoid, relu, floor, abs, sign, equal, less, greater, not } from './ops/elementwise.js';
export { matmul, gemm, linear } from './ops/matmul.js';
export { reshape, transpose, concat, slice, expand, unsqueeze, squeeze, arange } from './ops/shape-ops.js';
export { reduceSum, reduceMean, reduceMax } from './ops/reduce.js';
export { where, cast } from './ops/where.js';
export { gather, gatherElements, scatterAdd, scatterElementsAdd } from './ops/gather.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { layerNorm } from './ops/layernorm.js';
export { gelu, dropout } from './ops/activations.js';
export { crossEntropy, mse, bceWithLogits, cosentLoss } from './ops/losses.js';
export type { GemmOptions } from './ops/matmul.js';
export type { SliceSpec } from './ops/shape-ops.js';
export type { ReduceOptions } from './ops/reduce.js';
export type { CrossEntropyOptions } from './ops/losses.js';
