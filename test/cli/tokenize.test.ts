// `bertkit tokenize` as a user runs it: the compiled bin spawned on JSONL fixtures in a temp dir.
// Output ids and tokens are checked against transformers.js; errors must name the file and line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { runCli } from '../helpers/cli.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { loadPeer, peerEncode, rtePairs, sst2Sentences, UNCASED_DIR } from '../tokenizer/helpers/bert-tokenizer-peer.js';

const scratch = mkdtempSync(join(tmpdir(), 'bertkit-cli-tokenize-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const run = (args: string[], input?: string | Buffer) => runCli(['tokenize', ...args], { input });

interface OutputLine {
  tokens: string[];
  input_ids: number[];
  token_type_ids: number[];
  attention_mask: number[];
  special_tokens_mask: number[];
  word_ids: (number | null)[];
  sequence_ids: (number | null)[];
  offsets: [number, number][];
  overflowing?: OutputLine[];
}

const parseOutput = (text: string) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as OutputLine);
const jsonl = (records: object[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';
const skip = skipWithoutShared(UNCASED_DIR, 'tokenizer.json') || skipWithoutShared('data/rte/train.tsv') || skipWithoutShared('data/sst2/train.tsv');

describe('bertkit tokenize output', { skip }, () => {
  let peer: PreTrainedTokenizer;
  before(async () => {
    peer = await loadPeer(sharedPath(UNCASED_DIR));
  });

  test('texts and pairs from a file: ids, types, tokens without specials, offsets into each text', () => {
    const records = [
      ...sst2Sentences(30).map((text) => ({ text })),
      ...rtePairs(30).map(([text, text_pair]) => ({ text, text_pair })),
      { text: 'Café [MASK] 東京!', text_pair: null },
    ];
    const input = join(scratch, 'good.jsonl');
    const output = join(scratch, 'good.out.jsonl');
    writeFileSync(input, jsonl(records));
    const result = run(['--vocab', sharedPath(UNCASED_DIR), '--input', input, '--output', output]);
    assert.equal(result.status, 0, result.stderr);
    const lines = parseOutput(readFileSync(output, 'utf8'));
    assert.equal(lines.length, records.length);
    records.forEach((record, i) => {
      const pair = 'text_pair' in record ? record.text_pair : null;
      const expected = peerEncode(peer, record.text, pair);
      const line = lines[i]!;
      assert.deepEqual(line.input_ids, expected.input_ids, `line ${i + 1}`);
      assert.deepEqual(line.token_type_ids, expected.token_type_ids, `line ${i + 1}`);
      assert.deepEqual(line.attention_mask, expected.attention_mask);
      assert.deepEqual(line.tokens, [...peer.tokenize(record.text), ...(pair ? peer.tokenize(pair) : [])], `line ${i + 1}`);
      assert.equal(line.offsets.length, line.input_ids.length);
      line.offsets.forEach(([start, end], k) => {
        const sequence = line.sequence_ids[k];
        if (sequence === null) assert.deepEqual([start, end], [0, 0]);
        else assert.ok(end > start && end <= (sequence === 0 ? record.text : pair!).length, `line ${i + 1} offset ${k}`);
      });
    });
    const last = lines.at(-1)!;
    const cafe = last.tokens.indexOf('cafe') + 1;
    assert.equal(records.at(-1)!.text.slice(...last.offsets[cafe]!), 'Café');
  });

  test('stdin to stdout with truncation windows and padding', () => {
    const [text, text_pair] = rtePairs(4)[3]!;
    const result = run(
      ['--vocab', sharedPath(UNCASED_DIR), '--max-length', '24', '--truncation', 'only_second', '--stride', '4',
        '--return-overflowing', '--padding', 'max_length'],
      jsonl([{ text: text_pair, text_pair: text }]),
    );
    assert.equal(result.status, 0, result.stderr);
    const [line] = parseOutput(result.stdout);
    const question = peer.tokenize(text_pair);
    const context = peer.tokenize(text);
    const room = 24 - 3 - question.length;
    const windows = [line!, ...line!.overflowing!];
    assert.ok(windows.length > 1);
    windows.forEach((window, k) => {
      assert.equal(window.input_ids.length, 24);
      assert.deepEqual(window.tokens, [...question, ...context.slice(k * (room - 4), k * (room - 4) + room)], `window ${k}`);
    });
  });

  test('--truncation alone means longest_first; --truncation without --max-length uses model_max_length', () => {
    const result = run(['--vocab', sharedPath(UNCASED_DIR), '--max-length', '7', '--truncation'], jsonl([{ text: 'a b c d', text_pair: 'e f g h i j' }]));
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(parseOutput(result.stdout)[0]!.tokens, ['a', 'b', 'e', 'f']);
    const long = Array.from({ length: 700 }, () => 'word').join(' ');
    const capped = run(['--vocab', sharedPath(UNCASED_DIR), '--truncation'], jsonl([{ text: long }]));
    assert.equal(parseOutput(capped.stdout)[0]!.input_ids.length, 512);
  });

  test('case: files decide unless --lowercase / --no-lowercase; a bare vocab.txt lowercases', () => {
    const cased = sharedPath('data/vocab/bert-base-cased/vocab.txt');
    const input = jsonl([{ text: 'Hello World' }]);
    assert.deepEqual(parseOutput(run(['--vocab', cased], input).stdout)[0]!.tokens, ['hello', 'world']);
    assert.deepEqual(parseOutput(run(['--vocab', cased, '--no-lowercase'], input).stdout)[0]!.tokens, ['Hello', 'World']);
    assert.deepEqual(parseOutput(run(['--vocab', sharedPath(UNCASED_DIR), '--no-lowercase'], input).stdout)[0]!.tokens, ['[UNK]', '[UNK]']);
    assert.deepEqual(parseOutput(run(['--vocab', sharedPath(UNCASED_DIR), '--lowercase'], input).stdout)[0]!.tokens, ['hello', 'world']);
  });

  test('streams many lines, CRLF line ends, no line for the final newline', () => {
    const sentences = sst2Sentences(3000);
    const result = run(['--vocab', sharedPath(UNCASED_DIR, 'vocab.txt')], sentences.map((text) => JSON.stringify({ text })).join('\r\n') + '\r\n');
    assert.equal(result.status, 0, result.stderr);
    const lines = parseOutput(result.stdout);
    assert.equal(lines.length, sentences.length);
    assert.deepEqual(lines[2999]!.input_ids, peerEncode(peer, sentences[2999]!, null).input_ids);
  });
});

describe('bertkit tokenize errors', { skip: skipWithoutShared(UNCASED_DIR, 'vocab.txt') }, () => {
  const vocab = sharedPath(UNCASED_DIR, 'vocab.txt');

  test('invalid UTF-8 in line 3 names the file and the line; no output file is left', () => {
    const input = join(scratch, 'bad-utf8.jsonl');
    const output = join(scratch, 'bad-utf8.out.jsonl');
    writeFileSync(input, Buffer.concat([
      Buffer.from('{"text": "fine"}\n{"text": "also fine"}\n{"text": "bad '),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}\n{"text": "after"}\n'),
    ]));
    const result = run(['--vocab', vocab, '--input', input, '--output', output]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, new RegExp(`${input.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: invalid UTF-8`));
    assert.equal(existsSync(output), false);
    assert.deepEqual(readdirSync(scratch).filter((name) => name.includes('bad-utf8.out')), [], 'no temp file left');
  });

  test('bad lines on stdin: invalid JSON, missing or non-string text, non-object, empty line', () => {
    const cases: [string, RegExp][] = [
      ['{"text": "ok"}\n{"text": "unterminated}\n', /<stdin>:2:24: invalid JSON: unexpected end of JSON/],
      ['{"text": "ok"}\n{"txt": "x"}\n', /<stdin>:2: missing "text"/],
      ['{"text": 42}\n', /<stdin>:1: "text" must be a string, got number 42/],
      ['{"text": "a", "text_pair": ["b"]}\n', /<stdin>:1: "text_pair" must be a string, got an array/],
      ['["a"]\n', /<stdin>:1: expected a JSON object such as \{"text": "..."\}, got an array/],
      ['{"text": "a"}\n\n{"text": "b"}\n', /<stdin>:2: empty line/],
    ];
    for (const [input, expected] of cases) {
      const result = run(['--vocab', vocab], input);
      assert.notEqual(result.status, 0, input);
      assert.match(result.stderr, expected, input);
    }
  });

  test('tokenization errors name the line too', () => {
    const result = run(['--vocab', vocab, '--max-length', '6', '--truncation', 'only_first'], jsonl([{ text: 'a b' }, { text: 'a', text_pair: 'b c d e f' }]));
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /<stdin>:2: truncation 'only_first': 3 tokens must be removed/);
    assert.equal(parseOutput(result.stdout).length, 1, 'the good first line was written');
  });

  test('missing vocabulary, vocabulary without [UNK], malformed tokenizer.json, missing input file', () => {
    const missing = run(['--vocab', join(scratch, 'no-such-vocab.txt')], '');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /no-such-vocab\.txt: no such file or directory/);

    const noUnk = join(scratch, 'no-unk.txt');
    writeFileSync(noUnk, '[PAD]\n[CLS]\n[SEP]\nhello\n');
    const noUnkResult = run(['--vocab', noUnk], jsonl([{ text: 'hello' }]));
    assert.notEqual(noUnkResult.status, 0);
    assert.match(noUnkResult.stderr, /no-unk\.txt: the unknown token "\[UNK\]" is on none of the vocabulary's 4 lines/);

    const broken = join(scratch, 'broken-model');
    rmSync(broken, { recursive: true, force: true });
    mkdirSync(broken);
    writeFileSync(join(broken, 'tokenizer.json'), JSON.stringify({ model: { vocab: ['[UNK]'] } }));
    const brokenResult = run(['--vocab', broken], jsonl([{ text: 'hello' }]));
    assert.notEqual(brokenResult.status, 0);
    assert.match(brokenResult.stderr, /broken-model\/tokenizer\.json: model\.vocab must be an object of token → id/);

    const noInput = run(['--vocab', vocab, '--input', join(scratch, 'absent.jsonl')]);
    assert.notEqual(noInput.status, 0);
    assert.match(noInput.stderr, /absent\.jsonl: no such file/);
  });
});

test('--max-input-chars-per-word: Google BERT\'s 200 keeps a 150-character word that Hugging Face\'s 100 makes [UNK]; --max-length is --max-seq-length', () => {
  const vocab = join(scratch, 'letters-vocab.txt');
  writeFileSync(vocab, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', '##a'].join('\n') + '\n');
  const word = 'a'.repeat(150);
  const hf = run(['--vocab', vocab], jsonl([{ text: word }]));
  assert.equal(hf.status, 0, hf.stderr);
  assert.deepEqual(parseOutput(hf.stdout)[0]!.tokens, ['[UNK]']);
  const google = run(['--vocab', vocab, '--max-input-chars-per-word', '200', '--max-length', '4'], jsonl([{ text: word }]));
  assert.equal(google.status, 0, google.stderr);
  assert.deepEqual(parseOutput(google.stdout)[0]!.tokens, ['a', '##a']);
});
