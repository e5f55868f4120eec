// The op set: each file holds ops with their shape rules and, beside them, their gradient rules.
export { add, sub, mul, div, pow, neg, sqrt, exp, log, tanh, erf, sigmoid, relu, equal, less, greater, not } from './ops/elementwise.js';
export { matmul, gemm, linear } from './ops/matmul.js';
export { reshape, transpose, concat, slice, expand, unsqueeze, squeeze } from './ops/shape-ops.js';
export { reduceSum, reduceMean, reduceMax } from './ops/reduce.js';
export { where, cast } from './ops/where.js';
export type { GemmOptions } from './ops/matmul.js';
export type { SliceSpec } from './ops/shape-ops.js';
export type { ReduceOptions } from './ops/reduce.js';
