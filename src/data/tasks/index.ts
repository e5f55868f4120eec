// Fine-tuning tasks' public API: readers, encoders, metrics and prediction helpers.
export { taskSpec, type TableFormat, type TaggingScheme, type TaskData, type TaskFeatures, type TaskKind, type TaskLoadOptions, type TaskOutputs, type TaskSpec, type TaskSpecOptions } from './task.js';
export { classPredictions, encodeTextExamples, evaluateClassification, evaluateRegression, labelNames, readTextExamples, type TextExample } from './classification.js';
export { encodeNerExamples, evaluateNer, nerWordPredictions, readCharTaggedTsv, readConllSentences, tagLabelNames, type NerExample, type TaggedSentence } from './ner.js';
export { encodeSrlInstances, evaluateSrl, readPropBankSentences, roleLabelNames, srlInstances, srlScores, srlWordPredictions, type PropBankSentence, type SrlExample } from './srl.js';
export { answerF1, answerPositions, bestQaSpan, encodeQaExamples, exactMatch, normalizeAnswer, qaPredictions, readSquadExamples, squadScores, type EncodedQaExample, type QaAnswer, type QaExample, type QaSpan, type QaWindow } from './squad.js';
export { conllevalEntities, detectScheme, entityScores, strictEntities, toIob2, type Entity, type EntityMode, type EntityScores } from './entities.js';
export { groupEntities, type GroupedEntity } from './entity-grouping.js';
export { appendWordFeatures, encodeWordWindows, IGNORED_LABEL, tokenLabelsFor, wordPredictions, type WordReadout, type WordWindows } from './word-alignment.js';
export { defaultStride, maxContextWindows, mergeWindowOutputs, windowEncoding, windowIndex, type TokenWindow } from './windows.js';
export { formatOf, readTable, type Table, type TableRow } from './table.js';
export * as taskMetrics from './metrics.js';
