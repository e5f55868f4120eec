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
