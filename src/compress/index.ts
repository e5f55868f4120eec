// Compression's public API: the remedies for BERT's compute cost. Distillation: a smaller student
// learns a fine-tuned teacher's task (distill), cut out of the teacher or given as a directory, or a
// masked-LM teacher's language model on a corpus (distillOnCorpus).
export { distill, prepareDistillation, type DistillOptions, type DistillTask, type DistillationSetup, type StudentSource } from './distill.js';
export { DISTILL_DEFAULTS, buildDistillationProgram, type DistillationLoss } from './distill-loss.js';
export { distillOnCorpus, type CorpusDistillOptions } from './distill-general.js';
export { evenlySpacedLayers, extractStudent } from './distill-student.js';
// Quantization: dynamic int8 (q8) beside the fp32 weights, as transformers.js names it.
export { INFERENCE_DTYPES, QUANTIZATION_RECORD_FILE, QUANTIZED_MODEL_FILE, defaultScheme, quantizeModel, readQuantizationRecord, type InferenceDtype, type QuantizationRecord, type QuantizeModelOptions } from './quantize-model.js';
export { quantizeEncoderWeights, quantizeMatrix, type QuantizationScheme, type WeightFormat } from './quantize-weights.js';
export { cpuIntegerFeatures, type CpuIntegerFeatures } from './cpu-features.js';
