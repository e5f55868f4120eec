import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParameterStore } from '../../../src/runtime/parameters.js';
import { Rng } from '../../../src/runtime/rng.js';
import { GradientAccumulator } from '../../../src/train/optim/accumulation.js';
import { clipFactor, globalNorm } from '../../../src/train/optim/clip.js';
import { type OptimizerConfig, type UpdateConfig, applyUpdate, checkUpdateConfig, createOptimizer } from '../../../src/train/optim/update.js';
import { learningRateAt } from '../../../src/train/optim/schedules.js';
import { allocateTensorGroups, setSimdEnabled, simdAvailable } from '../../../src/runtime/simd/index.js';
import { type ReferenceHyper, referenceAdamW, referenceGradients, referenceLamb, referenceTensors } from './reference-optimizers.js';

const SHAPES: [string, number[]][] = [
  ['encoder.layer.0.attention.self.query.weight', [16, 8]],
  ['encoder.layer.0.attention.self.query.bias', [16]],
  ['encoder.layer.0.output.LayerNorm.weight', [8]],
  ['classifier.weight', [3, 8]],
  // Larger than one 16384-element staging chunk, and sizes that are not whole f32x4 lanes.
  ['encoder.layer.0.intermediate.dense.weight', [131, 131]],
  ['pooler.dense.bias', [7]],
];

function initialParams(rng: Rng): Map<string, Float32Array> {
  return new Map(SHAPES.map(([name, shape]) => [name, rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b)), 0, 0.5)]));
}

/**
 * Runs `steps` updates of 3 micro-batches each through bertkit and the float64 replay; returns the worst |Δw|.
 * `inPlace`: parameters, gradients and moments live together in SIMD kernel memory, as TrainStep places them.
 */
function compare(
  optimizer: OptimizerConfig, maxGradNorm: number | undefined, steps: number, inPlace = false, learningRateScales?: Record<string, number>,
): { worst: number; clipped: number } {
  const rng = new Rng(2024);
  const initial = initialParams(rng);
  const store = new ParameterStore();
  const groups = allocateTensorGroups(SHAPES.map(([name]) => initial.get(name)!.length), 4);
  for (const [index, [name, shape]] of SHAPES.entries()) store.add(name, shape, inPlace ? groups[index]![0]!.fill(0) : initial.get(name)!.slice());
  if (inPlace) for (const [name] of SHAPES) store.get(name).set(initial.get(name)!);
  const gradientTargets = new Map(SHAPES.map(([name], index) => [name, groups[index]![1]!]));
  const momentsOf = new Map(SHAPES.map(([name], index) => [name, { m: groups[index]![2]!, v: groups[index]![3]! }]));
  const config: UpdateConfig = {
    optimizer, schedule: { kind: 'linear', peak: 0.05, warmupSteps: 2, totalSteps: 10 },
    ...(maxGradNorm === undefined ? {} : { maxGradNorm }), ...(learningRateScales ? { learningRateScales } : {}),
  };
  const ours = inPlace ? createOptimizer(optimizer, (name) => momentsOf.get(name)!) : createOptimizer(optimizer);
  const hyper: ReferenceHyper = {
    beta1: optimizer.beta1!, beta2: optimizer.beta2!, eps: optimizer.epsilon!, weightDecay: optimizer.weightDecay!,
    decays: (name) => !name.includes('bias') && !name.includes('LayerNorm'),
    lrScale: (name) => learningRateScales?.[name] ?? 1,
  };
  const reference = referenceTensors(initial);
  let clipped = 0;
  for (let step = 0; step < steps; step++) {
    const accumulator = inPlace ? new GradientAccumulator(gradientTargets) : new GradientAccumulator();
    const sums = new Map<string, Float32Array>();
    for (let micro = 0; micro < 3; micro++) {
      const grads = new Map(SHAPES.map(([name]) => [name, rng.fillNormal(new Float32Array(initial.get(name)!.length), 0.1, 1)]));
      for (const [name, g] of grads) {
        const sum = sums.get(name) ?? new Float32Array(g.length);
        g.forEach((x, i) => (sum[i] = Math.fround(sum[i]! + x)));
        sums.set(name, sum);
      }
      accumulator.add(new Map([...grads].map(([name, g]) => [name, g.slice()])));
    }
    const { sums: accumulated, count } = accumulator.take();
    const report = applyUpdate(config, ours, store, accumulated, count);
    if (report.clipFactor < 1) clipped++;
    const t = step + 1;
    const lr = learningRateAt(config.schedule, step);
    const grads = referenceGradients(sums, 3, maxGradNorm);
    (optimizer.kind === 'adamw' ? referenceAdamW : referenceLamb)(reference, grads, t, lr, hyper);
  }
  let worst = 0;
  for (const { name, w } of reference) store.get(name).forEach((x, i) => (worst = Math.max(worst, Math.abs(x - w[i]!))));
  return { worst, clipped };
}

