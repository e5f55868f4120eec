import { describe, it } from 'node:test';
import { grad } from '../../src/graph/autodiff.js';
import { Graph } from '../../src/graph/graph.js';
import * as op from '../../src/graph/ops.js';
import { Session } from '../../src/runtime/session.js';
import { checkGradients, random } from './gradcheck.js';

describe('elementwise ops: forward and gradient vs float64 finite differences', () => {
  it('add broadcasts [B,T,H] + [H]', () => checkGradients((g) => op.add(g.parameter('a', [2, 3, 4]), g.parameter('b', [4]))));
  it('add broadcasts [B,T,H] + [T,H]', () => checkGradients((g) => op.add(g.parameter('a', [2, 3, 4]), g.parameter('b', [3, 4]))));
  it('add broadcasts [B,1,T] + [B,T,T]', () => checkGradients((g) => op.add(g.parameter('a', [2, 1, 3]), g.parameter('b', [2, 3, 3]))));
  it('sub broadcasts both ways [2,1,3] − [4,1]', () => checkGradients((g) => op.sub(g.parameter('a', [2, 1, 3]), g.parameter('b', [4, 1]))));
  it('mul with a scalar and a broadcast', () => checkGradients((g) => op.mul(op.mul(g.parameter('a', [3, 4]), 1.5), g.parameter('b', [3, 1]))));
  it('div', () => checkGradients((g) => op.div(g.parameter('a', [2, 3]), g.parameter('b', [3])), { positive: ['b'] }));
  it('pow with tensor base and exponent', () => checkGradients((g) => op.pow(g.parameter('a', [2, 3]), g.parameter('b', [3])), { positive: ['a'] }));
  it('pow with a number exponent', () => checkGradients((g) => op.pow(g.parameter('a', [5]), 3)));
  it('maximum', () => checkGradients((g) => op.maximum(g.parameter('a', [6]), g.parameter('b', [6]))));
  for (const [name, fn, positive] of [
    ['neg', op.neg, false],
    ['sqrt', op.sqrt, true],
    ['exp', op.exp, false],
    ['log', op.log, true],
    ['tanh', op.tanh, false],
    ['erf', op.erf, false],
    ['sigmoid', op.sigmoid, false],
    ['relu', op.relu, false],
    ['abs', op.abs, false],
  ] as const) {
    it(name, () => checkGradients((g) => fn(g.parameter('x', [2, 5])), { positive: positive ? ['x'] : [] }));
  }
  it('gelu (erf form, hand-written gradient)', () => checkGradients((g) => op.gelu(op.mul(g.parameter('x', [3, 6]), 3))));
  it('dropout with a fed uniform tensor broadcast over a dim', () =>
    checkGradients((g) => op.dropout(g.parameter('x', [2, 3, 4]), 0.4, g.input('u', 'float32', [2, 1, 4])), {
      values: { u: [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.45, 0.95] },
      constant: ['u'],
    }));
});

describe('linear algebra', () => {
  it('matmul [B,T,K] × [K,N] (shared weight)', () => checkGradients((g) => op.matmul(g.parameter('a', [2, 3, 4]), g.parameter('b', [4, 5]))));
  it('batched matmul broadcasting [2,1,3,4] × [3,4,2]', () => checkGradients((g) => op.matmul(g.parameter('a', [2, 1, 3, 4]), g.parameter('b', [3, 4, 2]))));
  it('batched matmul [B,H,T,D] × [B,H,D,T]', () => checkGradients((g) => op.matmul(g.parameter('a', [2, 2, 3, 4]), g.parameter('b', [2, 2, 4, 3]))));
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`gemm transA=${transA} transB=${transB} with bias`, () =>
        checkGradients((g) => op.gemm(g.parameter('a', transA ? [4, 3] : [3, 4]), g.parameter('b', transB ? [5, 4] : [4, 5]), g.parameter('c', [5]), { transA, transB })));
    }
  }
  it('linear with HF weight [out,in] and bias on [B,T,in]', () =>
    checkGradients((g) => op.linear(g.parameter('x', [2, 3, 4]), g.parameter('w', [5, 4]), g.parameter('b', [5]))));
});

