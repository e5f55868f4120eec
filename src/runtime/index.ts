// The runtime's public API: ONNX Runtime sessions, parameters, seeded randomness, training programs.
export { Session, type HostTensor, type SessionOptions } from './session.js';
export { ParameterStore, type ParameterInfo, type StoredParameter } from './parameters.js';
export { initializeParameters, type InitOptions } from './init.js';
export { Rng, type RngState } from './rng.js';
export { buildTrainProgram, randomUniform, type InputInfo, type TrainProgram } from './train-program.js';
