import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bertkit } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-pretrain-electra-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny BERT config and one masked batch ([MASK] = 4; every fifth token predicted). */
function files(): { config: string; batch: string } {
  const config = join(dir, 'config.json'), batch = join(dir, 'batch.json');
  writeFileSync(config, JSON.stringify({ model_type: 'bert', vocab_size: 50, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 16 }));
  const ids = [[2, 11, 12, 13, 14, 15, 16, 17, 18, 3], [2, 21, 22, 23, 24, 25, 26, 3, 0, 0]];
  const labels = ids.map((row) => row.map((id, t) => (t % 5 === 1 && id !== 0 ? id : -100)));
  const masked = ids.map((row, b) => row.map((id, t) => (labels[b]![t] === -100 ? id : 4)));
  writeFileSync(batch, JSON.stringify({
    input_ids: masked, token_type_ids: ids.map((row) => row.map(() => 0)), attention_mask: ids.map((row) => row.map((id) => (id === 0 ? 0 : 1))),
    mlm_labels: labels, nsp_labels: [0, 0],
  }));
  return { config, batch };
}

const trainerState = (checkpoint: string) => JSON.parse(readFileSync(join(checkpoint, 'bertkit_trainer_state.json'), 'utf8')) as { global_step: number; settings: Record<string, unknown>; identity: Record<string, unknown> };

test('pretrain --objective electra saves a plain BERT and its generator; the log has both losses', () => {
  const { config, batch } = files();
  const output = join(dir, 'electra');
  const run = bertkit('pretrain', '--config', config, '--batch', batch, '--objective', 'electra', '--generator-size', '0.5', '--max-steps', '3', '--save-steps', '3', '--output', output, '--threads', '1', '--quiet');
  assert.equal(run.status, 0, run.stderr);
  const saved = JSON.parse(readFileSync(join(output, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([saved.model_type, saved.architectures], ['bert', ['BertModel']]);
  const generator = JSON.parse(readFileSync(join(output, 'generator', 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([generator.model_type, generator.architectures, generator.hidden_size, generator.embedding_size], ['electra', ['ElectraForMaskedLM'], 16, 32]);
  const entries = readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
  assert.equal(entries.length, 3);
  assert.ok(entries.every((entry) => entry.generator_loss! > 0 && entry.discriminator_loss! > 0));
  // An objective left out is taken from the checkpoint; one given that differs is refused.
  const otherObjective = bertkit('pretrain', '--config', config, '--batch', batch, '--no-nsp', '--objective', 'mlm', '--max-steps', '6', '--resume', '--output', output);
  assert.match(otherObjective.stderr, /checkpoint-3 was trained with objective = "electra", this run asks for "mlm" \(--objective\)/);
  const refused = bertkit('pretrain', '--init', output, '--batch', batch, '--objective', 'electra', '--max-steps', '1', '--output', join(dir, 'refused'));
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /--objective electra trains a new discriminator and generator/);
});

test('pretrain --time-budget fixes the number of updates from measured step times, records it, and a resumed run keeps it', () => {
  const { config, batch } = files();
  const output = join(dir, 'budget');
  // A budget spent before the timing ends: the total becomes the update at which it was fixed (3 untimed + 10 timed).
  const run = bertkit('pretrain', '--config', config, '--batch', batch, '--time-budget', '0.000001', '--save-steps', '13', '--output', output, '--threads', '1', '--quiet');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /the time budget holds 13 updates/);
  const state = trainerState(join(output, 'checkpoint-13'));
  assert.equal(state.global_step, 13);
  assert.equal(state.settings.time_budget_total_steps, 13);
  assert.ok((state.settings.time_budget_used_s as number) > 0);
  assert.ok(existsSync(join(output, 'model.safetensors')));
  // Resumed with an ample budget and room for 50 updates, the run keeps the total it was given.
  const resumed = bertkit('pretrain', '--config', config, '--batch', batch, '--time-budget', '2h', '--max-steps', '50', '--resume', '--output', output, '--threads', '1', '--quiet');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /trained to step 13/);
  assert.match(bertkit('pretrain', '--config', config, '--batch', batch, '--time-budget', 'an hour', '--output', join(dir, 'bad')).stderr, /must be a duration > 0/);
  assert.match(bertkit('pretrain', '--config', config, '--batch', batch, '--output', join(dir, 'bad')).stderr, /--max-steps\) or a time budget \(--time-budget\)/);
});
