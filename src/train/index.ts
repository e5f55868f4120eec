// Training's public API: the one training run and its objectives (pretraining, fine-tuning), the
// settings-level pretraining run, multi-seed fine-tuning, vocabulary extension, the step itself.
export { runTraining, type DrawnUpdate, type Objective, type RunContext, type TrainingRunOptions, type TrainingRunResult, type Weights } from './engine/run.js';
export { TrainStep, type Batch, type StepResult, type TrainStepConfig, type TrainStepState } from './engine/train-step.js';
export { TrainWorker } from './engine/worker-client.js';
export type { EvalLogEntry, LogEntry, TrainLogEntry } from './engine/training-log.js';
export { AdamW } from './optim/adamw.js';
export { Lamb } from './optim/lamb.js';
export type { ScheduleConfig, SchedulerKind } from './optim/schedules.js';
export type { OptimizerConfig, UpdateConfig } from './optim/update.js';
export { buildPretrainingProgram, pretrain, pretrainingHeads, type MlmEvalLogEntry, type PretrainModel, type PretrainOptions, type PretrainResult, type PretrainingBatchSource } from './pretrain.js';
export { PRETRAIN_DEFAULTS, runPretraining, type PretrainingRunOptions } from './pretraining-run.js';
export { FixedBatchSource, readPretrainingBatchFile } from './pretraining-batch-file.js';
export { PRESETS, isPresetName, presetConfig, type PresetName } from './presets.js';
export { FINETUNE_DEFAULTS, defaultEpochs, finetune, type FinetuneEvalEntry, type FinetuneOptions, type FinetuneResult, type FinetuneTrainEntry } from './finetune.js';
export { prepareFinetuneModel, type PreparedModel } from './finetune-model.js';
export { parseClassWeights } from './finetune-loss.js';
export { type CompletedMultiSeedResult, finetuneSeeds, type MultiSeedOptions, type MultiSeedResult } from './stability/multi-seed.js';
export { seedsReport, seedsReportMarkdown, writeSeedsReport, type MetricSummary, type SeedRun, type SeedsReport } from './stability/seeds-report.js';
export { addTokens, readTokenList, resizeTokenEmbeddings, type ResizableModel } from './vocab-extension.js';
