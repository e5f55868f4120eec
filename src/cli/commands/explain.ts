// `bertkit explain`: why a model decided, one JSON object per input line: the tokens, the method's
// attribution per token (integrated gradients with its completeness delta, gradient × input,
// attention rollout) or the raw attention maps, and with --html a self-contained viewer page.
import { Option, type Command } from 'commander';
import { EXPLAIN_METHODS, Explainer, type ExplainMethod, type Explanation } from '../../explain/explain.js';
import { writeViewerHtml } from '../../explain/viewer-page.js';
import { integerAtLeast } from '../args.js';
import { readJsonlTexts, writeJsonl } from '../jsonl-texts.js';
import { ProgressBar } from '../progress.js';

interface ExplainCommandOptions {
  model: string;
  input: string;
  method: ExplainMethod;
  steps: number;
  target?: string;
  targetToken?: number;
  output?: string;
  html?: string;
  batchSize?: number;
  threads?: number;
  quiet?: boolean;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('explain predictions: token attributions (integrated gradients, gradient × input, attention rollout) or attention maps, as JSONL and an HTML viewer')
    .requiredOption('--model <dir>', 'model directory (a fine-tuned classifier, regressor or token classifier; any BERT for the attention methods)')
    .requiredOption('--input <file.jsonl>', 'one JSON object per line: {"text": …, "text_pair"?: …} (- = stdin)')
    .addOption(new Option('--method <name>', 'attribution method').choices(EXPLAIN_METHODS).default('integrated-gradients'))
    .option('--steps <n>', 'integrated gradients: Gauss–Legendre points on the path', integerAtLeast(1), 50)
    .option('--target <label>', "the label to explain (name or id; default: the model's prediction)")
    .option('--target-token <i>', 'token classification: the token whose label is explained ([CLS] = 0)', integerAtLeast(0))
    .option('--output <file.jsonl>', 'write the explanations here, atomically (default: standard output)')
    .option('--html <file.html>', 'also write a self-contained viewer page (attributions, head view, model view)')
    .option('--batch-size <n>', 'integrated gradients: path points per ONNX Runtime run (default: 4096 tokens per run)', integerAtLeast(1))
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .option('--quiet', 'no progress bar')
    .action(async (options: ExplainCommandOptions) => {
      const texts = readJsonlTexts(options.input);
      const explainer = await Explainer.load(options.model, options.threads === undefined ? {} : { threads: options.threads });
      const progress = new ProgressBar({ label: 'explaining', total: texts.length, unit: 'texts' }, { quiet: options.quiet });
      try {
        const records = await explainer.explain(texts, {
          method: options.method,
          steps: options.steps,
          // The viewer draws attention maps for every method; the JSONL carries them for 'attention' only.
          attentions: options.html !== undefined || options.method === 'attention',
          ...(options.target === undefined ? {} : { target: options.target }),
          ...(options.targetToken === undefined ? {} : { targetToken: options.targetToken }),
          ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          warn: (message) => console.warn(`warning: ${message}`),
          onProgress: (done) => progress.update(done),
        });
        progress.stop();
        writeJsonl(options.output, options.method === 'attention' ? records : records.map(withoutAttentions));
        if (options.html !== undefined) writeViewerHtml(options.html, records);
      } finally {
        progress.stop();
        await explainer.dispose();
      }
    });
}

function withoutAttentions(record: Explanation): Explanation {
  const { attentions: _attentions, ...rest } = record;
  return rest;
}
