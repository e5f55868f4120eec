// `bertkit tokenize`: JSONL in, JSONL out, one output line per input line, streamed.
import { createReadStream, createWriteStream, openSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import { commitTemporaryFile, temporaryPathFor } from '../../io/atomic-write.js';
import { BertTokenizer, type EncodeOptions } from '../../tokenizer/bert-tokenizer.js';
import type { Encoding } from '../../tokenizer/encoding.js';
import { TRUNCATION_STRATEGIES, type TruncationStrategy } from '../../tokenizer/truncation.js';
import { integerAtLeast, maxLengthAlias } from '../args.js';
import { parseJsonlObject, textInputOf } from '../jsonl-texts.js';

interface TokenizeCommandOptions {
  vocab: string;
  lowercase?: boolean;
  input?: string;
  output?: string;
  maxSeqLength?: number;
  maxInputCharsPerWord?: number;
  truncation?: TruncationStrategy | true;
  stride?: number;
  returnOverflowing?: boolean;
  padding?: 'max_length';
  padToMultipleOf?: number;
  specialTokens: boolean;
}

const OUTPUT_HELP = `
Input: JSON Lines, one object per line: {"text": "...", "text_pair": "..."} (text_pair optional).
Output: one JSON object per input line:
  tokens            WordPiece tokens of text and text_pair (after truncation), without special tokens
  input_ids         ids with [CLS] text [SEP] (text_pair [SEP]), truncated and padded as asked
  token_type_ids    0 for text and its [CLS]/[SEP], 1 for text_pair and its [SEP]
  attention_mask    1 for tokens, 0 for padding
  special_tokens_mask  1 for [CLS]/[SEP]/padding, 0 for tokens of the texts
  word_ids          word index of each input_ids position within its text; null for special tokens
  sequence_ids      0 (text), 1 (text_pair) or null (special tokens, padding)
  offsets           [start, end) of each input_ids position in UTF-16 code units of its text
                    (text or text_pair, as sequence_ids says): JavaScript's text.slice(start, end);
                    [0, 0] for special tokens and padding
  overflowing       with --return-overflowing: the further windows, each with the fields above
A bad line (invalid UTF-8, invalid JSON, missing or non-string "text") stops the run with an error
naming the file (or <stdin>) and the line; exit status 1.`;

export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description('tokenize JSONL texts (and pairs) with a BERT WordPiece tokenizer, as Hugging Face BertTokenizerFast does')
    .requiredOption('--vocab <path>', 'a vocab.txt, a tokenizer.json, or a model directory (tokenizer.json preferred, else vocab.txt + tokenizer_config.json)')
    .option('--lowercase', "lowercase (and strip accents): overrides the files' setting")
    .option('--no-lowercase', "keep case: overrides the files' setting (default: the files' setting; lowercase for a bare vocab.txt)")
    .option('--input <file>', 'JSONL input (default: standard input)')
    .option('--output <file>', 'JSONL output, written atomically (default: standard output)')
    .option('--max-seq-length <n>', 'maximum length of input_ids, special tokens included (transformers\' max_length; without --padding it implies --truncation longest_first, as in transformers)', integerAtLeast(1))
    .addOption(maxLengthAlias(integerAtLeast(1)))
    .addOption(
      new Option('--truncation [strategy]', 'truncate to --max-seq-length (default: the model maximum length)')
        .choices(TRUNCATION_STRATEGIES as string[]),
    )
    .option('--stride <n>', 'tokens each overflow window repeats from the previous one', integerAtLeast(0))
    .option('--return-overflowing', 'keep the windows cut off by truncation (field "overflowing")')
    .addOption(new Option('--padding <strategy>', 'pad every line to --max-seq-length').choices(['max_length']))
    .option('--pad-to-multiple-of <n>', 'round the padded length up to a multiple of n', integerAtLeast(1))
    .option('--no-special-tokens', 'do not add [CLS] and [SEP]')
    .option('--max-input-chars-per-word <n>', "a longer word becomes [UNK] (default: tokenizer.json's, else 100 as Hugging Face; Google's original BERT: 200)", integerAtLeast(1))
    .addHelpText('after', OUTPUT_HELP)
    .action(async (options: TokenizeCommandOptions) => {
      await runTokenize(options);
    });
}

