// `bertkit predict`: predictions of a fine-tuned model, one JSON object per input line or row:
// JSON Lines {"text"[, "text_pair"]} for classification, regression and ner; {"question", "context"} for qa;
// {"words": […] (or "text"), "predicate": word index} for srl; or the text (and pair) columns of a
// TSV/CSV table, as training read them.
import { Option, type Command } from 'commander';
import { readTextInputs } from '../../data/tasks/classification.js';
import { AGGREGATION_STRATEGIES, type AggregationStrategy } from '../../data/tasks/entity-grouping.js';
import { type FinetunedModel, type PredictInput, loadFinetuned, predictFinetuned } from '../../serve/finetuned-model.js';
import type { InferenceDtype } from '../../compress/quantize-model.js';
import { dtypeOption, integerAtLeast, maxLengthAlias } from '../args.js';
import { readJsonlObjects, writeJsonl } from '../jsonl-texts.js';
import { withProgressBar } from '../progress.js';

interface PredictCliOptions {
  model: string;
  input: string;
  output?: string;
  textColumn?: string;
  pairColumn?: string;
  aggregationStrategy: AggregationStrategy;
  quiet?: boolean;
  batchSize: number;
  maxSeqLength?: number;
  stride?: number;
  threads?: number;
  dtype: InferenceDtype;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('predict with a fine-tuned model: label + score + all scores, a value, grouped entities with offsets, or an answer span')
    .requiredOption('--model <dir>', 'fine-tuned model directory')
    .option('--input <file>', 'JSONL, one object per line: {"text": …, "text_pair"?: …}, {"question": …, "context": …}, or for srl {"words": […], "predicate": i}; or a .tsv/.csv table (- or none: standard input)', '-')
    .option('--text-column <name>', 'read a TSV/CSV/JSONL table\'s text from this column (default: the training run\'s, else sentence, sentence1, text_a or text)')
    .option('--pair-column <name>', 'and the second text of a pair from this column (default: the training run\'s, else sentence2 or text_b when present)')
    .addOption(new Option('--aggregation-strategy <kind>', 'ner: how token predictions become entities, as transformers\' pipeline: none (every token), simple (tokens grouped by label), first (each word labelled by its first piece: what training labels and evaluation scores), average, max').choices([...AGGREGATION_STRATEGIES]).default('first'))
    .option('--output <file>', 'write the predictions here (default: stdout), one JSON object per input line')
    .option('--batch-size <n>', 'inputs per ONNX Runtime run', integerAtLeast(1), 32)
    .option('--max-seq-length <n>', 'tokens per input (default: the training run\'s, else the model\'s maximum)', integerAtLeast(8))
    .addOption(maxLengthAlias(integerAtLeast(8)))
    .option('--stride <n>', 'tokens shared by consecutive windows of a long input: qa contexts (default 128), ner/srl sentences (default max-seq-length / 4)', integerAtLeast(0))
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .addOption(dtypeOption())
    .option('--quiet', 'no progress')
    .action(async (options: PredictCliOptions) => {
      const finetuned = await loadFinetuned(options.model);
      const inputs = await readInputs(options, finetuned);
      const predictions = await withProgressBar({ label: 'predicting', unit: 'sequences' }, { quiet: options.quiet === true }, (onProgress) => predictFinetuned(finetuned, inputs, {
        batchSize: options.batchSize,
        onProgress,
        ...(options.maxSeqLength === undefined ? {} : { maxSeqLength: options.maxSeqLength }),
        ...(options.stride === undefined ? {} : { stride: options.stride }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        aggregationStrategy: options.aggregationStrategy,
        dtype: options.dtype,
      }));
      writeJsonl(options.output, predictions);
    });
}

/** The inputs: a table's text columns (the training run's unless named) when a column is named or the file is a .tsv/.csv, else JSON Lines. */
async function readInputs(options: PredictCliOptions, finetuned: FinetunedModel): Promise<PredictInput[]> {
  const { input } = options;
  const table = options.textColumn !== undefined || options.pairColumn !== undefined || /\.(tsv|csv)$/i.test(input);
  if (!table) return readPredictInputs(input);
  if (input === '-') throw new Error('predict: a table is read from a file; give --input FILE.tsv');
  const trained = (name: string): string | undefined => (typeof finetuned.settings[name] === 'string' ? finetuned.settings[name] as string : undefined);
  const textColumn = options.textColumn ?? trained('textColumn');
  const pairColumn = options.pairColumn ?? trained('textPairColumn');
  const rows = await readTextInputs(input, {
    ...(textColumn === undefined ? {} : { textColumn }),
    ...(pairColumn === undefined ? {} : { textPairColumn: pairColumn }),
  });
  if (rows.length === 0) throw new Error(`${input}: no rows`);
  return rows.map((row) => (row.textPair === undefined ? { text: row.text } : { text: row.text, textPair: row.textPair }));
}

/** Each line: {"text", "text_pair"?}, {"question", "context"} or {"words"|"text", "predicate"}; errors name the file and line. */
export function readPredictInputs(path: string): PredictInput[] {
  const inputs = readJsonlObjects(path).map(({ value: record, where }): PredictInput => {
    if (record.predicate !== undefined) {
      const words = Array.isArray(record.words) ? record.words : typeof record.text === 'string' ? record.text.split(/\s+/).filter((w) => w !== '') : undefined;
      if (words === undefined || !words.every((w): w is string => typeof w === 'string')) throw new Error(`${where}: an srl input needs "words" (an array of strings) or "text", with "predicate"`);
      if (typeof record.predicate !== 'number') throw new Error(`${where}: "predicate" must be a word index`);
      return { words, predicate: record.predicate };
    }
    if (typeof record.question === 'string' && typeof record.context === 'string') return { question: record.question, context: record.context };
    if (typeof record.text === 'string') {
      if (record.text_pair !== undefined && record.text_pair !== null && typeof record.text_pair !== 'string') throw new Error(`${where}: "text_pair" must be a string`);
      return typeof record.text_pair === 'string' ? { text: record.text, textPair: record.text_pair } : { text: record.text };
    }
    throw new Error(`${where}: expected {"text": "…"} (with an optional "text_pair") or {"question": "…", "context": "…"}`);
  });
  if (inputs.length === 0) throw new Error(`${path === '-' ? '<stdin>' : path}: no inputs`);
  return inputs;
}