for (const [simd, inPlace] of [[true, true], [true, false], [false, false]] as const) {
  test(`AdamW (${simd ? `SIMD kernel, ${inPlace ? 'in place' : 'staged'}` : 'plain JS'}) with decay groups, clipping, warmup and accumulation matches a float64 replay to 1e-6`, () => {
    setSimdEnabled(simd);
    try {
      const { worst, clipped } = compare({ kind: 'adamw', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 }, 4, 6, inPlace);
      assert.ok(clipped >= 4, `clipping was active in ${clipped} of 6 steps`);
      assert.ok(worst < 1e-6, `worst |Δw| = ${worst}`);
    } finally {
      setSimdEnabled(true);
    }
  });
}

test('the SIMD kernel is available on this Node (else every AdamW update runs ~3× slower)', () => {
  assert.ok(simdAvailable());
});

for (const [simd, inPlace] of [[true, true], [true, false], [false, false]] as const) {
  test(`LAMB (${simd ? `SIMD kernels, ${inPlace ? 'in place' : 'staged'}` : 'plain JS'}) with trust ratios, decay groups, clipping and warmup matches a float64 replay to 1e-6`, () => {
    setSimdEnabled(simd);
    try {
      const { worst, clipped } = compare({ kind: 'lamb', beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.1 }, 4, 6, inPlace);
      assert.ok(clipped >= 4, `clipping was active in ${clipped} of 6 steps`);
      assert.ok(worst < 1e-6, `worst |Δw| = ${worst}`);
    } finally {
      setSimdEnabled(true);
    }
  });
}

test('per-parameter learning-rate scales (layer-wise decay) match the float64 replay, and a scale of 0 freezes a tensor', () => {
  const scales = { 'encoder.layer.0.attention.self.query.weight': 0.5, 'encoder.layer.0.intermediate.dense.weight': 0.25, 'pooler.dense.bias': 0 };
  for (const kind of ['adamw', 'lamb'] as const) {
    const { worst } = compare({ kind, beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.1 }, 4, 4, true, scales);
    assert.ok(worst < 1e-6, `${kind}: worst |Δw| = ${worst}`);
  }
  // The replay itself must see the scales: without them it drifts away from the scaled update.
  const store = new ParameterStore();
  store.add('a', [2], Float32Array.from([1, 1]));
  store.add('b', [2], Float32Array.from([1, 1]));
  const grads = new Map([['a', Float32Array.from([1, 1])], ['b', Float32Array.from([1, 1])]]);
  const config: UpdateConfig = { optimizer: { kind: 'adamw', weightDecay: 0 }, schedule: { kind: 'constant', peak: 0.1, warmupSteps: 0 }, learningRateScales: { b: 0 } };
  applyUpdate(config, createOptimizer(config.optimizer), store, grads, 1);
  assert.ok(store.get('a')[0]! < 0.95, 'a moved');
  assert.deepEqual([...store.get('b')], [1, 1]);
  assert.throws(() => checkUpdateConfig({ ...config, learningRateScales: { b: -1 } }), /learningRateScales\['b'\] must be a finite number ≥ 0/);
});

test('without clipping the replays agree too (the clip factor is not silently always applied)', () => {
  assert.ok(compare({ kind: 'adamw', beta1: 0.8, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.01 }, undefined, 4).worst < 1e-6);
});

test('global norm and clip factor follow torch.nn.utils.clip_grad_norm_', () => {
  const a = Float32Array.from([3, 4]), b = Float32Array.from([12]);
  assert.equal(globalNorm([a, b]), 13);
  assert.equal(globalNorm([a, b], 0.5), 6.5);
  assert.equal(clipFactor(13, 26), 1);
  assert.equal(clipFactor(13, 1), 1 / (13 + 1e-6));
  assert.throws(() => clipFactor(Number.NaN, 1), /diverged/);
});

test('optimizer state round-trips and restores into a fresh optimizer', () => {
  const store = new ParameterStore();
  store.add('w', [4], Float32Array.from([1, 2, 3, 4]));
  const grads = new Map([['w', Float32Array.from([0.5, -0.5, 1, -1])]]);
  const first = createOptimizer({ kind: 'adamw' });
  first.update(store, grads, { learningRate: 0.1 });
  const saved = first.state();
  const copy = store.clone();
  first.update(store, grads, { learningRate: 0.1 });
  const second = createOptimizer({ kind: 'adamw' });
  second.restore(saved);
  second.update(copy, grads, { learningRate: 0.1 });
  assert.deepEqual(copy.get('w'), store.get('w'));
  assert.equal(second.step, 2);
  assert.throws(() => createOptimizer({ kind: 'lamb' }).restore(saved), /cannot restore a 'adamw'/);
  assert.throws(() => first.update(store, new Map(), { learningRate: 0.1 }), /no gradient for parameter 'w'/);
});
