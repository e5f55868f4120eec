// `bertkit forward`: one padded batch through a Hugging Face BERT directory; every output to safetensors.
import type { Command } from 'commander';
import { writeSafetensors } from '../../io/safetensors.js';
import { readBatchFile } from '../../model/batch-file.js';
import { loadBert } from '../../model/checkpoint.js';
import { modelOutputs } from '../../model/inference-graph.js';
import { BertRunner } from '../../model/runner.js';
import { type InferenceDtype, schemeOf } from '../../compress/quantize-model.js';
import { quantizeEncoderWeights } from '../../compress/quantize-weights.js';
import { dtypeOption, integerAtLeast } from '../args.js';

interface ForwardOptions {
  model: string;
  input: string;
  output: string;
  hiddenStates?: boolean;
  attentions?: boolean;
  threads?: number;
  dtype: InferenceDtype;
}

const OUTPUT_HELP = `
batch.json: {"input_ids": [[101, 7592, 102, 0], …], "token_type_ids": […], "attention_mask": […]},
rectangular 2-D integer arrays; token_type_ids defaults to 0 and attention_mask to 1 everywhere.
Output tensors (float32), each when the model has it:
  last_hidden_state [B,T,H]   pooler_output [B,H]   hidden_states.{i} [B,T,H] (0 = embedding output)
  attentions.{i} [B,heads,T,T] (softmax probabilities)   mlm_logits [B,T,V]   nsp_logits [B,2]
  logits [B,labels] or [B,T,labels]   start_logits, end_logits [B,T]`;

export function registerForward(program: Command): void {
  program
    .command('forward')
    .description('run a Hugging Face BERT model directory on a batch and write every output as safetensors')
    .requiredOption('--model <dir>', 'model directory: config.json + model.safetensors (or pytorch_model.bin)')
    .requiredOption('--input <batch.json>', 'the batch: input_ids, token_type_ids, attention_mask as 2-D arrays')
    .requiredOption('--output <file>', 'safetensors file to write (atomically)')
    .option('--hidden-states', 'also write hidden_states.{i}, the output of the embeddings and of every layer')
    .option('--attentions', 'also write attentions.{i}, every layer\'s attention probabilities (fp32 only)')
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .addOption(dtypeOption())
    .addHelpText('after', OUTPUT_HELP)
    .action(async (options: ForwardOptions) => {
      const model = await loadBert(options.model);
      const batch = readBatchFile(options.input, model.config);
      const runner = await BertRunner.create(model, {
        outputs: modelOutputs(model.heads, { hiddenStates: options.hiddenStates, attentions: options.attentions }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        ...(options.dtype === 'q8' ? { quantized: quantizeEncoderWeights(model, schemeOf(options.model)) } : {}),
      });
      try {
        const outputs = await runner.run(batch, model.parameters);
        const tensors = new Map(runner.outputNames.map((name) => [name, { shape: outputs[name]!.dims, data: outputs[name]!.data }]));
        writeSafetensors(options.output, tensors);
      } finally {
        await runner.dispose();
      }
    });
}
