import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainingLog, type TrainLogEntry } from '../../../src/train/engine/training-log.js';

function trainEntry(step: number): TrainLogEntry {
  return { kind: 'train', step, loss: 10 - step, learning_rate: 1e-4, grad_norm: 1, examples_per_second: 1, tokens_per_second: 100, elapsed_s: step };
}

test('a torn last line (crash mid-append) is skipped and truncateAfter rewrites the file cleanly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-training-log-'));
  try {
    const log = new TrainingLog(join(dir, 'log.jsonl'));
    for (let step = 1; step <= 3; step++) log.append(trainEntry(step));
    const torn = JSON.stringify(trainEntry(4));
    appendFileSync(log.path, torn.slice(0, torn.length >> 1));
    assert.deepEqual(log.read(), [trainEntry(1), trainEntry(2), trainEntry(3)]);
    log.truncateAfter(2);
    assert.equal(readFileSync(log.path, 'utf8'), `${JSON.stringify(trainEntry(1))}\n${JSON.stringify(trainEntry(2))}\n`);
    log.append(trainEntry(3));
    assert.deepEqual(log.read(), [trainEntry(1), trainEntry(2), trainEntry(3)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken line in the middle still fails, naming the file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-training-log-'));
  try {
    const log = new TrainingLog(join(dir, 'log.jsonl'));
    log.append(trainEntry(1));
    appendFileSync(log.path, '{"kind": "train", "st\n');
    log.append(trainEntry(2));
    assert.throws(() => log.read(), new RegExp(`log\\.jsonl:2:22: invalid JSON: unexpected end of JSON`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
