// What the CLI says when something fails, and the small things a newcomer tries first: --version, a
// flag error (one line and a hint, not the whole usage text), `| head -1` (quiet), and operating-system
// errors said in words with the user's path instead of an internal temp file's.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { describeError, userPath } from '../../src/cli/messages.js';
import { bertkit } from '../helpers/cli.js';
import { skipWithoutShared } from '../helpers/shared.js';
import { FIXTURE, fixturePath } from '../model/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-messages-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('bertkit --version prints package.json\'s version', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const run = bertkit('--version');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), manifest.version);
});

test('a flag error is one line and a hint, not the whole usage text', () => {
  const run = bertkit('embed', '--model', dir, '--batch-size', '0');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /error: option '--batch-size <n>' argument '0' is invalid\. must be an integer ≥ 1/);
  assert.match(run.stderr, /add --help/);
  assert.doesNotMatch(run.stderr, /Usage:|Options:/);
  assert.ok(run.stderr.trim().split('\n').length <= 2, run.stderr);
});

test('`bertkit tokenize … | head -1` ends quietly when the reader closes the pipe', async () => {
  const vocab = join(dir, 'vocab.txt');
  writeFileSync(vocab, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'cat'].join('\n') + '\n');
  const entry = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));
  const child = spawn(process.execPath, [entry, 'tokenize', '--vocab', vocab], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // More output than a pipe buffers, so the CLI is still writing when the reader goes away.
  child.stdin.on('error', () => {}); // the CLI may exit before reading all of it
  child.stdin.end('{"text": "a cat"}\n'.repeat(200_000));
  child.stdout.once('data', () => child.stdout.destroy());
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  assert.equal(stderr, '');
  assert.equal(status, 0);
});

test('operating-system errors name the user\'s path, in words', () => {
  const errno = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: raw message, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, ...(path ? { path } : {}) });
  assert.equal(userPath('/out/model/.model.safetensors.8825.1733150000000.tmp'), '/out/model/model.safetensors');
  assert.equal(userPath('/out/.checkpoint-40.8825.tmp'), '/out/checkpoint-40');
  assert.equal(userPath('/out/model.safetensors'), '/out/model.safetensors');
  assert.equal(userPath('/out/model/.staging.8825.tmp/config.json'), '/out/model/config.json');
  assert.equal(userPath('/out/.model.8825.tmp/model.safetensors'), '/out/model/model.safetensors');
  assert.equal(describeError(errno('ENOSPC', 'write', '/out/.model.safetensors.8825.1733150000000.tmp')), '/out/model.safetensors: no space left on the device');
  assert.equal(describeError(errno('ENOSPC', 'write')), 'no space left on the device (while writing)');
  assert.equal(describeError(errno('EISDIR', 'read')), 'is a directory, not a file (while reading)');
  assert.equal(describeError(new Error('data.tsv:3: empty label')), 'data.tsv:3: empty label');
});

/** A read-only tmpfs at a fresh folder, or why there is none (mounting needs root, as in CI's container). */
function readOnlyMount(): { path: string; unmount: () => void } | string {
  const path = join(dir, 'read-only');
  mkdirSync(path);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', path], { encoding: 'utf8' });
  if (mounted.status !== 0) return `cannot mount a read-only file system here (${(mounted.stderr || mounted.error?.message || 'mount failed').trim()})`;
  return { path, unmount: () => spawnSync('umount', [path]) };
}

test('writing a model under a read-only file system says so, not "ENOENT … mkdir"', { skip: skipWithoutShared(FIXTURE, 'vocab.txt') }, (t) => {
  const mount = readOnlyMount();
  if (typeof mount === 'string') return t.skip(mount);
  try {
    const target = join(mount.path, 'runs', 'model');
    const run = bertkit('convert', '--model', fixturePath(), '--output', target);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, new RegExp(`cannot create ${target.replace(/[.\\/]/g, '\\$&')}: ${mount.path.replace(/[.\\/]/g, '\\$&')} is not writable \\(a read-only file system, or no permission\\)`));
    assert.doesNotMatch(run.stderr, /ENOENT|mkdir/);
  } finally {
    mount.unmount();
  }
});
