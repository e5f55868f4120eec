import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import { Vocab } from '../../src/tokenizer/vocab.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

test('start trains on WordNet, saves a tokenizer, and shows tokenized sentences, a summary and next steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-start-'));
  try {
    const out = join(dir, 'vocab');
    const started = Date.now();
    const run = spawnSync(process.execPath, [BIN, 'start', '--vocab-size', '700', '--output', out, '--quiet'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(Date.now() - started < 60_000);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /WordNet 3\.1: 117,791 synsets/);
    assert.match(run.stdout, /vocabulary: +700 tokens/);
    assert.match(run.stdout, /npx bertkit tokenize --vocab /);

    const vocab = Vocab.fromFile(join(out, 'vocab.txt'));
    assert.equal(vocab.size, 700);
    // The printed token:id pairs agree with HF's JS tokenizer reading the saved tokenizer.json.
    const peer = new Tokenizer(JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8')), {});
    const sentence = 'The quick brown fox jumps over the lazy dog.';
    const lines = run.stdout.split('\n');
    const shown = lines[lines.findIndex((line) => line.trim() === sentence) + 1]!.trim();
    const encoding = peer.encode(sentence);
    assert.equal(shown, encoding.tokens.map((token: string, i: number) => `${token}:${encoding.ids[i]}`).join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
