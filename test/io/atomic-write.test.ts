import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commitTemporaryFile, temporaryPathFor, writeFileAtomic } from '../../src/io/atomic-write.js';

test('writeFileAtomic replaces the content, and a failed rename leaves no temporary file behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-atomic-write-'));
  try {
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'old');
    writeFileAtomic(file, [Buffer.from('ne'), Buffer.from('w')]);
    assert.equal(readFileSync(file, 'utf8'), 'new');
    const occupied = join(dir, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'inside'), 'x');
    assert.throws(() => writeFileAtomic(occupied, Buffer.from('data')), { code: /EISDIR|ENOTEMPTY|EEXIST|EPERM/ });
    assert.deepEqual(readdirSync(dir).sort(), ['file.txt', 'occupied']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('commitTemporaryFile renames a written temporary file over the target, or removes it when it cannot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-atomic-write-'));
  try {
    const file = join(dir, 'out.txt');
    const temp = temporaryPathFor(file);
    writeFileSync(temp, 'streamed');
    commitTemporaryFile(temp, file);
    assert.equal(readFileSync(file, 'utf8'), 'streamed');
    const occupied = join(dir, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'inside'), 'x');
    const second = temporaryPathFor(occupied);
    writeFileSync(second, 'data');
    assert.throws(() => commitTemporaryFile(second, occupied));
    assert.deepEqual(readdirSync(dir).sort(), ['occupied', 'out.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
