// ONNX export in the transformers.js layout, which @huggingface/transformers pipelines load from a
// local directory (env.allowRemoteModels = false, or local_files_only):
//   DIR/config.json                    the HF config, architectures naming the exported class
//   DIR/tokenizer.json, vocab.txt, tokenizer_config.json, special_tokens_map.json
//   DIR/onnx/model.onnx                inputs input_ids, attention_mask, token_type_ids: int64 [batch, sequence]
//                                      outputs per task (below), weights as initializers; encoder
//                                      layers in ORT's com.microsoft fused ops unless `portable`
// transformers.js picks onnx/model.onnx for dtype 'fp32' (its default on Node's CPU device), and
// onnx/model_quantized.onnx for 'q8': the same graph with int8 encoder layers (taskOnnx's `quantized`;
// `bertkit quantize`, src/compress/quantize-model.ts, writes it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirectoryAtomic } from '../io/atomic-directory.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { type BertArchitecture, type BertHeads, architectureOf, headsFor } from './architecture.js';
import type { BertModelState } from './checkpoint.js';
import { writeBertConfig } from './config.js';
import { buildInferenceGraph, inferenceOnnx, type InferenceGraphOptions } from './inference-graph.js';
import type { QuantizedMatrices } from './quantized-encoder-layer.js';

/** The pipelines of transformers.js an export can serve, with the graph outputs each reads. */
export const EXPORT_TASKS = {
  /** last_hidden_state [batch, sequence, hidden] */
  'feature-extraction': { architecture: 'BertModel', graph: { outputs: ['last_hidden_state'] } },
  /** logits [batch, sequence, vocab] */
  'fill-mask': { architecture: 'BertForMaskedLM', graph: { outputs: ['mlm_logits'], rename: { mlm_logits: 'logits' } } },
  /** logits [batch, labels] */
  'text-classification': { architecture: 'BertForSequenceClassification', graph: { outputs: ['logits'] } },
  /** logits [batch, sequence, labels] */
  'token-classification': { architecture: 'BertForTokenClassification', graph: { outputs: ['logits'] } },
  /** start_logits, end_logits [batch, sequence] */
  'question-answering': { architecture: 'BertForQuestionAnswering', graph: { outputs: ['start_logits', 'end_logits'] } },
} as const satisfies Record<string, { architecture: BertArchitecture; graph: InferenceGraphOptions }>;

export type ExportTask = keyof typeof EXPORT_TASKS;

export function isExportTask(name: unknown): name is ExportTask {
  return typeof name === 'string' && Object.hasOwn(EXPORT_TASKS, name);
}

/** The tasks a model with these heads can be exported for, the natural one first. */
export function exportTasksFor(heads: BertHeads): ExportTask[] {
  const tasks: ExportTask[] = [];
  if (heads.maskedLm) tasks.push('fill-mask');
  if (heads.sequenceClassification) tasks.push('text-classification');
  if (heads.tokenClassification) tasks.push('token-classification');
  if (heads.questionAnswering) tasks.push('question-answering');
  tasks.push('feature-extraction');
  return tasks;
}

export interface ExportOnnxOptions {
  /** Default: the model's head (fill-mask for pretraining checkpoints); feature-extraction for a bare encoder. */
  readonly task?: ExportTask;
  /** Written beside the model; transformers.js pipelines need it. */
  readonly tokenizer?: BertTokenizer;
  /**
   * Standard ONNX opset 18 only, without ORT's com.microsoft fused ops (Attention,
   * SkipLayerNormalization, BiasGelu): for ONNX runtimes other than ONNX Runtime. Slower in ORT.
   */
  readonly portable?: boolean;
}

export interface ExportedOnnx {
  readonly task: ExportTask;
  readonly modelFile: string;
  readonly outputs: readonly string[];
}

/** Writes `model` to `dir` in the transformers.js layout (see the file header). */
export function exportOnnx(dir: string, model: BertModelState, options: ExportOnnxOptions = {}): ExportedOnnx {
  const { task, bytes, outputs } = taskOnnx(model, options);
  // The task's class of the model's type (ElectraForSequenceClassification for an ELECTRA model).
  const architecture = architectureOf(headsFor(EXPORT_TASKS[task].architecture, model.config.model_type), model.config.model_type);
  // Staged, then moved in as saveBert does (io/atomic-directory.ts): a full disk leaves an earlier export whole.
  writeDirectoryAtomic(dir, (staging) => {
    mkdirSync(join(staging, 'onnx'));
    writeFileAtomic(join(staging, 'onnx', 'model.onnx'), bytes);
    options.tokenizer?.save(staging);
    writeBertConfig(join(staging, 'config.json'), { ...model.config, architectures: [architecture] });
  }, { replace: 'files', last: 'config.json' });
  return { task, modelFile: join(dir, 'onnx', 'model.onnx'), outputs };
}

/**
 * The ONNX bytes an export for `options.task` holds (default: the model's head); with `quantized`,
 * the q8 model (int8 encoder layers) that transformers.js loads as onnx/model_quantized.onnx.
 */
export function taskOnnx(model: BertModelState, options: Pick<ExportOnnxOptions, 'task' | 'portable'> & { quantized?: QuantizedMatrices } = {}): { task: ExportTask; bytes: Uint8Array; outputs: string[] } {
  const available = exportTasksFor(model.heads);
  const task = options.task ?? available[0]!;
  if (!isExportTask(task)) throw new Error(`exportOnnx: unknown task "${String(task)}"; tasks: ${Object.keys(EXPORT_TASKS).join(', ')}`);
  if (!available.includes(task)) {
    throw new Error(`exportOnnx: a ${architectureOf(model.heads, model.config.model_type)} cannot be exported for ${task}; it can for ${available.join(', ')}`);
  }
  const graphOptions: InferenceGraphOptions = EXPORT_TASKS[task].graph;
  const graph = buildInferenceGraph(model, options.quantized === undefined ? { ...graphOptions, fusedOps: !(options.portable ?? false) } : { ...graphOptions, quantized: options.quantized });
  return { task, bytes: inferenceOnnx(model, graph), outputs: graph.outputs.map((output) => output.name) };
}
