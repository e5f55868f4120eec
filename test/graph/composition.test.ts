import { describe, it } from 'node:test';
import type { Graph } from '../../src/graph/graph.js';
import * as op from '../../src/graph/ops.js';
import type { Tensor } from '../../src/graph/tensor.js';
import { checkGradients } from './gradcheck.js';

const HIDDEN = 4;
const HEADS = 2;
const HEAD_DIM = HIDDEN / HEADS;

/** A small post-LN BERT encoder layer with symbolic batch and sequence dims. */
function encoderLayer(g: Graph): Tensor {
  const x = g.input('x', 'float32', ['batch', 'seq', HIDDEN]);
  const mask = g.input('mask', 'float32', ['batch', 1, 1, 'seq']); // 0 keep, -1e4 masked
  const p = (name: string, shape: number[]): Tensor => g.parameter(name, shape);
  const heads = (t: Tensor): Tensor => op.transpose(op.reshape(t, ['batch', 'seq', HEADS, HEAD_DIM]), [0, 2, 1, 3]); // [batch,heads,seq,dim]
  const q = heads(op.linear(x, p('q.weight', [HIDDEN, HIDDEN]), p('q.bias', [HIDDEN])));
  const k = heads(op.linear(x, p('k.weight', [HIDDEN, HIDDEN]), p('k.bias', [HIDDEN])));
  const v = heads(op.linear(x, p('v.weight', [HIDDEN, HIDDEN]), p('v.bias', [HIDDEN])));
  const scores = op.add(op.mul(op.matmul(q, op.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(HEAD_DIM)), mask); // [batch,heads,seq,seq]
  const context = op.matmul(op.softmax(scores), v); // [batch,heads,seq,dim]
  const merged = op.reshape(op.transpose(context, [0, 2, 1, 3]), ['batch', 'seq', HIDDEN]);
  const attended = op.layerNorm(op.add(op.linear(merged, p('o.weight', [HIDDEN, HIDDEN]), p('o.bias', [HIDDEN])), x), p('ln1.weight', [HIDDEN]), p('ln1.bias', [HIDDEN]));
  const inner = op.gelu(op.linear(attended, p('up.weight', [2 * HIDDEN, HIDDEN]), p('up.bias', [2 * HIDDEN])));
  const out = op.add(op.linear(inner, p('down.weight', [HIDDEN, 2 * HIDDEN]), p('down.bias', [HIDDEN])), attended);
  return op.layerNorm(out, p('ln2.weight', [HIDDEN]), p('ln2.bias', [HIDDEN]));
}

describe('composition', () => {
  it('an encoder layer: every parameter and the input, with a padding mask', () =>
    checkGradients(encoderLayer, {
      symbols: { batch: 2, seq: 3 },
      values: { mask: [0, 0, 0, 0, 0, -1e4] },
      constant: ['mask'],
      rtol: 2e-3,
    }));

  it('MLM-style head: embeddings, gather of masked rows, cross-entropy with ignored labels', () =>
    checkGradients(
      (g) => {
        const ids = g.input('ids', 'int64', ['batch', 'seq']);
        const table = g.parameter('word', [6, 3]);
        const positions = g.parameter('position', [4, 3]);
        const h = op.add(op.gather(table, ids), op.gather(positions, op.arange(ids, 1))); // [batch,seq,3] + [seq,3]
        const rows = op.gather(op.reshape(h, [-1, 3]), g.input('masked', 'int64', [3])); // [3,3]
        const logits = op.matmul(rows, op.transpose(table)); // tied decoder [3,6]
        return op.crossEntropy(logits, g.input('labels', 'int64', [3]));
      },
      { symbols: { batch: 2, seq: 3 }, values: { ids: [1, 2, 2, 5, 0, 1], masked: [1, 4, 2], labels: [2, -100, 4] } },
    ));
});
