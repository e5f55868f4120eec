// A sharded checkpoint's index is untrusted input: the shard names in its weight_map must not reach
// files outside the model directory, nor block on a FIFO, and errors must not show what they read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { readCheckpointTensors } from '../../src/model/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'bertkit-sharded-index-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** A model directory whose index maps tensor `a` to `shard`. */
function indexedDir(name: string, shard: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: { a: shard } }));
  return dir;
}

const secret = join(root, 'secret.txt');
writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');

test('shard names that leave the model directory are refused, and the error shows nothing of the file', () => {
  const refusals: [string, string, RegExp][] = [
    ['relative', '../../../../../../../../..' + secret, /"[^"]+" must be a file name inside the model directory/],
    ['absolute', secret, /must be a file name inside the model directory \(not absolute, no '\.\.'\)/],
  ];
  const linked = indexedDir('link', 'model-00001-of-00001.safetensors');
  symlinkSync(secret, join(linked, 'model-00001-of-00001.safetensors'));
  for (const [what, shard, pattern] of refusals) {
    assert.throws(() => readCheckpointTensors(indexedDir(what, shard)), (error: Error) => pattern.test(error.message) && !error.message.includes('root:'), what);
  }
  assert.throws(() => readCheckpointTensors(linked), (error: Error) => /model-00001-of-00001\.safetensors is a link that leads outside the model directory/.test(error.message) && !error.message.includes('root'));
});

test('links inside the directory load, and so does the Hugging Face cache layout (snapshots/REV/FILE → ../../blobs/HASH)', () => {
  const cache = join(root, 'models--org--bert');
  mkdirSync(join(cache, 'blobs'), { recursive: true });
  writeSafetensors(join(cache, 'blobs', '0123abcd'), new Map([['a', { shape: [2], data: Float32Array.of(1, 2) }]]));
  const snapshot = join(cache, 'snapshots', 'rev1');
  mkdirSync(snapshot, { recursive: true });
  symlinkSync('../../blobs/0123abcd', join(snapshot, 'model-00001-of-00001.safetensors'));
  writeFileSync(join(snapshot, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'model-00001-of-00001.safetensors' } }));
  assert.deepEqual([...readCheckpointTensors(snapshot).tensors.get('a')!.data], [1, 2]);
});

test('a FIFO named as a shard is refused instead of blocking the loader', { skip: process.platform === 'win32' ? 'no FIFOs' : false }, () => {
  const dir = indexedDir('fifo', 'model-00001-of-00001.safetensors');
  const made = spawnSync('mkfifo', [join(dir, 'model-00001-of-00001.safetensors')]);
  if (made.status !== 0) return; // mkfifo unavailable
  // In a child process: opening a FIFO blocks the whole thread, which no test timeout could interrupt.
  const loader = new URL('../../src/model/checkpoint.js', import.meta.url).href;
  const script = `import { readCheckpointTensors } from ${JSON.stringify(loader)};\ntry { readCheckpointTensors(${JSON.stringify(dir)}); } catch (error) { console.log(error.message); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.signal, null, 'the loader blocked on the FIFO');
  assert.match(child.stdout, /model-00001-of-00001\.safetensors is not a regular file/);
});
