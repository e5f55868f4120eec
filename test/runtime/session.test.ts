import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import * as op from '../../src/graph/ops.js';
import { Session } from '../../src/runtime/session.js';

function affineGraph(): Graph {
  const g = new Graph();
  const x = g.input('x', 'float32', ['batch', 3]);
  const ids = g.input('ids', 'int64', ['batch']);
  const w = g.parameter('w', [2, 3]);
  g.output('y', op.linear(x, w));
  g.output('picked', op.gather(g.constant([10, 20, 30], [3]), ids));
  return g;
}

const x = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [2, 3] };
const ids = { data: BigInt64Array.from([2n, 0n]), dims: [2] };
const w = { data: Float32Array.from([1, 0, -1, 0.5, 0.5, 0.5]), dims: [2, 3] };

describe('Session', () => {
  it('runs a Graph and returns host tensors matching a JS computation', async () => {
    const session = await Session.create(affineGraph(), { threads: 1 });
    assert.deepEqual([...session.inputNames].sort(), ['ids', 'w', 'x']);
    assert.deepEqual([...session.outputNames], ['y', 'picked']);
    const result = await session.run({ x, ids, w });
    assert.deepEqual(result.y!.dims, [2, 2]);
    // y[b,o] = Σ_i x[b,i]·w[o,i]
    assert.deepEqual(Array.from(result.y!.data as Float32Array), [1 - 3, 3, 4 - 6, 7.5]);
    assert.deepEqual(Array.from(result.picked!.data as Float32Array), [30, 10]);
    const only = await session.run({ x, ids, w }, ['picked']);
    assert.deepEqual(Object.keys(only), ['picked']);
    await session.dispose();
  });

  it('takes spinWait: false (ORT accepts its allow_spinning entry) and computes the same', async () => {
    const session = await Session.create(affineGraph(), { threads: 2, spinWait: false });
    const result = await session.run({ x, ids, w });
    assert.deepEqual(Array.from(result.y!.data as Float32Array), [1 - 3, 3, 4 - 6, 7.5]);
    await session.dispose();
  });

  it('names the input and the expected and given shapes for bad feeds', async () => {
    const session = await Session.create(affineGraph());
    await assert.rejects(session.run({ x, ids }), { message: 'Session.run: missing feed "w" (float32[2,3])' });
    await assert.rejects(session.run({ x, ids, w: { data: new Float32Array(6), dims: [3, 2] } }), {
      message: 'Session.run: feed "w": axis 0 must be 2: expected float32[2,3], given float32[3,2]',
    });
    await assert.rejects(session.run({ x, ids: { data: Int32Array.from([1, 2]), dims: [2] }, w }), /feed "ids": wrong dtype: expected int64\[batch\], given int32\[2\]/);
    await assert.rejects(session.run({ x: { data: new Float32Array(6), dims: [6] }, ids, w }), /feed "x": wrong rank: expected float32\[batch,3\], given float32\[6\]/);
    await assert.rejects(session.run({ x, ids: { data: BigInt64Array.from([1n, 2n, 0n]), dims: [3] }, w }), /feed "ids": 'batch' is 2 in feed "x" but 3 here/);
    await assert.rejects(session.run({ x: { data: new Float32Array(5), dims: [2, 3] }, ids, w }), /feed "x": dims hold 6 elements but data has 5/);
    await assert.rejects(session.run({ x, ids, w, z: x }), /"z" is not an input of the model \(inputs: /);
    await assert.rejects(session.run({ x, ids, w }, ['nope']), /"nope" is not an output of the model/);
    await session.dispose();
  });

  it('checks feeds of a model given as ONNX bytes against its declared inputs', async () => {
    const session = await Session.create(toOnnx(affineGraph()));
    const result = await session.run({ x, ids, w });
    assert.deepEqual(Array.from(result.picked!.data as Float32Array), [30, 10]);
    await assert.rejects(session.run({ x, ids }), /missing feed "w" \(float32\[2,3\]\)/);
    await assert.rejects(session.run({ x, ids, w: { data: new Float32Array(4), dims: [2, 2] } }), /feed "w": axis 1 must be 3/);
    await session.dispose();
  });

  it('reports run-time failures inside the model with their cause', async () => {
    const g = new Graph();
    const ids = g.input('ids', 'int64', [2]);
    g.output('rows', op.gather(g.constant([1, 2, 3, 4, 5, 6], [3, 2]), ids));
    const session = await Session.create(g);
    await assert.rejects(session.run({ ids: { data: BigInt64Array.from([0n, 7n]), dims: [2] } }), /^Error: Session.run: ONNX Runtime failed: /);
    await session.dispose();
  });

  it('reports an ONNX model that ORT rejects', async () => {
    await assert.rejects(Session.create(new Uint8Array([1, 2, 3, 4])), /^Error: Session.create: ONNX Runtime rejected the model: /);
  });
});
