// The PyTorch peers run without this machine's OpenBLAS overrides, and only they do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOpenblas, peerEnvironment } from '../../bench/peer-process.js';

test('peerEnvironment drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, keeps the rest, and leaves this process\'s environment alone', () => {
  const mine = { PATH: '/usr/bin', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1048576', OPENBLAS_NUM_THREADS: '2' };
  assert.deepEqual(peerEnvironment(mine), { PATH: '/usr/bin', OPENBLAS_NUM_THREADS: '2' });
  assert.equal(mine.OPENBLAS_CORETYPE, 'Haswell');
  assert.equal(describeOpenblas({ core: 'Zen', config: 'OpenBLAS 0.3.21 DYNAMIC_ARCH', library: '/usr/lib/libopenblas.so.0' }), 'OpenBLAS core Zen (OpenBLAS 0.3.21 DYNAMIC_ARCH)');
  assert.equal(describeOpenblas(null), 'no OpenBLAS loaded');
});
