// `bertkit embed`: sentence embeddings for a JSONL corpus, batched by length.
import { Option, type Command } from 'commander';
import { BertInference } from '../../serve/bert-inference.js';
import type { Pooling } from '../../model/pooling.js';
import type { InferenceDtype } from '../../compress/quantize-model.js';
import { dtypeOption, integerAtLeast, maxLengthAlias } from '../args.js';
import { readJsonlTexts, writeJsonl } from '../jsonl-texts.js';
import { ProgressBar } from '../progress.js';

interface EmbedCommandOptions {
  model: string;
  input: string;
  output?: string;
  pooling: Pooling;
  normalize?: boolean;
  batchSize: number;
  maxSeqLength?: number;
  threads?: number;
  quiet?: boolean;
  dtype: InferenceDtype;
}

export function registerEmbed(program: Command): void {
  program
    .command('embed')
    .description('embed JSONL texts ({"text": …, "text_pair"?: …} per line) with a BERT model: {"embedding": […]} per line, in input order')
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json, weights, tokenizer files)')
    .option('--input <file.jsonl>', "JSONL texts ('-' or none: standard input)", '-')
    .option('--output <file.jsonl>', 'where to write the embeddings, atomically (default: standard output)')
    .addOption(new Option('--pooling <kind>', "'cls': the [CLS] token's last hidden state; 'mean': the mean over the text's tokens").choices(['cls', 'mean']).default('mean'))
    .option('--normalize', 'L2-normalise each embedding')
    .option('--batch-size <n>', 'texts per run (sorted by length, each batch padded to its own longest)', integerAtLeast(1), 32)
    .option('--max-seq-length <n>', 'truncate texts to n tokens, special tokens included (default: the model maximum)', integerAtLeast(1))
    .addOption(maxLengthAlias(integerAtLeast(1)))
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bar')
    .addOption(dtypeOption())
    .action(async (options: EmbedCommandOptions) => {
      const texts = readJsonlTexts(options.input);
      const inference = await BertInference.load(options.model, {
        dtype: options.dtype,
        ...(options.maxSeqLength === undefined ? {} : { maxLength: options.maxSeqLength }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
      const progress = new ProgressBar({ label: 'embedding', total: texts.length, unit: 'texts' }, { quiet: options.quiet });
      try {
        const embeddings = await inference.embed(texts, {
          pooling: options.pooling,
          normalize: options.normalize ?? false,
          batchSize: options.batchSize,
          onProgress: (done) => progress.update(done),
        });
        progress.stop();
        writeJsonl(options.output, embeddings.map((embedding) => ({ embedding: Array.from(embedding) })));
      } finally {
        progress.stop();
        await inference.dispose();
      }
    });
}