describe('shape ops', () => {
  it('reshape and transpose (attention heads)', () =>
    checkGradients((g) => op.transpose(op.reshape(g.parameter('x', [2, 3, 6]), [2, 3, 2, 3]), [0, 2, 1, 3])));
  it('reshape with symbolic dims and -1', () =>
    checkGradients((g) => {
      const x = g.input('x', 'float32', ['batch', 'seq', 4]);
      return op.reshape(op.reshape(x, [-1, 4]), ['batch', 'seq', 2, 2], x);
    }, { symbols: { batch: 2, seq: 3 } }));
  it('concat along the last axis', () => checkGradients((g) => op.concat([g.parameter('a', [2, 3]), g.parameter('b', [2, 2]), g.parameter('c', [2, 1])], -1)));
  it('slice with negative start and step 1', () => checkGradients((g) => op.slice(g.parameter('x', [3, 5]), [1, -3], [3, 100], { axes: [0, 1] })));
  it('slice of a symbolic axis (the [CLS] token)', () =>
    checkGradients((g) => op.slice(g.input('x', 'float32', ['batch', 'seq', 3]), [0], [1], { axes: [1] }), { symbols: { batch: 2, seq: 4 } }));
  it('slice to the end of a symbolic axis', () =>
    checkGradients((g) => op.slice(g.input('x', 'float32', ['batch', 'seq', 3]), [1], [2 ** 31 - 1], { axes: [1] }), { symbols: { batch: 2, seq: 4 } }));
  it('expand [3,1] to [2,3,4]', () => checkGradients((g) => op.expand(g.parameter('x', [3, 1]), [2, 3, 4])));
  it('unsqueeze and squeeze', () => checkGradients((g) => op.squeeze(op.unsqueeze(g.parameter('x', [2, 3]), [0, 2]), [0])));
  it('where with broadcasting condition and branches', () =>
    checkGradients((g) => op.where(op.greater(g.input('c', 'float32', [2, 1, 3]), 0), g.parameter('a', [2, 4, 3]), g.parameter('b', [3])), { constant: ['c'] }));
  it('cast of an int tensor feeds no gradient; float passes through', () =>
    checkGradients((g) => op.mul(op.cast(g.input('n', 'int64', [3]), 'float32'), g.parameter('x', [2, 3])), { values: { n: [1, 2, 3] } }));
});

describe('gather and scatter', () => {
  it('embedding lookup with duplicate indices sums their gradients (a small table: one-hot product)', () =>
    checkGradients((g) => op.gather(g.parameter('table', [5, 3]), g.input('ids', 'int64', [2, 3])), { values: { ids: [1, 1, 4, 0, 1, 1] } }));
  it('a small table gathered by int32 and negative ids (counted from the end)', () =>
    checkGradients((g) => op.gather(g.parameter('table', [2, 3]), g.input('ids', 'int32', [5])), { values: { ids: [0, -1, 1, -2, 1] } }));
  it('embedding lookup from a table of more than 16 rows (scatter) sums duplicates', () =>
    checkGradients((g) => op.gather(g.parameter('table', [20, 2]), g.input('ids', 'int64', [2, 3])), { values: { ids: [19, 3, 19, 0, 3, 7] } }));
  it('gather of rows of a symbolic-shaped activation', () =>
    checkGradients((g) => op.gather(op.reshape(g.input('h', 'float32', ['batch', 'seq', 2]), [-1, 2]), g.input('positions', 'int64', [3])), {
      symbols: { batch: 2, seq: 3 },
      values: { positions: [5, 0, 5] },
    }));
  it('gatherElements along the last axis', () =>
    checkGradients((g) => op.gatherElements(g.parameter('x', [2, 4]), g.input('i', 'int64', [2, 2]), -1), { values: { i: [3, 3, 0, 2] } }));
  it('scatterAdd into data with duplicate rows', () =>
    checkGradients((g) => op.scatterAdd(g.parameter('data', [4, 2]), g.input('i', 'int64', [3, 1]), g.parameter('u', [3, 2])), { values: { i: [2, 0, 2] } }));
});

describe('reductions and normalization', () => {
  it('reduceSum over middle axis keeping dims', () => checkGradients((g) => op.reduceSum(g.parameter('x', [2, 3, 4]), 1, { keepDims: true })));
  it('reduceMean over two axes', () => checkGradients((g) => op.reduceMean(g.parameter('x', [2, 3, 4]), [0, 2])));
  it('reduceMean over a symbolic axis (count read at run time)', () =>
    checkGradients((g) => op.reduceMean(g.input('x', 'float32', ['batch', 'seq', 3]), 1), { symbols: { batch: 2, seq: 3 } }));
  it('reduceMax', () => checkGradients((g) => op.reduceMax(g.parameter('x', [3, 4]), -1)));
  it('softmax along the last axis', () => checkGradients((g) => op.softmax(op.mul(g.parameter('x', [2, 3, 5]), 2))));
  it('logSoftmax', () => checkGradients((g) => op.logSoftmax(op.mul(g.parameter('x', [3, 5]), 2))));
  it('layerNorm (ONNX LayerNormalization, hand-written gradient)', () =>
    checkGradients((g) => op.layerNorm(g.parameter('x', [2, 3, 6]), g.parameter('gamma', [6]), g.parameter('beta', [6]), 1e-5)));
});

