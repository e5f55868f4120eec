import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { grad } from '../../src/graph/autodiff.js';
import { Graph } from '../../src/graph/graph.js';
import { toOnnx } from '../../src/graph/onnx.js';
import * as op from '../../src/graph/ops.js';
import { Session } from '../../src/runtime/session.js';

const { onnx } = onnxProto;

function layer(): { graph: Graph; gamma: Float32Array; beta: Float32Array } {
  const graph = new Graph();
  const x = graph.input('x', 'float32', ['batch', 'seq', 4]);
  const gamma = graph.parameter('ln.weight', [4]);
  const beta = graph.parameter('ln.bias', [4]);
  graph.output('y', op.layerNorm(x, gamma, beta, 1));
  return { graph, gamma: Float32Array.from([1, 2, 3, 4]), beta: Float32Array.from([0, 0.5, 0, -0.5]) };
}

describe('toOnnx', () => {
  it('emits opset 18, symbolic dims as dim_param and float attributes as FLOAT even when integral', () => {
    const model = onnx.ModelProto.decode(toOnnx(layer().graph));
    assert.equal(Number(model.opsetImport[0]!.version), 18);
    const dims = model.graph!.input![0]!.type!.tensorType!.shape!.dim!;
    assert.deepEqual(dims.map((dim) => dim.dimParam || Number(dim.dimValue)), ['batch', 'seq', 4]);
    const norm = model.graph!.node!.find((node) => node.opType === 'LayerNormalization')!;
    const epsilon = norm.attribute!.find((attribute) => attribute.name === 'epsilon')!;
    assert.equal(epsilon.type, onnx.AttributeProto.AttributeType.FLOAT);
    assert.equal(epsilon.f, 1);
  });

  it('inference export: parameters become initializers and give the same result', async () => {
    const { graph, gamma, beta } = layer();
    const x = { data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), dims: [2, 3, 4] };
    const training = await Session.create(graph);
    const expected = await training.run({ x, 'ln.weight': { data: gamma, dims: [4] }, 'ln.bias': { data: beta, dims: [4] } });
    const bytes = toOnnx(graph, { initializers: new Map([['ln.weight', gamma], ['ln.bias', beta]]) });
    const model = onnx.ModelProto.decode(bytes);
    assert.deepEqual(model.graph!.initializer!.map((tensor) => tensor.name).sort(), ['ln.bias', 'ln.weight']);
    const inference = await Session.create(bytes);
    assert.deepEqual([...inference.inputNames], ['x']);
    const actual = await inference.run({ x });
    assert.deepEqual(Array.from(actual.y!.data as Float32Array), Array.from(expected.y!.data as Float32Array));
    assert.throws(() => toOnnx(graph, { initializers: new Map([['nope', gamma]]) }), /initializer "nope" is not a parameter/);
    assert.throws(() => toOnnx(graph, { initializers: new Map([['ln.bias', new Float32Array(3)]]) }), /"ln.bias" has 3 values, parameter shape \[4\] needs 4/);
  });

  it('leaves out nodes no output needs', () => {
    const graph = new Graph();
    const a = graph.parameter('a', [3]);
    const loss = op.reduceSum(op.mul(op.exp(a), a));
    grad(loss, [a]);
    graph.output('loss', loss);
    const model = onnx.ModelProto.decode(toOnnx(graph));
    assert.deepEqual(model.graph!.node!.map((node) => node.opType), ['Exp', 'Mul', 'ReduceSum', 'Identity']);
  });

  it('lets ORT fuse GELU and residual+LayerNorm when exporting BERT\'s FFN block for inference', async () => {
    const graph = new Graph();
    const x = graph.input('x', 'float32', ['batch', 'seq', 8]);
    const inner = op.gelu(op.linear(x, graph.parameter('up.w', [16, 8]), graph.parameter('up.b', [16])));
    const out = op.add(op.linear(inner, graph.parameter('down.w', [8, 16]), graph.parameter('down.b', [8])), x);
    graph.output('y', op.layerNorm(out, graph.parameter('ln.w', [8]), graph.parameter('ln.b', [8])));
    const weights = new Map(graph.parameters.map((p) => [p.name, new Float32Array((p.shape as number[]).reduce((a, b) => a * b, 1))] as const));
    const dir = mkdtempSync(join(tmpdir(), 'bertkit-fusion-'));
    try {
      const optimized = join(dir, 'optimized.onnx');
      await ort.InferenceSession.create(toOnnx(graph, { initializers: weights }), { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized, logSeverityLevel: 3 });
      const ops = onnx.ModelProto.decode(readFileSync(optimized)).graph!.node!.map((node) => node.opType);
      assert.ok(ops.includes('Gelu') && ops.includes('SkipLayerNormalization'), ops.join(' '));
      assert.ok(!ops.includes('Erf') && !ops.includes('LayerNormalization'), ops.join(' '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('emits ORT contrib ops with their domain and opset import', async () => {
    const graph = new Graph();
    const x = graph.input('x', 'float32', [5]);
    const [fused] = graph.addNode('Gelu', [x], [{ dtype: 'float32', shape: [5] }], {}, 'com.microsoft');
    graph.output('fused', fused!);
    graph.output('composed', op.gelu(x));
    const bytes = toOnnx(graph);
    const imports = onnx.ModelProto.decode(bytes).opsetImport!.map((entry) => `${entry.domain}:${Number(entry.version)}`);
    assert.deepEqual(imports, [':18', 'com.microsoft:1']);
    const session = await Session.create(bytes);
    const data = Float32Array.from([-2, -0.5, 0, 0.7, 3]);
    const result = await session.run({ x: { data, dims: [5] } });
    const fusedValues = result.fused!.data as Float32Array;
    (result.composed!.data as Float32Array).forEach((value, index) => assert.ok(Math.abs(value - fusedValues[index]!) < 1e-6));
    assert.throws(() => grad(op.reduceSum(fused!), [x]), /grad: no gradient rule for com.microsoft.Gelu/);
  });
});
