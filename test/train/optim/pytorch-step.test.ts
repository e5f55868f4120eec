import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../../src/io/safetensors.js';
import { ParameterStore } from '../../../src/runtime/parameters.js';
import { applyUpdate, createOptimizer } from '../../../src/train/optim/update.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

const FIXTURE = 'fixtures/bert-tiny-uncased';

// The fixture holds PyTorch's gradients of one BertForPreTraining step and the parameters after
// clip_grad_norm_(1.0) + torch AdamW (lr 1e-3, eps 1e-6, wd 0.01 except bias/LayerNorm).
test('clipping + AdamW reproduce the PyTorch step of the bert-tiny fixture', { skip: skipWithoutShared(FIXTURE, 'pretraining_step_params_after.safetensors') }, () => {
  const before = readSafetensors(sharedPath(FIXTURE, 'model.safetensors')).tensors;
  const grads = readSafetensors(sharedPath(FIXTURE, 'pretraining_step_grads.safetensors')).tensors;
  const after = readSafetensors(sharedPath(FIXTURE, 'pretraining_step_params_after.safetensors')).tensors;
  const facts = JSON.parse(readFileSync(sharedPath(FIXTURE, 'pretraining_step.json'), 'utf8')) as { grad_global_norm_before_clip: number };

  const store = new ParameterStore();
  const gradients = new Map<string, Float32Array>();
  for (const [name, tensor] of grads) {
    const initial = before.get(name);
    assert.ok(initial, `fixture parameter ${name} is in model.safetensors`);
    store.add(name, initial.shape, (initial.data as Float32Array).slice());
    gradients.set(name, tensor.data as Float32Array);
  }
  const optimizer = createOptimizer({ kind: 'adamw', beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01 });
  const report = applyUpdate({ optimizer: { kind: 'adamw' }, schedule: { kind: 'constant', peak: 1e-3 }, maxGradNorm: 1 }, optimizer, store, gradients, 1);
  // The fixture reports the norm as torch computed it in float32; ours accumulates in float64.
  assert.ok(Math.abs(report.gradNorm / facts.grad_global_norm_before_clip - 1) < 1e-4, `grad norm ${report.gradNorm} vs ${facts.grad_global_norm_before_clip}`);
  assert.ok(report.clipFactor < 1);
  let worst = 0, moved = 0;
  for (const [name, tensor] of after) {
    const want = tensor.data as Float32Array;
    const got = store.get(name);
    const original = before.get(name)!.data as Float32Array;
    want.forEach((w, i) => {
      worst = Math.max(worst, Math.abs(w - got[i]!));
      if (w !== original[i]) moved++;
    });
  }
  assert.ok(moved > 100_000, `the step moved ${moved} values`);
  assert.ok(worst < 1e-6, `worst |Δparam| ${worst}`);
});
