// The report `bertkit compare` prints: fine-tuned models (and their q8 forms) side by side on one
// task's labelled file, each row
//   size on disk   the weights file for fp32; onnx/model_quantized.onnx (or the int8 graph it would be) for q8
//   parameters     every weight of the model (q8 stores the encoder matrices in int8, the rest in fp32)
//   latency        p50 / p99 ms of one input at a time (batch 1), over the file's first sentences
//   throughput     sequences/s at batch 32 × 128 (median of 3 passes, all tokens real)
//   metric         the task's metrics on the whole file (evaluateFinetuned), its primary one first
// Latency and throughput run the task graph with the weights baked in (the fused fp32 layers, or
// the int8 ones), as BertInference and the ONNX export serve it.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type InferenceDtype, QUANTIZED_MODEL_FILE, schemeOf } from '../compress/quantize-model.js';
import { quantizeEncoderWeights } from '../compress/quantize-weights.js';
import { taskSpec } from '../data/tasks/registry.js';
import type { TaskKind, TaskLoadOptions } from '../data/tasks/task.js';
import { padRows } from '../model/batching.js';
import { buildInferenceGraph, inferenceOnnx, type InferenceOutput } from '../model/inference-graph.js';
import { batchFeeds } from '../model/runner.js';
import { Rng } from '../runtime/rng.js';
import { Session } from '../runtime/session.js';
import { evaluateFinetuned, loadFinetuned, trainedLoadOptions } from './finetuned-model.js';

/** A model to compare: a directory, and fp32 or its q8 form. */
export interface ComparedModel {
  readonly dir: string;
  readonly dtype: InferenceDtype;
}

export interface ComparisonRow {
  readonly model: string;
  readonly dtype: InferenceDtype;
  readonly sizeBytes: number;
  readonly parameters: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly inputs: number };
  /** Sequences/s at batch 32 × 128. */
  readonly throughput: number;
  readonly primaryMetric: string;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface CompareOptions {
  readonly loadOptions?: TaskLoadOptions;
  /** Inputs timed one by one for the latency (default 100, the file's first). */
  readonly latencyInputs?: number;
  readonly threads?: number;
  readonly onProgress?: (message: string) => void;
}

const THROUGHPUT_BATCH = 32, THROUGHPUT_SEQ = 128, THROUGHPUT_RUNS = 3;

/** "DIR" or "DIR:q8" / "DIR:fp32". */
export function parseComparedModel(text: string): ComparedModel {
  const match = /^(.*):(fp32|q8)$/.exec(text);
  return match ? { dir: match[1]!, dtype: match[2] as InferenceDtype } : { dir: text, dtype: 'fp32' };
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

/**
 * The rows of `models` on the labelled file `dataPath` of task `kind` (default: the first model's task),
 * read as the first model's training read its files unless `options.loadOptions` says otherwise.
 */
export async function compareModels(models: readonly ComparedModel[], kind: TaskKind | undefined, dataPath: string, options: CompareOptions = {}): Promise<ComparisonRow[]> {
  const rows: ComparisonRow[] = [];
  let loadOptions: TaskLoadOptions | undefined;
  for (const { dir, dtype } of models) {
    const say = (message: string): void => options.onProgress?.(`${dir}${dtype === 'q8' ? ':q8' : ''}: ${message}`);
    const finetuned = await loadFinetuned(dir, kind === undefined ? {} : { kind });
    kind ??= finetuned.kind;
    loadOptions ??= { ...trainedLoadOptions(finetuned), ...options.loadOptions };
    const spec = taskSpec(kind);
    const { model } = finetuned;
    say('metrics');
    const threads = options.threads === undefined ? {} : { threads: options.threads };
    const { metrics, data } = await evaluateFinetuned(finetuned, spec, dataPath, loadOptions, { dtype, ...threads });

    const outputs: InferenceOutput[] = kind === 'qa' ? ['start_logits', 'end_logits'] : ['logits'];
    const quantized = dtype === 'q8' ? quantizeEncoderWeights(model, schemeOf(dir)) : undefined;
    const bytes = inferenceOnnx(model, buildInferenceGraph(model, quantized ? { outputs, quantized } : { outputs }));
    const session = await Session.create(bytes, threads);
    try {
      say('latency');
      const timed = async (feeds: ReturnType<typeof batchFeeds>): Promise<number> => {
        const started = performance.now();
        await session.run(feeds);
        return performance.now() - started;
      };
      const singles = data.features.slice(0, options.latencyInputs ?? 100).map((feature) => batchFeeds(padRows([{ ids: feature.inputIds, typeIds: feature.tokenTypeIds }], model.config.pad_token_id)));
      for (const feeds of singles.slice(0, 3)) await timed(feeds);
      const latencies: number[] = [];
      for (const feeds of singles) latencies.push(await timed(feeds));
      latencies.sort((a, b) => a - b);

      say('throughput');
      const rng = new Rng(7);
      const size = THROUGHPUT_BATCH * THROUGHPUT_SEQ, dims = [THROUGHPUT_BATCH, THROUGHPUT_SEQ];
      const ids = BigInt64Array.from({ length: size }, () => BigInt(1000 + Math.floor(rng.uniform() * (model.config.vocab_size - 1000))));
      const full = { input_ids: { data: ids, dims }, token_type_ids: { data: new BigInt64Array(size), dims }, attention_mask: { data: new BigInt64Array(size).fill(1n), dims } };
      await timed(full);
      const passes: number[] = [];
      for (let run = 0; run < THROUGHPUT_RUNS; run++) passes.push(await timed(full));
      passes.sort((a, b) => a - b);

      const weightsFile = ['model.safetensors', 'pytorch_model.bin'].map((name) => join(dir, name)).find((path) => existsSync(path));
      const quantizedFile = join(dir, QUANTIZED_MODEL_FILE);
      const sizeBytes = dtype === 'q8' ? (existsSync(quantizedFile) ? statSync(quantizedFile).size : bytes.length) : weightsFile ? statSync(weightsFile).size : bytes.length;
      let parameters = 0;
      for (const name of model.parameters.names) parameters += model.parameters.get(name).length;
      rows.push({
        model: dir, dtype, sizeBytes, parameters,
        latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), inputs: latencies.length },
        throughput: THROUGHPUT_BATCH / (passes[Math.floor(passes.length / 2)]! / 1000),
        primaryMetric: spec.primaryMetric,
        metrics,
      });
    } finally {
      await session.dispose();
    }
  }
  return rows;
}

/** The rows as a Markdown table, the primary metric as its last column. */
export function comparisonMarkdown(rows: readonly ComparisonRow[]): string {
  const header = ['model', 'dtype', 'size (MB)', 'parameters (M)', 'latency p50 / p99 (ms, batch 1)', 'throughput (seq/s, 32 × 128)', rows[0]?.primaryMetric ?? 'metric'];
  const lines = rows.map((row) => [
    row.model, row.dtype, (row.sizeBytes / 1e6).toFixed(1), (row.parameters / 1e6).toFixed(1),
    `${row.latencyMs.p50.toFixed(1)} / ${row.latencyMs.p99.toFixed(1)}`, row.throughput.toFixed(2), (row.metrics[row.primaryMetric] ?? NaN).toFixed(4),
  ]);
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n') + '\n';
}
