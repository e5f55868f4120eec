// bertkit's library API. Each area adds its public exports here.
export * as graph from './graph/index.js';
export { Session } from './runtime/session.js';
export type { HostTensor, SessionOptions } from './runtime/session.js';
export * from './tokenizer/index.js';
