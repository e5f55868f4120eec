// The sentence-embedding losses: mean pooling over real tokens, the cosine of each pair's two rows,
// CoSENT over the pairs, and SimCSE's in-batch contrastive loss; against closed forms computed on the
// host in float64, and their gradients against finite differences of the float64 reference interpreter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { contrastiveLoss, similarityLoss } from '../../src/model/similarity.js';
import { Session } from '../../src/runtime/session.js';
import { cosent } from '../../src/train/finetune-evaluate.js';
import { checkGradients, random } from '../graph/gradcheck.js';

// 3 pairs: rows 0–2 are the first texts, rows 3–5 the second; seq 4, width 5; padding at the ends.
const PAIRS = 3, ROWS = 2 * PAIRS, SEQ = 4, WIDTH = 5;
const MASK = [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1];
const SCORES = [1, 3, 2];

function meanOfRow(hidden: Float32Array, row: number): number[] {
  const mean = new Array<number>(WIDTH).fill(0);
  let count = 0;
  for (let t = 0; t < SEQ; t++) {
    if (MASK[row * SEQ + t] === 0) continue;
    count++;
    for (let i = 0; i < WIDTH; i++) mean[i]! += hidden[(row * SEQ + t) * WIDTH + i]!;
  }
  return mean.map((value) => value / count);
}

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((sum, v, i) => sum + v * b[i]!, 0);
  return dot / Math.sqrt(a.reduce((sum, v) => sum + v * v, 0) * b.reduce((sum, v) => sum + v * v, 0));
}

describe('similarityLoss', () => {
  it('is CoSENT of the cosines of mean-pooled pair rows (padding left out)', async () => {
    const graph = new Graph();
    const hidden = graph.input('hidden', 'float32', ['rows', SEQ, WIDTH]);
    const mask = graph.input('attention_mask', 'int64', ['rows', SEQ]);
    const { loss } = similarityLoss(hidden, mask);
    graph.output('loss', loss);
    const next = random(3);
    const values = Float32Array.from({ length: ROWS * SEQ * WIDTH }, () => 2 * next() - 1);
    // Padding positions hold large values: they must not move the means.
    MASK.forEach((m, position) => {
      if (m === 0) for (let i = 0; i < WIDTH; i++) values[position * WIDTH + i] = 100;
    });
    const session = await Session.create(graph, { threads: 1 });
    const out = await session.run({
      hidden: { data: values, dims: [ROWS, SEQ, WIDTH] },
      attention_mask: { data: BigInt64Array.from(MASK, BigInt), dims: [ROWS, SEQ] },
      labels: { data: Float32Array.from(SCORES), dims: [PAIRS] },
    });
    await session.dispose();
    const s = Array.from({ length: PAIRS }, (_, pair) => cosine(meanOfRow(values, pair), meanOfRow(values, PAIRS + pair)));
    // Scores 1 < 3, 1 < 2, 2 < 3: the pairs (0, 1), (0, 2), (2, 1) are ordered.
    const expected = Math.log(1 + Math.exp(20 * (s[0]! - s[1]!)) + Math.exp(20 * (s[0]! - s[2]!)) + Math.exp(20 * (s[2]! - s[1]!)));
    const got = (out.loss!.data as Float32Array)[0]!;
    assert.ok(Math.abs(got - expected) <= 1e-4 * Math.max(1, expected), `loss ${got} vs ${expected}`);
    // The evaluation's float64 CoSENT agrees.
    assert.ok(Math.abs(cosent(s, SCORES) - expected) < 1e-9);
  });

  it('has the gradient of its float64 reference', () =>
    checkGradients((g) => similarityLoss(g.parameter('hidden', [ROWS, SEQ, WIDTH]), g.input('attention_mask', 'int64', [ROWS, SEQ])).loss, {
      values: { attention_mask: MASK, labels: SCORES },
      constant: ['labels'],
      symbols: { pairs: PAIRS },
    }));
});

