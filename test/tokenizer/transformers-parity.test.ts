// Identical ids to transformers.js (@huggingface/transformers, an independent implementation of
// HF's BertTokenizer) on every text of the real corpora: Gutenberg paragraphs, SST-2 sentences,
// ChnSentiCorp reviews, plus added/special tokens inside text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { parseAddedTokens } from '../../src/tokenizer/added-tokens.js';
import { BERT_UNCASED } from '../../src/tokenizer/normalizer.js';
import { TextTokenizer } from '../../src/tokenizer/text-tokenizer.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { BERT_WORDPIECE } from '../../src/tokenizer/wordpiece.js';

const MODEL_DIR = 'data/vocab/bert-base-uncased';
const skip = skipWithoutShared(MODEL_DIR, 'tokenizer.json');

interface Sample {
  where: string;
  text: string;
}

async function loadTokenizers(): Promise<{ ours: TextTokenizer; peer: PreTrainedTokenizer }> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = sharedPath('data/vocab') + '/';
  const peer = await AutoTokenizer.from_pretrained('bert-base-uncased');
  const tokenizerJson = JSON.parse(readFileSync(sharedPath(MODEL_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown };
  const addedTokens = parseAddedTokens(tokenizerJson.added_tokens, sharedPath(MODEL_DIR, 'tokenizer.json'));
  const ours = new TextTokenizer(Vocab.fromFile(sharedPath(MODEL_DIR, 'vocab.txt')), { ...BERT_UNCASED, ...BERT_WORDPIECE }, addedTokens);
  return { ours, peer };
}

function compare(samples: Sample[], ours: TextTokenizer, peer: PreTrainedTokenizer): void {
  const mismatches: string[] = [];
  let tokenCount = 0;
  for (const { where, text } of samples) {
    const expected = peer.encode(text, { add_special_tokens: false });
    const actual = ours.tokenize(text).ids;
    tokenCount += expected.length;
    if (actual.length !== expected.length || actual.some((id, k) => id !== expected[k])) {
      let k = 0;
      while (k < actual.length && actual[k] === expected[k]) k++;
      mismatches.push(
        `${where}: ${JSON.stringify(text.slice(0, 200))}\n  first difference at token ${k}: ` +
          `transformers.js ${JSON.stringify(expected.slice(k, k + 5))}, ours ${JSON.stringify(actual.slice(k, k + 5))}`,
      );
    }
  }
  assert.ok(tokenCount > samples.length, 'the peer produced tokens');
  assert.equal(mismatches.length, 0, `${mismatches.length} of ${samples.length} texts differ:\n${mismatches.slice(0, 20).join('\n')}`);
}

function paragraphsOf(path: string, name: string): Sample[] {
  const samples: Sample[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  let start = -1;
  for (let i = 0; i <= lines.length; i++) {
    const blank = i === lines.length || lines[i]!.trim() === '';
    if (!blank && start < 0) start = i;
    if (blank && start >= 0) {
      samples.push({ where: `${name}:${start + 1}`, text: lines.slice(start, i).join('\n') });
      start = -1;
    }
  }
  return samples;
}

function tsvColumn(relative: string, column: string): Sample[] {
  const lines = readFileSync(sharedPath(relative), 'utf8').split('\n');
  const header = lines[0]!.split('\t');
  const index = header.indexOf(column);
  assert.ok(index >= 0, `${relative}: no column ${column} in header ${JSON.stringify(header)}`);
  const samples: Sample[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.length === 0) continue;
    samples.push({ where: `${relative}:${i + 1}`, text: lines[i]!.split('\t')[index]! });
  }
  return samples;
}

test('transformers.js parity', { skip }, async (t) => {
  const { ours, peer } = await loadTokenizers();

  await t.test('every paragraph of the Gutenberg corpus', { skip: skipWithoutShared('data/corpus/gutenberg') }, () => {
    const dir = sharedPath('data/corpus/gutenberg');
    const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
    assert.ok(files.length > 0);
    const samples = files.flatMap((file) => paragraphsOf(join(dir, file), `gutenberg/${file}`));
    assert.ok(samples.length > 10_000, `expected the whole corpus, got ${samples.length} paragraphs`);
    compare(samples, ours, peer);
  });

  await t.test('every SST-2 training sentence', { skip: skipWithoutShared('data/sst2/train.tsv') }, () => {
    const samples = tsvColumn('data/sst2/train.tsv', 'sentence');
    assert.ok(samples.length > 60_000);
    compare(samples, ours, peer);
  });

  await t.test('every ChnSentiCorp review (train and dev)', { skip: skipWithoutShared('data/chnsenticorp/dev.tsv') }, () => {
    const samples = [...tsvColumn('data/chnsenticorp/train.tsv', 'text_a'), ...tsvColumn('data/chnsenticorp/dev.tsv', 'text_a')];
    assert.ok(samples.length > 10_000);
    compare(samples, ours, peer);
  });

  await t.test('special tokens inside text, edge cases', () => {
    const texts = [
      'The capital of France is [MASK].',
      '[CLS] hello [SEP] world [SEP]',
      'a[MASK]b [MASK][MASK] [mask] [ MASK ] [UNK]word',
      'Ünïcödé ÀÉÎÕÜ façade coöperate Ελληνικά ΟΔΟΣ ΣΑΣ İstanbul ǅemal ﬁne ﬀ Ａｂｃ１２３！',
      'tab\there\nnew\r\nline\u00a0nbsp\u2003em\u3000ideo\u2028ls',
      'zero\u200bwidth soft\u00adhyphen bom\ufeffx ctl\u0001x del\u007fx nul\u0000x rep\ufffdx',
      '日本語のテキスト、한국어 텍스트, 中文文本。',
      'emoji 😀👍🏽 flags 🇫🇷 family 👨‍👩‍👧 keycap 1️⃣',
      'x'.repeat(100) + ' ' + 'y'.repeat(101) + ' ' + 'é'.repeat(101),
      "don't can't won't — “quotes” «guillemets» ‹›  …",
      'e\u0301 a\u0308 combining; ḱ ṩ ẛ ǖ',
      '',
      '   ',
    ];
    compare(texts.map((text, k) => ({ where: `edge case ${k}`, text })), ours, peer);
  });
});
