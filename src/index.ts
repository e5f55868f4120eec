// bertkit's library API: what a user needs, folder by folder (each folder's index.ts says what it
// offers). Internals (kernels, feeds, batching plans, log and checkpoint plumbing) stay inside.
export * as graph from './graph/index.js';
export * from './io/index.js';
export * from './tokenizer/index.js';
export * from './runtime/index.js';
export * from './model/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './compress/index.js';
export * from './explain/index.js';
export * from './serve/index.js';
export * from './recipes/index.js';
