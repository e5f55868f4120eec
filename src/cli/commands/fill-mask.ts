// `bertkit fill-mask`: the most likely tokens for each [MASK] of texts given as arguments or JSONL.
import type { Command } from 'commander';
import { BertInference } from '../../serve/bert-inference.js';
import type { BatchInput } from '../../tokenizer/bert-tokenizer.js';
import type { InferenceDtype } from '../../compress/quantize-model.js';
import { dtypeOption, integerAtLeast } from '../args.js';
import { readJsonlTexts, writeJsonl } from '../jsonl-texts.js';

interface FillMaskCommandOptions {
  model: string;
  topK: number;
  input?: string;
  output?: string;
  batchSize: number;
  threads?: number;
  dtype: InferenceDtype;
}

const OUTPUT_HELP = `
Output: one JSON object per text, in order:
  {"text": …, "predictions": [[{"token": id, "token_str": …, "score": p, "sequence": …}, …], …]}
with one list of --top-k predictions per [MASK] of the text (probabilities over the vocabulary).`;

export function registerFillMask(program: Command): void {
  program
    .command('fill-mask')
    .description('predict the tokens behind [MASK] with a masked-LM BERT (BertForMaskedLM or BertForPreTraining)')
    .argument('[texts...]', 'texts, each with at least one [MASK]')
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json, weights, tokenizer files)')
    .option('--top-k <n>', 'predictions per [MASK]', integerAtLeast(1), 5)
    .option('--input <file.jsonl>', "JSONL texts ({\"text\": …, \"text_pair\"?: …} per line; '-' = standard input) instead of arguments (without arguments: standard input)")
    .option('--output <file.jsonl>', 'where to write the predictions, atomically (default: standard output)')
    .option('--batch-size <n>', 'texts per run', integerAtLeast(1), 32)
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .addOption(dtypeOption())
    .addHelpText('after', OUTPUT_HELP)
    .action(async (args: string[], options: FillMaskCommandOptions) => {
      if (args.length > 0 && options.input !== undefined) throw new Error('fill-mask: give texts as arguments or --input, not both');
      const texts: BatchInput[] = args.length > 0 ? args : readJsonlTexts(options.input ?? '-');
      const inference = await BertInference.load(options.model, { dtype: options.dtype, ...(options.threads === undefined ? {} : { threads: options.threads }) });
      try {
        const results = await inference.fillMaskBatch(texts, { topK: options.topK, batchSize: options.batchSize });
        writeJsonl(options.output, results.map((masks, index) => ({
          text: texts[index],
          predictions: masks.map((predictions) => predictions.map((p) => ({ token: p.token, token_str: p.token_str, score: p.score, sequence: p.sequence }))),
        })));
      } finally {
        await inference.dispose();
      }
    });
}
