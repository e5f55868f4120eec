// `bertkit embed`: sentence embeddings for a JSONL corpus, batched by length.
import { Option, type Command } from 'commander';
import { BertInference } from '../../serve/bert-inference.js';
import type { Pooling } from '../../serve/pooling.js';
import { integerAtLeast } from '../args.js';
import { readJsonlTexts, writeJsonl } from '../jsonl-texts.js';
import { ProgressBar } from '../progress.js';

interface EmbedCommandOptions {
  model: string;
  input: string;
  output?: string;
  pooling: Pooling;
  normalize?: boolean;
  batchSize: number;
  maxLength?: number;
  quiet?: boolean;
}

export function registerEmbed(program: Command): void {
  program
    .command('embed')
    .description('embed JSONL texts ({"text": …, "text_pair"?: …} per line) with a BERT model: {"embedding": […]} per line, in input order')
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json, weights, tokenizer files)')
    .requiredOption('--input <file.jsonl>', "JSONL texts ('-' = standard input)")
    .option('--output <file.jsonl>', 'where to write the embeddings, atomically (default: standard output)')
    .addOption(new Option('--pooling <kind>', "'cls': the [CLS] token's last hidden state; 'mean': the mean over the text's tokens").choices(['cls', 'mean']).default('mean'))
    .option('--normalize', 'L2-normalise each embedding')
    .option('--batch-size <n>', 'texts per run (sorted by length, each batch padded to its own longest)', integerAtLeast(1), 32)
    .option('--max-length <n>', 'truncate texts to n tokens, special tokens included (default: the model maximum)', integerAtLeast(1))
    .option('--quiet', 'no progress bar')
    .action(async (options: EmbedCommandOptions) => {
      const texts = readJsonlTexts(options.input);
      const inference = await BertInference.load(options.model, options.maxLength === undefined ? {} : { maxLength: options.maxLength });
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

