// `bertkit quantize` as a library call: a model directory's fp32 weights → the q8 model beside them,
//   DIR/onnx/model_quantized.onnx   the transformers.js name that `dtype: 'q8'` loads
//   DIR/quantization.json           the choices made (QuantizationRecord), which BertInference's
//                                   dtype 'q8' reads back so that it runs the same int8 model
// in place, or into a fresh --output directory that also gets the fp32 model (config.json,
// model.safetensors, tokenizer files, onnx/model.onnx). Refused, with nothing written: a directory
// without fp32 weights (one holding only an int8 ONNX file is already quantized), writing in place
// over an existing onnx/model_quantized.onnx (bertkit's own: already quantized; another tool's:
// it would be lost), and an --output directory that is not empty.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readJsonFile } from '../io/json-file.js';
import { WEIGHT_FILES, loadBert, saveBert } from '../model/checkpoint.js';
import { type ExportTask, taskOnnx } from '../model/onnx-export.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { type CpuIntegerFeatures, cpuIntegerFeatures } from './cpu-features.js';
import { type QuantizationScheme, type WeightFormat, quantizeEncoderWeights } from './quantize-weights.js';

/** The transformers.js dtype names bertkit's inference paths take. */
export const INFERENCE_DTYPES = ['fp32', 'q8'] as const;
export type InferenceDtype = (typeof INFERENCE_DTYPES)[number];

export const QUANTIZED_MODEL_FILE = 'onnx/model_quantized.onnx';
export const QUANTIZATION_RECORD_FILE = 'quantization.json';
const RECORD_FORMAT = 'bertkit-quantization/1';

/** quantization.json: what `bertkit quantize` chose, and why. */
export interface QuantizationRecord {
  readonly format: typeof RECORD_FORMAT;
  readonly dtype: 'q8';
  readonly file: typeof QUANTIZED_MODEL_FILE;
  readonly task: ExportTask;
  readonly outputs: readonly string[];
  readonly scheme: QuantizationScheme;
  readonly weights: string;
  readonly activations: string;
  /** ORT's integer kernel: uint8 activations × int8 (u8s8) or uint8 (u8u8) weights. */
  readonly kernel: 'u8s8' | 'u8u8';
  readonly ops: readonly string[];
  readonly float: string;
  readonly cpu: CpuIntegerFeatures;
  /** Why this weight format. */
  readonly reason: string;
  readonly quantizedParameters: number;
  readonly bytes: number;
}

export interface QuantizeModelOptions {
  /** A fresh directory for the result (default: in place, beside the fp32 weights). */
  readonly output?: string;
  /** Default: per channel (one scale per output column). */
  readonly perChannel?: boolean;
  /** Default: 'int8' on CPUs with VNNI, 'int8-reduce-range' without (see quantize-weights.ts). */
  readonly weights?: WeightFormat;
  /** The graph's task (default: the model's head, as export-onnx). */
  readonly task?: ExportTask;
  readonly warn?: (message: string) => void;
}

/** The scheme `bertkit quantize` picks on this CPU when not told. */
export function defaultScheme(cpu: CpuIntegerFeatures = cpuIntegerFeatures()): QuantizationScheme {
  return { weights: cpu.vnni ? 'int8' : 'int8-reduce-range', perChannel: true };
}

function describeWeights(scheme: QuantizationScheme): string {
  const range = { 'int8': 'int8 in [−127, 127]', 'int8-reduce-range': 'int8 in [−64, 64] (7-bit, reduce-range)', 'uint8': 'uint8 in [1, 255], zero point 128' }[scheme.weights];
  return `${range}, symmetric, ${scheme.perChannel ? 'one scale per output channel' : 'one scale per matrix'}`;
}

function reasonFor(scheme: QuantizationScheme, cpu: CpuIntegerFeatures, chosen: boolean): string {
  const told = chosen ? 'as asked' : 'the default here';
  if (scheme.weights === 'int8') return `${told}: ${cpu.vnni ? 'VNNI sums u8·s8 in int32 without saturation' : 'WARNING: without VNNI the u8s8 kernel can saturate int16 pair sums (onnxruntime#5644)'}`;
  if (scheme.weights === 'uint8') return `${told}: the u8u8 kernel widens to int16 before multiplying, so no pair sum saturates`;
  return `${told}: ${cpu.vnni ? 'VNNI would allow full-range int8' : 'no VNNI on this CPU, so 7-bit weights keep u8·s8 pair sums within int16 (255·64·2 = 32640 ≤ 32767; onnxruntime#5644)'}`;
}

/** The directory's quantization.json, checked; undefined when it has none. */
export function readQuantizationRecord(dir: string): QuantizationRecord | undefined {
  const path = join(dir, QUANTIZATION_RECORD_FILE);
  if (!existsSync(path)) return undefined;
  const record = readJsonFile(path) as Partial<QuantizationRecord> | null;
  if (record?.format !== RECORD_FORMAT) throw new Error(`${path}: "format" must be "${RECORD_FORMAT}", got ${JSON.stringify(record?.format)}`);
  const scheme = record.scheme as Partial<QuantizationScheme> | undefined;
  if (!['int8', 'int8-reduce-range', 'uint8'].includes(scheme?.weights as string)) throw new Error(`${path}: "scheme.weights" must be int8, int8-reduce-range or uint8, got ${JSON.stringify(scheme?.weights)}`);
  if (typeof scheme?.perChannel !== 'boolean') throw new Error(`${path}: "scheme.perChannel" must be true or false`);
  return record as QuantizationRecord;
}

