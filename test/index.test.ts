// The package's entry point offers what a user needs and keeps internals inside.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as bertkit from '../src/index.js';

const exported = new Set(Object.keys(bertkit));

test('the public API has the tokenizer, loading, inference, training entry points and the graph namespace', () => {
  const needed = [
    'BertTokenizer', 'trainWordPiece', 'loadBert', 'saveBert', 'readBertConfig', 'BertInference', 'exportOnnx', 'buildInferenceGraph',
    'BertRunner', 'pretrain', 'runPretraining', 'finetune', 'runTraining', 'TrainStep', 'TrainWorker', 'finetuneSeeds', 'taskSpec',
    'readSafetensors', 'Session', 'ParameterStore', 'initialParameters', 'runWordNetSupersenses', 'graph',
  ];
  assert.deepEqual(needed.filter((name) => !exported.has(name)), []);
  assert.equal(typeof bertkit.graph.grad, 'function');
  assert.equal(typeof bertkit.graph.Graph, 'function');
});

test('internals stay out of the public API', () => {
  const internals = [
    'setSimdEnabled', 'simdAvailable', 'modelFeeds', 'trainingFeeds', 'batchFeeds', 'checkBatch', 'padRows', 'planBatches',
    'featureBatch', 'featureTrainingFeeds', 'TaskPredictor', 'MlmEvaluator', 'TrainingLog', 'saveCheckpoint', 'readTrainStepState',
    'encoderLayer', 'attentionBias', 'bertEmbeddings', 'maskedLmHead', 'hiddenActivation', 'encodeWordWindows', 'windowIndex',
  ];
  assert.deepEqual(internals.filter((name) => exported.has(name)), []);
});
