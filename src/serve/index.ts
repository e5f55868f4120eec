// Inference's public API: a model and its tokenizer behind embed, fill-mask, classify and token
// states, entities and answers; fine-tuned models scored or run on task data; the HTTP server.
export { BertInference, type Answer, type BatchOptions, type BertInferenceOptions, type ClassPrediction, type ClassifyOptions, type EmbedOptions, type EntityOptions, type FillMaskOptions, type LabelScore, type MaskPrediction, type QuestionAnsweringOptions, type TokenPrediction, type TokenStates, type TextInput, type TokenStatesOptions } from './bert-inference.js';
export type { Pooling } from '../model/pooling.js';
export { evaluateFinetuned, loadFinetuned, predictFinetuned, type FinetunedModel, type PredictInput, type PredictOptions, type ScoreOptions } from './finetuned-model.js';
export { compareModels, comparisonMarkdown, parseComparedModel, type CompareOptions, type ComparedModel, type ComparisonRow } from './compare-models.js';
export { SERVE_DEFAULTS, startServer, type BertServer, type ServeOptions } from './http/server.js';
