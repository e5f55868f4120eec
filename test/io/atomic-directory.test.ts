import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeStaleTemporaries, writeDirectoryAtomic } from '../../src/io/atomic-directory.js';

const root = mkdtempSync(join(tmpdir(), 'bertkit-atomic-directory-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** Every entry under `dir` with its content ('/' for folders), hidden ones included. */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    entries[prefix + entry.name] = entry.isDirectory() ? '/' : readFileSync(path, 'utf8');
    if (entry.isDirectory()) Object.assign(entries, snapshot(path, `${prefix}${entry.name}/`));
  }
  return entries;
}

test("'files': a failure while writing leaves the directory as it was; success replaces only the staged files", () => {
  const dir = join(root, 'output');
  mkdirSync(join(dir, 'checkpoint-2'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), 'old config');
  writeFileSync(join(dir, 'model.safetensors'), 'old weights');
  writeFileSync(join(dir, 'log.jsonl'), 'log');
  const before = snapshot(dir);
  assert.throws(() => writeDirectoryAtomic(dir, (staging) => {
    writeFileSync(join(staging, 'model.safetensors'), 'new weights');
    throw new Error('ENOSPC: no space left on device');
  }, { replace: 'files', last: 'config.json' }), /ENOSPC/);
  assert.deepEqual(snapshot(dir), before);
  writeDirectoryAtomic(dir, (staging) => {
    writeFileSync(join(staging, 'model.safetensors'), 'new weights');
    writeFileSync(join(staging, 'config.json'), 'new config');
  }, { replace: 'files', last: 'config.json' });
  assert.deepEqual(snapshot(dir), { ...before, 'config.json': 'new config', 'model.safetensors': 'new weights' });
});

test("'directory': the target becomes the staged directory; a missing target appears whole, with nothing left beside it", () => {
  const parent = join(root, 'checkpoints');
  const dir = join(parent, 'checkpoint-3');
  writeDirectoryAtomic(dir, (staging) => writeFileSync(join(staging, 'a'), '1'), { replace: 'directory' });
  writeDirectoryAtomic(dir, (staging) => writeFileSync(join(staging, 'b'), '2'), { replace: 'directory' });
  assert.deepEqual(snapshot(parent), { 'checkpoint-3': '/', 'checkpoint-3/b': '2' });
  const fresh = join(root, 'fresh', 'model');
  writeDirectoryAtomic(fresh, (staging) => writeFileSync(join(staging, 'config.json'), '{}'), { replace: 'files', last: 'config.json' });
  assert.deepEqual(snapshot(join(root, 'fresh')), { model: '/', 'model/config.json': '{}' });
});

test('removeStaleTemporaries removes what dead processes left, puts back a directory moved aside, and keeps live ones', () => {
  const dir = join(root, 'stale');
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  mkdirSync(join(dir, `.checkpoint-3.${dead}.tmp`), { recursive: true });
  writeFileSync(join(dir, `.checkpoint-3.${dead}.tmp`, 'model.safetensors'), 'partial');
  writeFileSync(join(dir, `.model.safetensors.${dead}.1764680000000.tmp`), 'partial');
  mkdirSync(join(dir, `.staging.${dead}.tmp`));
  mkdirSync(join(dir, `.checkpoint-2.${dead}.old`));
  writeFileSync(join(dir, `.checkpoint-2.${dead}.old`, 'config.json'), 'previous');
  mkdirSync(join(dir, 'checkpoint-4'));
  mkdirSync(join(dir, `.checkpoint-4.${dead}.old`));
  writeFileSync(join(dir, `.log.jsonl.${process.pid}.1764680000000.tmp`), 'being written');
  writeFileSync(join(dir, '.gitignore'), '*');
  removeStaleTemporaries(dir);
  assert.deepEqual(snapshot(dir), {
    'checkpoint-2': '/', 'checkpoint-2/config.json': 'previous', 'checkpoint-4': '/',
    [`.log.jsonl.${process.pid}.1764680000000.tmp`]: 'being written', '.gitignore': '*',
  });
  assert.ok(!existsSync(join(dir, `.checkpoint-2.${dead}.old`)));
});