/** The scheme the q8 model of `dir` uses: its quantization.json's, else this CPU's default. */
export function schemeOf(dir: string): QuantizationScheme {
  return readQuantizationRecord(dir)?.scheme ?? defaultScheme();
}

/** Quantizes the model of `dir` (see the file header); returns where it wrote and the record. */
export async function quantizeModel(dir: string, options: QuantizeModelOptions = {}): Promise<{ dir: string; record: QuantizationRecord }> {
  const inPlace = options.output === undefined || resolve(options.output) === resolve(dir);
  const target = inPlace ? dir : options.output!;
  refuseUnsafe(dir, target, inPlace);

  const model = await loadBert(dir, { warn: options.warn ?? (() => {}) });
  const cpu = cpuIntegerFeatures();
  const scheme: QuantizationScheme = { ...defaultScheme(cpu), ...(options.weights ? { weights: options.weights } : {}), ...(options.perChannel === undefined ? {} : { perChannel: options.perChannel }) };
  const quantized = quantizeEncoderWeights(model, scheme);
  const { task, bytes, outputs } = taskOnnx(model, { ...(options.task ? { task: options.task } : {}), quantized });

  if (!inPlace) {
    mkdirSync(target, { recursive: true });
    let tokenizer: BertTokenizer | undefined;
    try {
      tokenizer = BertTokenizer.fromPretrained(dir);
    } catch (error) {
      options.warn?.(`quantize: ${dir} has no usable tokenizer (${(error as Error).message}); ${target} gets none`);
    }
    // The config keeps the checkpoint's class (exportOnnx would name the task's, dropping e.g. a pretraining model's NSP head on reload).
    saveBert(target, model, tokenizer ? { tokenizer } : {});
  }
  mkdirSync(join(target, 'onnx'), { recursive: true });
  if (!inPlace) writeFileAtomic(join(target, 'onnx', 'model.onnx'), taskOnnx(model, { task }).bytes);
  writeFileAtomic(join(target, QUANTIZED_MODEL_FILE), bytes);
  const record: QuantizationRecord = {
    format: RECORD_FORMAT,
    dtype: 'q8',
    file: QUANTIZED_MODEL_FILE,
    task,
    outputs,
    scheme,
    weights: describeWeights(scheme),
    activations: 'uint8, asymmetric, one scale per tensor, quantized at run time',
    kernel: scheme.weights === 'uint8' ? 'u8u8' : 'u8s8',
    ops: ['DynamicQuantizeLinear + QAttention (Q, K, V and attention)', 'DynamicQuantizeMatMul (attention output, FFN in, FFN out)'],
    float: 'embeddings, biases, LayerNorms, GELU, the pooler and the task heads',
    cpu,
    reason: reasonFor(scheme, cpu, options.weights !== undefined),
    quantizedParameters: [...quantized.values()].reduce((sum, matrix) => sum + matrix.values.length, 0),
    bytes: bytes.length,
  };
  writeFileAtomic(join(target, QUANTIZATION_RECORD_FILE), Buffer.from(`${JSON.stringify(record, null, 2)}\n`, 'utf8'));
  return { dir: target, record };
}

/** Throws, before anything is written, when quantizing would lose data or has nothing to start from. */
function refuseUnsafe(dir: string, target: string, inPlace: boolean): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`quantize: ${dir} is not a directory`);
  const quantizedFile = join(dir, QUANTIZED_MODEL_FILE);
  if (!WEIGHT_FILES.some((name) => existsSync(join(dir, name)))) {
    throw new Error(existsSync(quantizedFile)
      ? `quantize: ${dir} is already quantized: it holds ${QUANTIZED_MODEL_FILE} and no fp32 weights (${WEIGHT_FILES.join(', ')}) to quantize from`
      : `quantize: ${dir} has no weights (looked for ${WEIGHT_FILES.join(', ')}); quantize needs the fp32 model`);
  }
  if (inPlace) {
    const record = join(dir, QUANTIZATION_RECORD_FILE);
    if (existsSync(record)) {
      throw new Error(`quantize: ${dir} is already quantized (${QUANTIZATION_RECORD_FILE}, ${QUANTIZED_MODEL_FILE}); to quantize its fp32 weights again with other choices, give --output NEW_DIR. Nothing was written`);
    }
    if (existsSync(quantizedFile)) {
      throw new Error(`quantize: ${quantizedFile} exists and was not written by bertkit quantize; quantizing in place would overwrite it. Give --output NEW_DIR. Nothing was written`);
    }
  } else if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) {
    throw new Error(`quantize: --output ${target} exists and is not an empty directory; quantize writes a fresh one. Nothing was written`);
  }
}
