import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

/** The compiled module beside this compiled test, imported by a child process that reads its stdin. */
const UTF8_TEXT = new URL('../../src/io/utf8-text.js', import.meta.url).href;

test('readUtf8File("-") reads megabytes piped into a non-blocking stdin whole', () => {
  // Touching process.stdin makes fd 0 non-blocking, as the CLI's terminal check once did: readFileSync(0)
  // then failed with EAGAIN as soon as the child read faster than its parent wrote.
  const script = `process.stdin.isTTY; const { readUtf8File } = await import(${JSON.stringify(UTF8_TEXT)}); process.stdout.write(String(readUtf8File('-').length));`;
  const input = '{"text": "a cat sat on the mat"}\n'.repeat(200_000);
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, String(input.length));
});
