// The PyTorch peers run without this machine's OpenBLAS overrides, and only they do, with passive OpenMP threads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOpenblas, peerEnvironment } from '../../bench/peer-process.js';

test('peerEnvironment drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, sets OMP_WAIT_POLICY=PASSIVE, keeps the rest, and leaves this process\'s environment alone', () => {
  const mine = { PATH: '/usr/bin', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1048576', OPENBLAS_NUM_THREADS: '2', OMP_WAIT_POLICY: 'ACTIVE' };
  assert.deepEqual(peerEnvironment(mine), { PATH: '/usr/bin', OPENBLAS_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' });
  assert.equal(mine.OPENBLAS_CORETYPE, 'Haswell');
  assert.equal(mine.OMP_WAIT_POLICY, 'ACTIVE');
  assert.equal(describeOpenblas({ core: 'Zen', config: 'OpenBLAS 0.3.21 DYNAMIC_ARCH', library: '/usr/lib/libopenblas.so.0' }), 'OpenBLAS core Zen (OpenBLAS 0.3.21 DYNAMIC_ARCH)');
  assert.equal(describeOpenblas(null), 'no OpenBLAS loaded');
});
