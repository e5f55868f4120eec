import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readFully } from '../../src/io/read-fully.js';

test('readFully returns the bytes at a position and names the file and byte where a short file ends', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-read-fully-'));
  const path = join(dir, 'ten.bin');
  writeFileSync(path, Uint8Array.from({ length: 10 }, (_, i) => 100 + i));
  const fd = openSync(path, 'r');
  try {
    const middle = new Uint8Array(6);
    readFully(fd, middle, 2, path);
    assert.deepEqual([...middle], [102, 103, 104, 105, 106, 107]);
    assert.throws(() => readFully(fd, new Uint8Array(10), 5, path), new RegExp(`${path}: file ends early, at byte 10, 5 bytes short`));
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
