import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grad } from '../../src/graph/autodiff.js';
import { Graph } from '../../src/graph/graph.js';
import * as op from '../../src/graph/ops.js';

describe('shape inference', () => {
  it('infers broadcast, matmul, reshape and transpose shapes with symbolic dims', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 'seq', 8]);
    const mask = g.input('mask', 'float32', ['batch', 1, 1, 'seq']);
    const heads = op.transpose(op.reshape(x, ['batch', 'seq', 2, 4]), [0, 2, 1, 3]);
    assert.deepEqual(heads.shape, ['batch', 2, 'seq', 4]);
    const scores = op.matmul(heads, op.transpose(heads, [0, 1, 3, 2]));
    assert.deepEqual(scores.shape, ['batch', 2, 'seq', 'seq']);
    assert.deepEqual(op.add(scores, mask).shape, ['batch', 2, 'seq', 'seq']);
    assert.deepEqual(op.reshape(x, [-1, 8]).shape, ['batch*seq', 8]);
    assert.deepEqual(op.reshape(op.reshape(x, [-1, 8]), ['batch', -1, 8], x).shape, ['batch', 'seq', 8]);
    assert.deepEqual(op.linear(x, g.parameter('w', [3, 8])).shape, ['batch', 'seq', 3]);
    assert.deepEqual(op.reduceMean(x, -1, { keepDims: true }).shape, ['batch', 'seq', 1]);
    assert.deepEqual(op.slice(x, [0], [1], { axes: [1] }).shape, ['batch', 1, 8]);
    assert.deepEqual(op.gather(g.parameter('table', [10, 8]), g.input('ids', 'int64', ['batch', 'seq'])).shape, ['batch', 'seq', 8]);
    assert.deepEqual(op.concat([x, x], -1).shape, ['batch', 'seq', 16]);
    assert.deepEqual(op.arange(x, 1).shape, ['seq']);
    assert.deepEqual(op.reshape(g.input('flat', 'float32', ['n']), [-1, 2]).shape, ['(n)/(2)', 2]);
  });

  it('names the op and the shapes when they do not fit', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 'seq', 768]);
    assert.throws(() => op.matmul(x, g.parameter('w', [512, 3072])), { message: 'matmul: inner dimensions differ: [batch,seq,768] × [512,3072]' });
    assert.throws(() => op.add(x, g.parameter('b', [512])), /^Error: add: shapes do not broadcast: \[batch,seq,768\] vs \[512\]/);
    assert.throws(() => op.mul(x, g.input('y', 'float32', ['batch', 128, 768])), /mul: shapes do not broadcast: \[batch,seq,768\] vs \[batch,128,768\] \(axis 1: seq vs 128\)/);
    assert.throws(() => op.add(x, g.input('n', 'int64', [768])), /add: dtypes differ: float32\[batch,seq,768\] vs int64\[768\]/);
    assert.throws(() => op.reshape(g.parameter('p', [2, 3]), [4, 2]), /reshape: cannot reshape \[2,3\] \(6 elements\) to \[4,2\]/);
    assert.throws(() => op.reshape(g.parameter('p5', [5]), [-1, 2]), /reshape: cannot infer the -1 dim: 5 elements do not divide by \[2\]/);
    assert.throws(() => op.reshape(x, ['batch', 'words', 768]), /reshape: symbolic dim 'words' in \[batch,words,768\] is not a dim of the input \[batch,seq,768\]/);
    assert.throws(() => op.linear(x, g.parameter('w2', [768, 512])), /linear: input \[batch,seq,768\] does not end in the weight's in-features: weight \[768,512\]/);
    assert.throws(() => op.concat([x, g.parameter('q', [2, 3])], 0), /concat: along axis 0, float32\[batch,seq,768\] \+ float32\[2,3\] do not fit together/);
    assert.throws(() => op.transpose(x, [0, 0, 1]), /transpose: perm \[0,0,1\]/);
    assert.throws(() => op.softmax(x, 3), /softmax: axis 3 is out of range for rank 3/);
    assert.throws(() => op.layerNorm(x, g.parameter('gamma', [512]), g.parameter('beta', [768])), /layerNorm: gamma float32\[512\] must be float32\[768\]/);
    assert.throws(() => op.crossEntropy(x, g.input('labels', 'int64', ['batch'])), /crossEntropy: logits \[batch,seq,768\] must be labels \[batch\] plus a class axis/);
    assert.throws(() => op.dropout(x, 1, g.input('u', 'float32', ['batch', 'seq', 768])), /dropout: p must be in \[0,1\)/);
    assert.throws(() => op.gather(x, x), /gather: indices must be int64 or int32, got float32\[batch,seq,768\]/);
    assert.throws(() => op.scatterElementsAdd(x, g.input('rows', 'int64', ['batch', 'seq', 1]), g.input('ups', 'float32', ['batch', 'seq', 2]), -1), /scatterElementsAdd: indices \[batch,seq,1\] and updates float32\[batch,seq,2\] must share one shape of the rank of data float32\[batch,seq,768\]/);
  });

  it('rejects bad graph construction', () => {
    const g = new Graph();
    g.input('x', 'float32', [2]);
    assert.throws(() => g.input('x', 'float32', [2]), /input: name "x" is already used/);
    assert.throws(() => g.constant([1, 2, 3], [2, 2]), /constant: 3 values do not fill shape \[2,2\] \(4 elements\)/);
    assert.throws(() => g.parameter('w', [2, -1]), /parameter w: shape \[2,-1\] must be non-negative integers/);
    assert.throws(() => g.input('ids', 'int64', ['batch', 1.5]), /input ids: dim 1.5 of \[batch,1.5\] must be a non-negative integer or a symbolic name/);
    assert.throws(() => g.input('h', 'float16' as 'float32', [2]), /input h: dtype 'float16' is not one of float32, int64, int32, bool/);
    const other = new Graph();
    assert.throws(() => op.add(g.inputs[0]!, other.input('y', 'float32', [2])), /belongs to another graph/);
  });

  it('autodiff reports ops it cannot differentiate and ignores branches off the path', () => {
    const g = new Graph();
    const table = g.parameter('table', [4, 3]);
    const picked = op.gather(table, g.input('ids', 'int64', [2]), 1);
    assert.throws(() => grad(op.reduceSum(picked), [table]), /Gather gradient: only axis 0 is supported/);
    const h = new Graph();
    const a = h.parameter('a', [3]);
    const b = h.parameter('b', [3]);
    const unused = h.parameter('unused', [3]);
    const offPath = op.exp(b);
    const weights = h.constant([1, 2, 3], [3]);
    const loss = op.add(op.reduceSum(op.mul(op.mul(a, a), weights)), op.reduceSum(offPath));
    const before = h.nodes.length;
    const [da, dUnused] = grad(loss, [a, unused]);
    assert.deepEqual(da!.shape, [3]);
    assert.deepEqual(dUnused!.shape, [3]);
    const backward = h.nodes.slice(before);
    assert.ok(backward.length > 0);
    assert.ok(backward.every((node) => !node.inputs.includes(offPath) && !node.inputs.includes(b)), 'no backward node for the branch through b');
    assert.equal(backward.filter((node) => node.op === 'Mul').length, 3, 'dy·weights, then ·a twice for d(a·a); none for the constant weights');
  });
});
