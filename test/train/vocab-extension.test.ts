import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.js';
import { loadBert } from '../../src/model/checkpoint.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { addTokens, readTokenList, resizeTokenEmbeddings } from '../../src/train/vocab-extension.js';
import { bertkit } from '../helpers/cli.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';
import { UNCASED_DIR, loadPeer, peerEncode } from '../tokenizer/helpers/bert-tokenizer-peer.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-vocab-extension-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const TEXT = 'The covid19 vaccine and the bertkitx library; COVID19 again.';

test('added tokens are matched whole after the vocabulary, and transformers.js reads the saved tokenizer the same way',
  { skip: skipWithoutShared(UNCASED_DIR, 'tokenizer.json') }, async () => {
    const base = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));
    assert.deepEqual(base.tokenize('covid19'), ['co', '##vid', '##19']);
    const list = join(dir, 'tokens.txt');
    writeFileSync(list, '# domain tokens\ncovid19\nthe\n\nbertkitx\ncovid19\n');
    const { tokenizer, added } = addTokens(base, readTokenList(list));
    assert.deepEqual(added, ['covid19', 'bertkitx'], 'known and repeated tokens are skipped, as HF add_tokens');
    assert.equal(tokenizer.vocab.size, 30524);
    assert.equal(tokenizer.tokenToId('covid19'), 30522);
    const ours = tokenizer.encode(TEXT);
    assert.ok(ours.ids.filter((id) => id === 30522).length === 2 && ours.ids.includes(30523), `ids ${ours.ids.join(' ')}`);
    const saved = join(dir, 'extended');
    tokenizer.save(saved);
    const peer = await loadPeer(saved);
    assert.deepEqual(ours.ids, peerEncode(peer, TEXT, null).input_ids);
    assert.throws(() => readTokenList(join(dir, 'missing.txt')), /missing\.txt: cannot read the token list/);
    writeFileSync(list, 'good\ntwo words\n');
    assert.throws(() => readTokenList(list), /tokens\.txt:2: a token must not contain whitespace/);
  });

test('resizing keeps the old rows, draws the new ones at the old rows\' mean (N(μ, 1e-9·Σ)) and pads the tied bias with zeros',
  { skip: skipWithoutShared(FIXTURE, 'model.safetensors') }, async () => {
    const model = await loadBert(fixturePath(), { warn: () => {} });
    const table = model.parameters.get('bert.embeddings.word_embeddings.weight');
    const resized = await resizeTokenEmbeddings(model, 30525, 1);
    assert.equal(resized.config.vocab_size, 30525);
    const grown = resized.parameters.get('bert.embeddings.word_embeddings.weight');
    assert.deepEqual(resized.parameters.shape('bert.embeddings.word_embeddings.weight'), [30525, 32]);
    assert.deepEqual(grown.subarray(0, table.length), table);
    const mean = new Float64Array(32);
    for (let i = 0; i < table.length; i++) mean[i % 32] += table[i]! / 30522;
    for (let row = 30522; row < 30525; row++) {
      const values = grown.subarray(row * 32, (row + 1) * 32);
      const worst = Math.max(...Array.from(values, (v, h) => Math.abs(v - mean[h]!)));
      assert.ok(worst < 1e-5, `row ${row} is ${worst} from the mean`);
    }
    assert.notDeepEqual(grown.subarray(30522 * 32, 30523 * 32), grown.subarray(30523 * 32, 30524 * 32), 'new rows are samples, not copies');
    const bias = resized.parameters.get('cls.predictions.bias');
    assert.deepEqual(bias.subarray(0, 30522), model.parameters.get('cls.predictions.bias'));
    assert.deepEqual(Array.from(bias.subarray(30522)), [0, 0, 0]);
    await assert.rejects(resizeTokenEmbeddings(model, 100, 1), /new size 100 must be an integer ≥ the current vocab_size 30522/);
  });

test('pretrain --add-tokens saves the grown model and the tokenizer with its added tokens',
  { skip: skipWithoutShared(FIXTURE, 'inputs.json') }, () => {
    const list = join(dir, 'add.txt');
    writeFileSync(list, 'covid19\nbertkitx\n');
    const output = join(dir, 'grown');
    const run = bertkit('pretrain', '--init', fixturePath(), '--batch', fixturePath('inputs.json'), '--add-tokens', list,
      '--max-steps', '1', '--dropout', '0', '--threads', '1', '--output', output);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /added 2 tokens to the vocabulary \(now 30524\)/);
    assert.equal((JSON.parse(readFileSync(join(output, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size, 30524);
    assert.deepEqual(readSafetensors(join(output, 'model.safetensors')).tensors.get('bert.embeddings.word_embeddings.weight')!.shape, [30524, 32]);
    assert.equal(BertTokenizer.fromPretrained(output).tokenToId('bertkitx'), 30523);
  });
