// The model's public API: configs, Hugging Face checkpoints, the BERT graph, inference graphs and
// their runner, ONNX export, and sentence embeddings (pooling, the similarity loss, the
// sentence-transformers layout).
export { BERT_DEFAULTS, ELECTRA_DEFAULTS, embeddingSizeOf, numLabels, parseBertConfig, readBertConfig, writeBertConfig, type BertConfig, type HiddenAct, type ModelType, type PositionEmbeddingType, type ProblemType } from './config.js';
export { BERT_ARCHITECTURES, ELECTRA_ARCHITECTURES, architectureOf, headsOf, isBertArchitecture, isModelArchitecture, type BertArchitecture, type BertHeads, type ElectraArchitecture, type ModelArchitecture } from './architecture.js';
export { loadBert, saveBert, type BertModelState, type LoadBertOptions, type LoadedBert, type SaveBertOptions } from './checkpoint.js';
export { initialParameters, type InitialParameters } from './initial-parameters.js';
export { bertEncoder, bertForward, bertInputs, bertParameterShapes, type BertEncoderOptions, type BertEncoderOutput, type BertForward, type BertForwardOptions, type BertHeadOutputs, type BertInputs } from './bert.js';
export { FUSED_ENCODER_LAYER } from './fused-encoder-layer.js';
export { quantizedEncoderLayer, type QuantizedMatrices, type QuantizedMatrix } from './quantized-encoder-layer.js';
export { PLAIN_ENCODER_LAYER, type EncoderLayerKind } from './encoder-layer.js';
export { bertLoss, type BertLoss, type BertLossOptions } from './losses.js';
export { buildInferenceGraph, inferenceOnnx, modelOutputs, type InferenceGraphOptions, type InferenceOutput } from './inference-graph.js';
export { BertRunner, type BertBatch, type BertRunnerOptions, type WeightSource } from './runner.js';
export { EXPORT_TASKS, exportOnnx, exportTasksFor, type ExportOnnxOptions, type ExportTask, type ExportedOnnx } from './onnx-export.js';
export { meanPool, type Pooling } from './pooling.js';
export { cosineSimilarity, similarityLoss } from './similarity.js';
export { sentenceTransformersPooling, writeSentenceTransformersFiles, type SentenceEmbeddingLayout } from './sentence-transformers.js';
