import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type StartProgress, trackProgress } from '../../src/recipes/progress.js';

/** A display that records what it was told. */
function recorder(): { start: StartProgress; events: string[] } {
  const events: string[] = [];
  return {
    events,
    start: (task) => {
      events.push(`start ${task.label} ${task.total} ${task.unit}`);
      return { update: (done) => events.push(`update ${done}`), setTotal: (total) => events.push(`total ${total}`), stop: () => events.push('stop') };
    },
  };
}

test('trackProgress starts the display at the first report, with its total, and stops it when the call ends', async () => {
  const { start, events } = recorder();
  const result = await trackProgress(start, { label: 'tokenising', unit: 'bytes' }, async (onProgress) => {
    onProgress(10, 30);
    onProgress(30, 30);
    return 'done';
  });
  assert.equal(result, 'done');
  assert.deepEqual(events, ['start tokenising 30 bytes', 'update 10', 'update 30', 'stop']);
});

test('trackProgress stops the display when the call fails, and shows nothing for a call that never reports', async () => {
  const { start, events } = recorder();
  await assert.rejects(trackProgress(start, { label: 'x', unit: 'steps' }, async (onProgress) => {
    onProgress(1, 2);
    throw new Error('disk full');
  }), /disk full/);
  assert.deepEqual(events, ['start x 2 steps', 'update 1', 'stop']);
  const quiet = recorder();
  await trackProgress(quiet.start, { label: 'y', unit: 'steps' }, async () => 0);
  assert.deepEqual(quiet.events, []);
});
