// `bertkit serve` as a user runs it: it reports its address, answers, and on SIGTERM or SIGINT
// finishes the requests in flight and exits 0; a directory it cannot serve fails at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bertkit } from '../helpers/cli.js';
import { startServe } from '../helpers/serve-process.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';

const skip = skipWithoutShared(FIXTURE, 'model.safetensors');

const serveFixture = (signal: AbortSignal, ...flags: string[]) => startServe(['--model', fixturePath(), '--threads', '1', ...flags], signal);

for (const signalName of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signalName}: the requests in flight are answered, then the server stops and exits 0`, { skip }, async (t) => {
    // One text per model run, so that the six requests take many runs.
    const { url, stderr, stop } = await serveFixture(t.signal, '--max-batch-tokens', '128');
    const texts = Array.from({ length: 32 }, (_, i) => `text ${i} `.repeat(40));
    const inFlight = Array.from({ length: 6 }, () => fetch(`${url}/embed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: texts, truncate: true }) }));
    // The signal goes once every request has reached the server (answered or in flight), some still in flight.
    let inFlightAtSignal = 0;
    for (;;) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const answered = Number(/^te_request_count\{route="\/embed"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
      inFlightAtSignal = Number(/^bertkit_requests_in_flight (\d+)/m.exec(metrics)?.[1] ?? 0);
      if (answered + inFlightAtSignal >= 6) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(inFlightAtSignal > 0, 'precondition: requests are in flight when the signal comes');
    const exited = stop(signalName);
    const answers = await Promise.all(inFlight);
    assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200, 200, 200, 200]);
    for (const answer of answers) assert.equal(((await answer.json()) as unknown[]).length, 32);
    assert.equal(await exited, 0, stderr());
    assert.match(stderr(), new RegExp(`${signalName}: finishing the requests in flight[\\s\\S]*stopped`));
    await assert.rejects(fetch(`${url}/health`), 'no longer listening');
  });
}

test('serve: a directory without a model fails with a message naming it', { skip }, () => {
  const run = bertkit('serve', '--model', fixturePath('no-such-dir'), '--port', '0');
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /no-such-dir/);
});

test('serve: flags are checked before anything starts', () => {
  const run = bertkit('serve', '--model', '.', '--payload-limit', 'lots');
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /--payload-limit.*must be a size/);
});

test('--max-batch-requests: /info reports it, and no batch holds more inputs than that', { skip }, async (t) => {
  const { url, stop } = await serveFixture(t.signal, '--max-batch-requests', '2');
  const info = (await (await fetch(`${url}/info`)).json()) as { max_batch_requests: number | null };
  assert.equal(info.max_batch_requests, 2);
  const texts = Array.from({ length: 8 }, (_, i) => `sentence number ${i}`);
  const answer = await fetch(`${url}/embed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: texts }) });
  assert.equal(((await answer.json()) as unknown[]).length, 8);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(metrics)?.[1]);
  assert.equal(value(/^te_batch_next_size_sum (\d+)/m), 8, 'every input ran once');
  assert.ok(value(/^te_batch_next_size_count (\d+)/m) >= 4, '8 inputs need at least 4 batches of 2');
  assert.equal(value(/^te_batch_next_size_bucket\{le="2"\} (\d+)/m), value(/^te_batch_next_size_count (\d+)/m), 'no batch above 2');
  assert.equal(await stop('SIGTERM'), 0);
});
