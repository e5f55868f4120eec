import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLineChunks, readTextLines } from '../../src/io/text-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-lines-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(path: string, chunkBytes?: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readTextLines(path, { chunkBytes })) lines.push(line);
  return lines;
}

test('lines as String.split gives them: BOM dropped, \\r\\n and \\n ends, no final empty line, last line unterminated', async () => {
  const path = join(dir, 'a.txt');
  writeFileSync(path, '\ufeffone\r\ntwo\n\nthree');
  assert.deepEqual(await collect(path), ['one', 'two', '', 'three']);
  writeFileSync(path, 'one\n');
  assert.deepEqual(await collect(path), ['one']);
});

test('tiny reads never cut a multi-byte character, and line numbers run on across chunks', async () => {
  const text = Array.from({ length: 50 }, (_, i) => `ligne ${i} — 日本語 😀 été`).join('\n') + '\n';
  const path = join(dir, 'b.txt');
  writeFileSync(path, text);
  assert.deepEqual(await collect(path, 7), text.split('\n').slice(0, -1));
  let expectedFirst = 1;
  for await (const chunk of readLineChunks(path, { chunkBytes: 64 })) {
    assert.equal(chunk.firstLineNumber, expectedFirst);
    expectedFirst += chunk.lines.length;
  }
  assert.equal(expectedFirst, 51);
});

test('.gz files are decompressed; bytesRead counts the file on disk', async () => {
  const path = join(dir, 'c.txt.gz');
  const compressed = gzipSync(Buffer.from('alpha\nbeta\n'));
  writeFileSync(path, compressed);
  const chunks = [];
  for await (const chunk of readLineChunks(path)) chunks.push(chunk);
  assert.deepEqual(chunks.flatMap((c) => c.lines), ['alpha', 'beta']);
  assert.equal(chunks.at(-1)!.bytesRead, compressed.length);
  writeFileSync(join(dir, 'd.txt.gz'), 'not gzip');
  await assert.rejects(collect(join(dir, 'd.txt.gz')), /d\.txt\.gz: not a valid gzip file/);
});

test('invalid UTF-8 names the file and line; a missing file is named', async () => {
  const path = join(dir, 'e.txt');
  const lines = Array.from({ length: 1000 }, (_, i) => Buffer.from(`line ${i}\n`));
  lines[736] = Buffer.from([0x61, 0xe2, 0x82, 0x0a]); // a truncated 3-byte sequence
  writeFileSync(path, Buffer.concat(lines));
  await assert.rejects(collect(path, 1000), new RegExp(`e\\.txt:737: invalid UTF-8`));
  writeFileSync(path, Buffer.from([0x61, 0x0a, 0xff]));
  await assert.rejects(collect(path), /e\.txt:2: invalid UTF-8/);
  await assert.rejects(collect(join(dir, 'missing.txt')), /missing\.txt: no such file/);
});
