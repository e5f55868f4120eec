// `bertkit predict`: predictions of a fine-tuned model for JSON Lines inputs, one JSON object per line:
// {"text"[, "text_pair"]} for classification, regression and ner; {"question", "context"} for qa;
// {"words": […] (or "text"), "predicate": word index} for srl.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseJson } from '../../io/json-file.js';
import { type PredictInput, loadFinetuned, predictFinetuned } from '../../serve/finetuned-model.js';
import { integerAtLeast } from '../args.js';
import { writeJsonl } from '../jsonl-texts.js';

interface PredictCliOptions {
  model: string;
  input: string;
  output?: string;
  batchSize: number;
  maxSeqLength?: number;
  stride?: number;
  threads?: number;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('predict with a fine-tuned model: label + score + all scores, a value, grouped entities with offsets, or an answer span')
    .requiredOption('--model <dir>', 'fine-tuned model directory')
    .requiredOption('--input <file.jsonl>', 'one JSON object per line: {"text": …, "text_pair"?: …}, {"question": …, "context": …}, or for srl {"words": […], "predicate": i} (- = stdin)')
    .option('--output <file>', 'write the predictions here (default: stdout), one JSON object per input line')
    .option('--batch-size <n>', 'inputs per ONNX Runtime run', integerAtLeast(1), 32)
    .option('--max-seq-length <n>', 'tokens per input (default: the training run\'s, else the model\'s maximum)', integerAtLeast(8))
    .option('--stride <n>', 'tokens shared by consecutive windows of a long input: qa contexts (default 128), ner/srl sentences (default max-seq-length / 4)', integerAtLeast(0))
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', integerAtLeast(1))
    .action(async (options: PredictCliOptions) => {
      const finetuned = await loadFinetuned(options.model);
      const inputs = readPredictInputs(options.input);
      const predictions = await predictFinetuned(finetuned, inputs, {
        batchSize: options.batchSize,
        ...(options.maxSeqLength === undefined ? {} : { maxSeqLength: options.maxSeqLength }),
        ...(options.stride === undefined ? {} : { stride: options.stride }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
      writeJsonl(options.output, predictions);
    });
}

/** Each line: {"text", "text_pair"?} or {"question", "context"}; errors name the file and line. */
export function readPredictInputs(path: string): PredictInput[] {
  const source = path === '-' ? '<stdin>' : path;
  let content: string;
  try {
    content = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${source}: no such file` : `${source}: cannot read: ${code ?? (error as Error).message}`, { cause: error });
  }
  const inputs: PredictInput[] = [];
  content.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    const where = `${source}:${index + 1}`;
    const value = parseJson(raw, source, { line: index + 1 });
    const record = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
    if (record.predicate !== undefined) {
      const words = Array.isArray(record.words) ? record.words : typeof record.text === 'string' ? record.text.split(/\s+/).filter((w) => w !== '') : undefined;
      if (words === undefined || !words.every((w): w is string => typeof w === 'string')) throw new Error(`${where}: an srl input needs "words" (an array of strings) or "text", with "predicate"`);
      if (typeof record.predicate !== 'number') throw new Error(`${where}: "predicate" must be a word index`);
      inputs.push({ words, predicate: record.predicate });
    } else if (typeof record.question === 'string' && typeof record.context === 'string') {
      inputs.push({ question: record.question, context: record.context });
    } else if (typeof record.text === 'string') {
      if (record.text_pair !== undefined && record.text_pair !== null && typeof record.text_pair !== 'string') throw new Error(`${where}: "text_pair" must be a string`);
      inputs.push(typeof record.text_pair === 'string' ? { text: record.text, textPair: record.text_pair } : { text: record.text });
    } else {
      throw new Error(`${where}: expected {"text": "…"} (with an optional "text_pair") or {"question": "…", "context": "…"}`);
    }
  });
  if (inputs.length === 0) throw new Error(`${source}: no inputs`);
  return inputs;
}