async function runTokenize(options: TokenizeCommandOptions): Promise<void> {
  const tokenizer = BertTokenizer.fromPretrained(
    options.vocab,
    {
      ...(options.lowercase === undefined ? {} : { doLowerCase: options.lowercase }),
      ...(options.maxInputCharsPerWord === undefined ? {} : { maxInputCharsPerWord: options.maxInputCharsPerWord }),
    },
  );
  const encodeOptions: EncodeOptions = {
    addSpecialTokens: options.specialTokens,
    truncation: options.truncation,
    maxLength: options.maxSeqLength,
    stride: options.stride,
    returnOverflowing: options.returnOverflowing,
    padding: options.padding ?? false,
    padToMultipleOf: options.padToMultipleOf,
  };
  const inputName = options.input ?? '<stdin>';
  if (options.input !== undefined) assertReadableFile(options.input);
  const input = options.input === undefined ? process.stdin : createReadStream(options.input);
  const output = options.output === undefined ? null : openAtomicOutput(options.output);
  const sink = output?.stream ?? process.stdout;
  try {
    for await (const { text: line, number } of readLines(input, inputName)) {
      const texts = textInputOf(parseJsonlObject(line, inputName, number), `${inputName}:${number}`);
      const [text, pair] = typeof texts === 'string' ? [texts, null] : texts;
      let encoding: Encoding;
      try {
        encoding = tokenizer.encode(text, pair ?? undefined, encodeOptions);
      } catch (error) {
        throw new Error(`${inputName}:${number}: ${(error as Error).message}`, { cause: error });
      }
      if (!sink.write(`${JSON.stringify(outputRecord(encoding, options.returnOverflowing === true))}\n`)) {
        await once(sink, 'drain');
      }
    }
    if (output !== null) await output.commit();
  } catch (error) {
    output?.abort();
    throw error;
  }
}

interface OutputRecord {
  tokens: string[];
  input_ids: number[];
  token_type_ids: number[];
  attention_mask: number[];
  special_tokens_mask: number[];
  word_ids: (number | null)[];
  sequence_ids: (number | null)[];
  offsets: [number, number][];
  overflowing?: OutputRecord[];
}

function outputRecord(encoding: Encoding, withOverflowing: boolean): OutputRecord {
  const record: OutputRecord = {
    tokens: encoding.tokens.filter((_, i) => encoding.specialTokensMask[i] === 0),
    input_ids: encoding.ids,
    token_type_ids: encoding.typeIds,
    attention_mask: encoding.attentionMask,
    special_tokens_mask: encoding.specialTokensMask,
    word_ids: encoding.wordIds,
    sequence_ids: encoding.sequenceIds,
    offsets: encoding.offsets,
  };
  if (withOverflowing) record.overflowing = encoding.overflowing.map((window) => outputRecord(window, false));
  return record;
}

/**
 * Splits a byte stream into lines (without `\n` / `\r\n`), each decoded as strict UTF-8 on its own,
 * so that a bad byte is reported with its line number instead of turning into U+FFFD.
 */
async function* readLines(stream: AsyncIterable<Buffer>, source: string): AsyncGenerator<{ text: string; number: number }> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (bytes: Uint8Array, number: number): string => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new Error(`${source}:${number}: invalid UTF-8`);
    }
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  let pending: Buffer[] = [];
  let number = 0;
  try {
    for await (const chunk of stream) {
      let start = 0;
      for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, newline);
        const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        yield { text: decode(bytes, ++number), number };
        start = newline + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new Error(`${source}: cannot read: ${code}`, { cause: error });
    throw error;
  }
  if (pending.length > 0) yield { text: decode(Buffer.concat(pending), ++number), number };
}

function assertReadableFile(path: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read: ${code}`, { cause: error });
  }
  if (!isFile) throw new Error(`${path}: not a file`);
}

/** Output that appears under its name only when the whole input was tokenized without error. */
function openAtomicOutput(path: string): { stream: Writable; commit(): Promise<void>; abort(): void } {
  const temp = temporaryPathFor(path);
  let fd: number;
  try {
    fd = openSync(temp, 'w');
  } catch (error) {
    throw new Error(`${path}: cannot write: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  const stream = createWriteStream(temp, { fd });
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('close', resolve);
    stream.on('error', (error: NodeJS.ErrnoException) => reject(new Error(`${path}: cannot write: ${error.code ?? error.message}`)));
  });
  finished.catch(() => undefined);
  return {
    stream,
    async commit() {
      stream.end();
      await finished;
      commitTemporaryFile(temp, path);
    },
    abort() {
      stream.destroy();
      rmSync(temp, { force: true });
    },
  };
}

