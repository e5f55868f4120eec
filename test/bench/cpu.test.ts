// The CPU every benchmark row records, read from /proc/cpuinfo text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuInfo, describeCpu } from '../../bench/cpu.js';

const ZEN5 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC 9B45
flags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni avx512_bf16

processor\t: 1
vendor_id\t: AuthenticAMD
`;

test('cpuInfo reads the model, family and model numbers, the Zen generation and the vector extensions', () => {
  const cpu = cpuInfo(ZEN5);
  assert.deepEqual(cpu, { model: 'AMD EPYC 9B45', vendor: 'AuthenticAMD', family: 26, modelNumber: 2, microarchitecture: 'Zen 5', features: ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16'] });
  assert.equal(describeCpu(cpu), 'AMD EPYC 9B45 (family 26 model 0x02, Zen 5; avx2 fma avx512f avx512_vnni avx512_bf16)');
  assert.equal(cpuInfo(ZEN5.replace('cpu family\t: 26', 'cpu family\t: 25').replace('model\t\t: 2', 'model\t\t: 17')).microarchitecture, 'Zen 4');
  assert.equal(cpuInfo(ZEN5.replace('cpu family\t: 26', 'cpu family\t: 25')).microarchitecture, 'Zen 3');
  assert.equal(cpuInfo(ZEN5.replace(/AuthenticAMD/g, 'GenuineIntel').replace('26', '6')).microarchitecture, undefined);
});
