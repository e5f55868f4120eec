// The data's public API: corpora, shards, pretraining instances, and the fine-tuning tasks.
export { expandCorpusPaths, readCorpus, type CorpusDocument, type CorpusFormat, type CorpusOptions } from './corpus.js';
export { splitSentences } from './sentence-splitter.js';
export { ShardSet, buildShards, type BuildShardsOptions, type ShardManifest } from './shards.js';
export { PretrainingDataset, type PretrainingBatch, type PretrainingDataOptions, type PretrainingDatasetState } from './pretraining-dataset.js';
export * from './tasks/index.js';
