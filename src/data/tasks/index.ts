// Fine-tuning tasks' public API: the task registry, the readers of each format, and the metrics.
// Encoders, windows and word alignment are what taskSpec wires together; they stay inside.
export type { TableFormat, TaggingScheme, TaskData, TaskFeatures, TaskKind, TaskLoadOptions, TaskOutputs, TaskSpec, TaskSpecOptions } from './task.js';
export { taskSpec } from './registry.js';
export { evaluateClassification, evaluateRegression, evaluateSimilarity, readTextExamples, type TextExample, type TextTaskKind } from './classification.js';
export { formatScoredPairs, type ScoredPair } from './scored-pairs.js';
export { evaluateNer, readCharTaggedTsv, readConllSentences, type NerExample, type TaggedSentence } from './ner.js';
export { evaluateSrl, readPropBankSentences, type PropBankSentence, type SrlExample } from './srl.js';
export { readSquadExamples, squadScores, type QaAnswer, type QaExample } from './squad.js';
export { entityScores, type Entity, type EntityScores } from './entities.js';
export { AGGREGATION_STRATEGIES, groupEntities, type AggregationStrategy, type GroupedEntity, type TokenEntity } from './entity-grouping.js';
export { readTable, type Table, type TableRow } from './table.js';
export * as taskMetrics from './metrics.js';
