// DynamicBatcher with a model run the test controls: which inputs share a run, in what order,
// under the padded-token budget, and what happens to inputs whose client went away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamicBatcher, type Work } from '../../../src/serve/http/batcher.js';

/** A work whose runs wait until the test releases them; records each run's inputs. */
function heldWork(key: string): Work<string, string> & { runs: string[][]; release(): void } {
  const runs: string[][] = [];
  const releases: (() => void)[] = [];
  return {
    key,
    runs,
    release: () => { for (const release of releases.splice(0)) release(); },
    run: (inputs) => {
      runs.push([...inputs]);
      if (inputs.includes('bad')) return Promise.reject(new Error('bad input'));
      return new Promise((resolve) => releases.push(() => resolve(inputs.map((input) => input.toUpperCase()))));
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const signal = (): AbortSignal => new AbortController().signal;

test('greedy batches: the oldest input, then later ones of its kind while rows × longest ≤ the budget', async () => {
  const observed: number[] = [];
  const batcher = new DynamicBatcher(12, (batch) => observed.push(batch.paddedTokens));
  const embed = heldWork('embed'), other = heldWork('other');
  const first = batcher.submit(embed, [{ input: 'a', tokens: 3 }], signal());
  await tick();
  assert.deepEqual(embed.runs, [['a']], 'an idle batcher runs the first input at once');
  // While 'a' runs: b, c (4 tokens: 3 rows × 4 = 12 fits), x of another kind, d (a 4th row would make 16).
  const second = batcher.submit(embed, [{ input: 'b', tokens: 2 }, { input: 'c', tokens: 4 }], signal());
  const third = batcher.submit(other, [{ input: 'x', tokens: 1 }], signal());
  const fourth = batcher.submit(embed, [{ input: 'd', tokens: 2 }, { input: 'e', tokens: 2 }], signal());
  assert.equal(batcher.queued, 5);
  embed.release();
  await tick();
  assert.deepEqual(embed.runs[1], ['b', 'c', 'd'], 'same kind, arrival order, up to 3 × 4 = 12 padded tokens');
  embed.release();
  await tick();
  assert.deepEqual(other.runs, [['x']], 'the other kind waits only behind the batch taken before it');
  other.release();
  await tick();
  assert.deepEqual(embed.runs[2], ['e']);
  embed.release();
  assert.deepEqual(await first, ['A']);
  assert.deepEqual(await second, ['B', 'C']);
  assert.deepEqual(await third, ['X']);
  assert.deepEqual(await fourth, ['D', 'E']);
  assert.deepEqual(observed, [3, 12, 1, 2]);
  await batcher.idle();
});

test('a client that goes away: its waiting inputs leave the queue, its promise rejects, others are unaffected', async () => {
  const batcher = new DynamicBatcher(100);
  const work = heldWork('embed');
  const running = batcher.submit(work, [{ input: 'a', tokens: 1 }], signal());
  await tick();
  const client = new AbortController();
  const gone = batcher.submit(work, [{ input: 'b', tokens: 1 }, { input: 'c', tokens: 1 }], client.signal);
  const staying = batcher.submit(work, [{ input: 'd', tokens: 1 }], signal());
  client.abort(new Error('went away'));
  await assert.rejects(gone, /went away/);
  assert.equal(batcher.queued, 1);
  work.release();
  await tick();
  assert.deepEqual(work.runs, [['a'], ['d']], 'b and c never ran');
  work.release();
  assert.deepEqual(await running, ['A']);
  assert.deepEqual(await staying, ['D']);
});

test('a failing batch is retried input by input: only the bad input fails', async () => {
  const batcher = new DynamicBatcher(100);
  const work = heldWork('embed');
  const blocker = batcher.submit(work, [{ input: 'a', tokens: 1 }], signal());
  await tick();
  const good = batcher.submit(work, [{ input: 'b', tokens: 1 }], signal());
  const bad = batcher.submit(work, [{ input: 'bad', tokens: 1 }], signal());
  work.release();
  await tick();
  assert.deepEqual(work.runs, [['a'], ['b', 'bad'], ['b']], 'the failed pair is retried one input at a time');
  work.release();
  await assert.rejects(bad, /bad input/);
  assert.deepEqual(await blocker, ['A']);
  assert.deepEqual(await good, ['B']);
  assert.deepEqual(work.runs, [['a'], ['b', 'bad'], ['b'], ['bad']]);
});

test('an input longer than the whole budget is refused, not queued forever', () => {
  const batcher = new DynamicBatcher(8);
  assert.throws(() => batcher.submit(heldWork('embed'), [{ input: 'a', tokens: 9 }], signal()), /9 tokens exceeds max batch tokens 8/);
  assert.equal(batcher.queued, 0);
});

test('max batch requests: at most that many inputs per batch, the rest in the next, in arrival order', async () => {
  const observed: number[] = [];
  const batcher = new DynamicBatcher(1000, (batch) => observed.push(batch.size), 2);
  const work = heldWork('embed');
  const first = batcher.submit(work, [{ input: 'a', tokens: 1 }], signal());
  await tick();
  // While 'a' runs, five short inputs wait: the token budget would take them all, the row cap takes two.
  const rest = batcher.submit(work, ['b', 'c', 'd', 'e', 'f'].map((input) => ({ input, tokens: 1 })), signal());
  for (let batch = 0; batch < 4; batch++) {
    work.release();
    await tick();
  }
  assert.deepEqual(work.runs, [['a'], ['b', 'c'], ['d', 'e'], ['f']]);
  assert.deepEqual(await first, ['A']);
  assert.deepEqual(await rest, ['B', 'C', 'D', 'E', 'F']);
  assert.deepEqual(observed, [1, 2, 2, 1]);
});
