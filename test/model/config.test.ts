import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numLabels, parseBertConfig, readBertConfig, writeBertConfig } from '../../src/model/config.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';

const fixtureDir = sharedPath('fixtures', 'bert-tiny-uncased');

test('reads the fixture configs as Hugging Face wrote them and writes them back unchanged',
  { skip: skipWithoutShared('fixtures/bert-tiny-uncased/config.json') }, () => {
    for (const sub of ['', 'sequence-classification', 'token-classification']) {
      const path = join(fixtureDir, sub, 'config.json');
      const original = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      const config = readBertConfig(path);
      assert.equal(config.hidden_size, 32);
      assert.equal(config.num_attention_heads, 4);
      const out = join(mkdtempSync(join(tmpdir(), 'bertkit-config-')), 'config.json');
      writeBertConfig(out, config);
      const written = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
      for (const [key, value] of Object.entries(original)) assert.deepEqual(written[key], value, `${sub || 'base'}: ${key}`);
    }
    const tokenConfig = readBertConfig(join(fixtureDir, 'token-classification', 'config.json'));
    assert.equal(numLabels(tokenConfig), 9);
  });

test('fills Hugging Face defaults and derives label2id', () => {
  const config = parseBertConfig({ hidden_size: 64, num_attention_heads: 2, id2label: { 0: 'neg', 1: 'pos' } });
  assert.equal(config.vocab_size, 30522);
  assert.equal(config.layer_norm_eps, 1e-12);
  assert.deepEqual(config.label2id, { neg: 0, pos: 1 });
  assert.equal(numLabels(parseBertConfig({})), 2);
});

test('bad configs name the file and the field', () => {
  const cases: [object, RegExp][] = [
    [{ hidden_size: 30, num_attention_heads: 4 }, /hidden_size 30 is not a multiple of num_attention_heads 4/],
    [{ hidden_act: 'swish' }, /hidden_act must be one of gelu, gelu_new, relu, got "swish"/],
    [{ vocab_size: 0 }, /vocab_size must be a positive integer/],
    [{ hidden_dropout_prob: 1.5 }, /hidden_dropout_prob must be a probability/],
    [{ model_type: 'roberta' }, /model_type is "roberta"/],
    [{ id2label: { 0: 'a', 2: 'b' } }, /id2label keys must be 0\.\.1/],
    [{ id2label: { 0: 'a', 1: 'b' }, label2id: { a: 1, b: 0 } }, /label2id\["a"\] is 1, id2label says 0/],
    [{ position_embedding_type: 'relative_key' }, /position_embedding_type must be one of absolute, sinusoidal/],
  ];
  for (const [raw, pattern] of cases) assert.throws(() => parseBertConfig(raw, 'my/config.json'), (e: Error) => e.message.startsWith('my/config.json: ') && pattern.test(e.message));
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-config-'));
  writeFileSync(join(dir, 'config.json'), '{"hidden_size": 32,');
  assert.throws(() => readBertConfig(join(dir, 'config.json')), /config\.json:1:20: invalid JSON: unexpected end of JSON/);
  assert.throws(() => readBertConfig(join(dir, 'missing.json')), /missing\.json: cannot read the model config \(ENOENT\)/);
});
