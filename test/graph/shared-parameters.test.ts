import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../src/graph/graph.js';

test('parameters under a shared prefix are one tensor when declared again (tied weights); others stay unique names', () => {
  const graph = new Graph();
  graph.shareParameters('electra.embeddings.');
  const first = graph.parameter('electra.embeddings.word_embeddings.weight', [10, 4]);
  assert.equal(graph.parameter('electra.embeddings.word_embeddings.weight', [10, 4]), first);
  assert.equal(graph.parameters.length, 1);
  assert.throws(() => graph.parameter('electra.embeddings.word_embeddings.weight', [10, 8]), /shared as \[10,\s?4\], declared again as \[10,\s?8\]/);
  graph.parameter('electra.encoder.layer.0.output.dense.weight', [4, 4]);
  assert.throws(() => graph.parameter('electra.encoder.layer.0.output.dense.weight', [4, 4]), /already used in this graph/);
});