describe('losses', () => {
  it('crossEntropy with ignore index averages over the kept labels', () =>
    checkGradients((g) => op.crossEntropy(op.mul(g.parameter('logits', [2, 3, 5]), 2), g.input('labels', 'int64', [2, 3])), {
      values: { labels: [4, -100, 0, 2, 2, -100] },
    }));
  it('crossEntropy with every label ignored is 0 with zero gradient', () =>
    checkGradients((g) => op.crossEntropy(g.parameter('logits', [2, 4]), g.input('labels', 'int64', [2])), { values: { labels: [-100, -100] } }));
  it('crossEntropy with class weights (torch CrossEntropyLoss(weight=w)) and an ignored label', () =>
    checkGradients((g) => op.crossEntropy(op.mul(g.parameter('logits', [2, 3, 4]), 2), g.input('labels', 'int64', [2, 3]), { classWeights: [0.5, 2, 1.5, 0.25] }), {
      values: { labels: [3, -100, 0, 1, 2, 1] },
    }));
  it('crossEntropy of a linear layer (gradient through the layer) with an ignored label, over symbolic rows', () =>
    checkGradients((g) => op.crossEntropy(op.linear(op.mul(g.input('x', 'float32', ['n', 4]), 2), g.parameter('w', [6, 4]), g.parameter('b', [6])), g.input('labels', 'int64', ['n'])), {
      symbols: { n: 4 },
      values: { labels: [5, -100, 0, 5] },
    }));
  it('crossEntropy of a linear layer without bias, with class weights', () =>
    checkGradients((g) => op.crossEntropy(op.linear(g.parameter('x', [3, 4]), op.mul(g.parameter('w', [5, 4]), 2)), g.input('labels', 'int64', [3]), { classWeights: [0.5, 2, 1.5, 0.25, 1] }), {
      values: { labels: [1, 4, 1] },
    }));
  it('crossEntropy of a linear layer whose logits also feed another term', () =>
    checkGradients((g) => {
      const logits = op.linear(g.parameter('x', [3, 4]), g.parameter('w', [5, 4]), g.parameter('b', [5]));
      return op.add(op.crossEntropy(logits, g.input('labels', 'int64', [3])), op.reduceMean(op.mul(logits, logits)));
    }, { values: { labels: [2, 0, 4] } }));
  it('crossEntropy over a symbolic class axis (QA span logits [batch,seq])', () =>
    checkGradients((g) => op.crossEntropy(op.mul(g.input('logits', 'float32', ['batch', 'seq']), 2), g.input('starts', 'int64', ['batch'])), {
      symbols: { batch: 3, seq: 4 },
      values: { starts: [3, 0, -100] },
    }));
  it('mse', () => checkGradients((g) => op.mse(g.parameter('p', [2, 3]), g.parameter('t', [2, 3]))));
  it('cosentLoss: ties and reversed pairs, against the float64 reference and finite differences', () =>
    checkGradients((g) => op.cosentLoss(op.mul(g.parameter('s', [6]), 0.2), g.parameter('y', [6])), {
      values: { y: [0, 1, 1, 2, 3, 0.5] },
      constant: ['y'],
    }));
  it('cosentLoss: no ordered pair (all scores equal) is log 1 = 0', () =>
    checkGradients((g) => op.cosentLoss(g.parameter('s', [3]), g.parameter('y', [3])), { values: { y: [2, 2, 2] }, constant: ['y'] }));
  it('bceWithLogits, large logits included', () =>
    checkGradients((g) => op.bceWithLogits(op.mul(g.parameter('x', [2, 4]), 8), g.parameter('t', [2, 4])), { positive: ['t'] }));
});

describe('dropout mask', () => {
  it('keeps exactly the elements with u ≥ p, scaled by 1/(1−p), on 100k draws', async () => {
    const p = 0.1;
    const g = new Graph();
    const x = g.input('x', 'float32', [100_000]);
    g.output('y', op.dropout(x, p, g.input('u', 'float32', [100_000])));
    const next = random(3);
    const u = Float32Array.from({ length: 100_000 }, next);
    const ones = new Float32Array(100_000).fill(1);
    const session = await Session.create(g);
    const y = (await session.run({ x: { data: ones, dims: [100_000] }, u: { data: u, dims: [100_000] } })).y!.data as Float32Array;
    await session.dispose();
    const scale = Math.fround(1 / (1 - p));
    let kept = 0;
    for (let index = 0; index < u.length; index++) {
      const expected = u[index]! >= Math.fround(p) ? scale : 0;
      if (y[index] !== expected) throw new Error(`element ${index}: u=${u[index]} gives ${y[index]}, expected ${expected}`);
      if (expected !== 0) kept++;
    }
    if (Math.abs(kept / u.length - (1 - p)) > 0.005) throw new Error(`kept fraction ${kept / u.length}`);
  });
});

describe('grad with respect to an intermediate tensor (attributions)', () => {
  it('d Σ exp(h) / dh = exp(h) for h = 2x', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [4]);
    const h = op.mul(x, 2);
    const [dh] = grad(op.reduceSum(op.exp(h)), [h]);
    g.output('dh', dh!);
    const session = await Session.create(g);
    const xs = Float32Array.from([-1, 0, 0.5, 1.25]);
    const result = (await session.run({ x: { data: xs, dims: [4] } })).dh!.data as Float32Array;
    await session.dispose();
    xs.forEach((value, index) => {
      const expected = Math.exp(2 * value);
      if (Math.abs(result[index]! - expected) > 1e-5 * expected) throw new Error(`dh[${index}] = ${result[index]}, expected ${expected}`);
    });
  });
});