describe('contrastiveLoss', () => {
  const TEMPERATURE = 0.5;

  /** The loss in float64 from its definition: cosines of the two halves' mean-pooled rows, cross-entropy towards each row's partner, both ways. */
  function reference(hidden: Float32Array): number {
    const rows = Array.from({ length: ROWS }, (_, row) => meanOfRow(hidden, row));
    const scores = (i: number, j: number): number => cosine(rows[i]!, rows[PAIRS + j]!) / TEMPERATURE;
    let total = 0;
    for (let i = 0; i < PAIRS; i++) {
      const byRow = Array.from({ length: PAIRS }, (_, j) => scores(i, j));
      const byColumn = Array.from({ length: PAIRS }, (_, j) => scores(j, i));
      const logSumExp = (values: number[]): number => Math.log(values.reduce((sum, v) => sum + Math.exp(v), 0));
      total += (logSumExp(byRow) - scores(i, i)) + (logSumExp(byColumn) - scores(i, i));
    }
    return total / (2 * PAIRS);
  }

  async function lossOf(values: Float32Array): Promise<number> {
    const graph = new Graph();
    const hidden = graph.input('hidden', 'float32', ['rows', SEQ, WIDTH]);
    graph.output('loss', contrastiveLoss(hidden, graph.input('attention_mask', 'int64', ['rows', SEQ]), TEMPERATURE));
    const session = await Session.create(graph, { threads: 1 });
    const out = await session.run({ hidden: { data: values, dims: [ROWS, SEQ, WIDTH] }, attention_mask: { data: BigInt64Array.from(MASK, BigInt), dims: [ROWS, SEQ] } });
    await session.dispose();
    return (out.loss!.data as Float32Array)[0]!;
  }

  it('is the cross-entropy of each view picking its partner among the other half, both ways (padding left out)', async () => {
    const next = random(5);
    const values = Float32Array.from({ length: ROWS * SEQ * WIDTH }, () => 2 * next() - 1);
    MASK.forEach((m, position) => {
      if (m === 0) for (let i = 0; i < WIDTH; i++) values[position * WIDTH + i] = 100;
    });
    const got = await lossOf(values);
    const expected = reference(values);
    assert.ok(Math.abs(got - expected) <= 1e-5 * Math.max(1, expected), `loss ${got} vs ${expected}`);
    // Two identical views, orthogonal to the other texts.
    const matched = Float32Array.from(values);
    for (let pair = 0; pair < PAIRS; pair++) {
      for (let t = 0; t < SEQ; t++) for (let i = 0; i < WIDTH; i++) matched[((PAIRS + pair) * SEQ + t) * WIDTH + i] = i === pair ? 1 : 0;
      for (let t = 0; t < SEQ; t++) for (let i = 0; i < WIDTH; i++) matched[(pair * SEQ + t) * WIDTH + i] = i === pair ? 1 : 0;
    }
    // Cosine 1 with the partner, 0 with the others: −log(e^(1/τ) / (e^(1/τ) + pairs − 1)) each way.
    const aligned = Math.log(Math.exp(1 / TEMPERATURE) + PAIRS - 1) - 1 / TEMPERATURE;
    assert.ok(Math.abs((await lossOf(matched)) - aligned) < 1e-5, 'aligned views');
  });

  it('has the gradient of its float64 reference', () =>
    checkGradients((g) => contrastiveLoss(g.parameter('hidden', [ROWS, SEQ, WIDTH]), g.input('attention_mask', 'int64', [ROWS, SEQ]), TEMPERATURE), {
      values: { attention_mask: MASK },
    }));

  it('refuses a temperature that is not positive', () => {
    const graph = new Graph();
    assert.throws(() => contrastiveLoss(graph.input('h', 'float32', [ROWS, SEQ, WIDTH]), graph.input('m', 'int64', [ROWS, SEQ]), 0), /temperature must be positive, got 0/);
  });
});
