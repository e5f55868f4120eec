import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initializeParameters, initRuleFor } from '../../src/runtime/init.js';

const specs = [
  { name: 'embeddings.word_embeddings.weight', shape: [1000, 64] },
  { name: 'embeddings.LayerNorm.weight', shape: [64] },
  { name: 'embeddings.LayerNorm.bias', shape: [64] },
  { name: 'encoder.layer.0.attention.self.query.weight', shape: [64, 64] },
  { name: 'encoder.layer.0.attention.self.query.bias', shape: [64] },
];

test('HF BERT init rules: N(0, 0.02) weights, LayerNorm 1/0, biases 0', () => {
  const store = initializeParameters(specs, { seed: 3 });
  assert.ok(store.get('embeddings.LayerNorm.weight').every((x) => x === 1));
  assert.ok(store.get('embeddings.LayerNorm.bias').every((x) => x === 0));
  assert.ok(store.get('encoder.layer.0.attention.self.query.bias').every((x) => x === 0));
  const w = store.get('embeddings.word_embeddings.weight');
  const mean = w.reduce((s, x) => s + x, 0) / w.length;
  const sd = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(mean) < 0.001 && Math.abs(sd - 0.02) < 0.001, `mean ${mean} sd ${sd}`);
  assert.equal(initRuleFor('cls.predictions.bias'), 'zeros');
  assert.equal(initRuleFor('encoder.layer.3.output.LayerNorm.weight'), 'ones');
});

test('init is reproducible and independent of the other parameters', () => {
  const a = initializeParameters(specs, { seed: 11 });
  const b = initializeParameters([...specs].reverse().slice(0, 3), { seed: 11 });
  assert.deepEqual(b.get('encoder.layer.0.attention.self.query.weight'), a.get('encoder.layer.0.attention.self.query.weight'));
  const c = initializeParameters(specs, { seed: 12 });
  assert.notDeepEqual(c.get('encoder.layer.0.attention.self.query.weight'), a.get('encoder.layer.0.attention.self.query.weight'));
  assert.throws(() => a.add('embeddings.LayerNorm.bias', [64]), /already present/);
  assert.throws(() => a.get('missing.weight'), /no parameter named 'missing.weight'/);
});
