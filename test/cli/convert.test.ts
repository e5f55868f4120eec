import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-convert-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('convert turns the legacy pytorch_model.bin into the fixture\'s own model.safetensors layout, values exact', { skip: skipWithoutShared(FIXTURE, 'legacy-pytorch-bin', 'pytorch_model.bin') }, () => {
  const out = join(dir, 'converted');
  const run = bertkit('convert', '--model', fixturePath('legacy-pytorch-bin'), '--output', out);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors'], 'the legacy directory has no tokenizer files to carry');
  const got = readSafetensors(join(out, 'model.safetensors'));
  const want = readSafetensors(fixturePath('model.safetensors'));
  assert.deepEqual(got.metadata, { format: 'pt' });
  const parameters = [...want.tensors.values()].reduce((sum, tensor) => sum + tensor.data.length, 0);
  assert.ok(run.stderr.includes(`wrote BertForPreTraining (${parameters.toLocaleString('en')} parameters)`), run.stderr);
  assert.deepEqual([...got.tensors.keys()], [...want.tensors.keys()]);
  for (const [name, tensor] of want.tensors) {
    assert.deepEqual(got.tensors.get(name)!.shape, tensor.shape, name);
    assert.deepEqual(got.tensors.get(name)!.data, tensor.data, name);
  }
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')), JSON.parse(readFileSync(fixturePath('config.json'), 'utf8')));
});

test('convert carries the tokenizer files and refuses to overwrite its input', { skip: skipWithoutShared(FIXTURE, 'vocab.txt') }, () => {
  const out = join(dir, 'with-tokenizer');
  const run = bertkit('convert', '--model', fixturePath(), '--output', out);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
  assert.equal(readFileSync(join(out, 'vocab.txt'), 'utf8'), readFileSync(fixturePath('vocab.txt'), 'utf8'));
  assert.equal(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).do_lower_case, true);

  const same = bertkit('convert', '--model', out, '--output', out);
  assert.equal(same.status, 1);
  assert.match(same.stderr, /is the input directory/);
});
