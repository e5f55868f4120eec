// Suite 'tokenizer': tokens/s of TextTokenizer.tokenize over every line of the Gutenberg corpus,
// one thread, warm (the first pass fills caches and JIT; the second is timed), next to
// transformers.js's BERT tokenizer on the same lines in the same process.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import type { BenchRow } from './types.js';
import { parseAddedTokens } from '../src/tokenizer/added-tokens.js';
import { BERT_UNCASED } from '../src/tokenizer/normalizer.js';
import { TextTokenizer } from '../src/tokenizer/text-tokenizer.js';
import { Vocab } from '../src/tokenizer/vocab.js';
import { BERT_WORDPIECE } from '../src/tokenizer/wordpiece.js';

export const suite = 'tokenizer';

const SHARED = resolve(process.env.BERTKIT_SHARED ?? resolve(process.cwd(), '..', 'shared'));
const MODEL_DIR = join(SHARED, 'data', 'vocab', 'bert-base-uncased');
const CORPUS_DIR = join(SHARED, 'data', 'corpus', 'gutenberg');
const METRIC = 'tokenize Gutenberg lines (bert-base-uncased, 1 thread, warm)';

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(join(MODEL_DIR, 'tokenizer.json')) || !existsSync(CORPUS_DIR)) {
    return [{ suite, metric: METRIC, value: 0, unit: 'tokens/s', note: `skipped: needs ${MODEL_DIR} and ${CORPUS_DIR}` }];
  }
  const lines = readdirSync(CORPUS_DIR)
    .filter((file) => file.endsWith('.txt'))
    .sort()
    .flatMap((file) => readFileSync(join(CORPUS_DIR, file), 'utf8').split('\n'))
    .filter((line) => line.trim().length > 0);

  const tokenizerJson = JSON.parse(readFileSync(join(MODEL_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown };
  const ours = new TextTokenizer(
    Vocab.fromFile(join(MODEL_DIR, 'vocab.txt')),
    { ...BERT_UNCASED, ...BERT_WORDPIECE },
    parseAddedTokens(tokenizerJson.added_tokens, join(MODEL_DIR, 'tokenizer.json')),
  );
  env.allowRemoteModels = false;
  env.localModelPath = join(SHARED, 'data', 'vocab') + '/';
  const peer = await AutoTokenizer.from_pretrained('bert-base-uncased');

  const oursRate = warmRate('bertkit', lines, (line) => ours.tokenize(line).ids.length);
  const peerRate = warmRate('transformers.js', lines, (line) => peer.encode(line, { add_special_tokens: false }).length);
  return [
    {
      suite,
      metric: METRIC,
      value: oursRate.tokensPerSecond,
      unit: 'tokens/s',
      peer: { name: 'transformers.js 4.3.1', value: peerRate.tokensPerSecond },
      ratio: oursRate.tokensPerSecond / peerRate.tokensPerSecond,
      goal: '≥ 3× transformers.js',
      note: `${lines.length} lines, ${oursRate.tokens} tokens; second pass timed`,
    },
  ];
}

function warmRate(name: string, lines: string[], tokenize: (line: string) => number): { tokens: number; tokensPerSecond: number } {
  const pass = () => {
    let tokens = 0;
    for (const line of lines) tokens += tokenize(line);
    return tokens;
  };
  process.stderr.write(`  ${name}: warm-up pass\n`);
  pass();
  process.stderr.write(`  ${name}: timed pass\n`);
  const start = process.hrtime.bigint();
  const tokens = pass();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { tokens, tokensPerSecond: tokens / seconds };
}
