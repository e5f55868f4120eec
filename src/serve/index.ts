// Inference's public API: a model and its tokenizer behind embed, fill-mask, classify and token
// states, and fine-tuned models scored or run on task data.
export { BertInference, type BatchOptions, type BertInferenceOptions, type ClassPrediction, type EmbedOptions, type FillMaskOptions, type LabelScore, type MaskPrediction, type TokenPrediction, type TokenStates, type TokenStatesOptions } from './bert-inference.js';
export type { Pooling } from './pooling.js';
export { evaluateFinetuned, loadFinetuned, predictFinetuned, type FinetunedModel, type PredictInput } from './finetuned-model.js';
