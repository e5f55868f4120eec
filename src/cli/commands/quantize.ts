// `bertkit quantize`: a model directory's fp32 weights → onnx/model_quantized.onnx (dynamic int8) and
// quantization.json, in place or into a fresh --output directory (src/compress/quantize-model.ts).
import { type Command, Option } from 'commander';
import { defaultScheme, quantizeModel } from '../../compress/quantize-model.js';
import type { WeightFormat } from '../../compress/quantize-weights.js';
import { cpuIntegerFeatures } from '../../compress/cpu-features.js';
import { EXPORT_TASKS, type ExportTask } from '../../model/onnx-export.js';
import { compareModels, comparisonMarkdown } from '../../serve/compare-models.js';
import { integerAtLeast } from '../args.js';

interface QuantizeCommandOptions {
  model: string;
  output?: string;
  perChannel?: boolean;
  perTensor?: boolean;
  fullRange?: boolean;
  reduceRange?: boolean;
  u8u8?: boolean;
  task?: ExportTask;
  data?: string;
  threads?: number;
}

const HELP = `
Weights are quantized once (symmetric; per output channel unless --per-tensor), activations at
run time (uint8, per tensor), in ONNX Runtime's QAttention and DynamicQuantizeMatMul. On CPUs
without VNNI (x86 flags avx512_vnni / avx_vnni) ONNX Runtime's u8·s8 kernel can saturate
(onnxruntime#5644), so the default there is --reduce-range (7-bit weights); --u8u8 avoids it with
uint8 weights instead, --full-range uses all 8 bits. This CPU: %CPU%.
Load the result with BertInference.load(dir, { dtype: 'q8' }), --dtype q8 on predict, embed,
evaluate, fill-mask and forward, or transformers.js: pipeline(task, dir, { dtype: 'q8' }).`;

export function registerQuantize(program: Command): void {
  const cpu = cpuIntegerFeatures();
  program
    .command('quantize')
    .description('quantize a BERT model directory to dynamic int8: onnx/model_quantized.onnx + quantization.json beside the fp32 weights')
    .requiredOption('--model <dir>', 'Hugging Face model directory with fp32 weights')
    .option('--output <dir>', 'write into this fresh directory (with a copy of the fp32 model) instead of in place')
    .addOption(new Option('--per-channel', 'one weight scale per output channel (the default)').conflicts('perTensor'))
    .option('--per-tensor', 'one weight scale per matrix')
    .addOption(new Option('--full-range', 'int8 weights in [−127, 127] (exact with VNNI; may saturate without)').conflicts(['reduceRange', 'u8u8']))
    .addOption(new Option('--reduce-range', '7-bit int8 weights in [−64, 64]: no saturation without VNNI').conflicts('u8u8'))
    .option('--u8u8', 'uint8 weights (zero point 128) for the u8u8 kernel: no saturation, 8-bit weights')
    .addOption(new Option('--task <task>', "the graph's task (default: the model's head)").choices(Object.keys(EXPORT_TASKS)))
    .option('--data <file>', 'a labelled file of the fine-tuned model\'s task: then compare fp32 and q8 on it (bertkit compare\'s table: size, latency, throughput, metric)')
    .option('--threads <n>', 'ONNX Runtime threads of the comparison (default: all cores)', integerAtLeast(1))
    .addHelpText('after', HELP.replace('%CPU%', `${cpu.source}; default ${defaultScheme(cpu).weights}`))
    .action(async (options: QuantizeCommandOptions) => {
      const weights: WeightFormat | undefined = options.fullRange ? 'int8' : options.reduceRange ? 'int8-reduce-range' : options.u8u8 ? 'uint8' : undefined;
      const { dir, record } = await quantizeModel(options.model, {
        ...(options.output === undefined ? {} : { output: options.output }),
        ...(options.perTensor ? { perChannel: false } : options.perChannel ? { perChannel: true } : {}),
        ...(weights ? { weights } : {}),
        ...(options.task ? { task: options.task } : {}),
        warn: (message) => process.stderr.write(`${message}\n`),
      });
      process.stderr.write(`wrote ${dir}/${record.file} (${(record.bytes / 1e6).toFixed(1)} MB, ${record.task}) and ${dir}/quantization.json: weights ${record.weights}; ${record.reason}\n`);
      if (options.data === undefined) return;
      const rows = await compareModels([{ dir, dtype: 'fp32' }, { dir, dtype: 'q8' }], undefined, options.data, {
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        onProgress: (message) => process.stderr.write(`${message}\n`),
      });
      process.stdout.write(comparisonMarkdown(rows));
    });
}
