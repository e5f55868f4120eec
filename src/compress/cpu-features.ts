// Whether this CPU multiplies u8·s8 without saturating: x86 VNNI (vpdpbusd, AVX512-VNNI or AVX-VNNI)
// accumulates in int32; AVX2 without it goes through int16 pair sums that saturate (see
// quantize-weights.ts). Read from /proc/cpuinfo's flags on Linux; elsewhere unknown, treated as
// "no VNNI", whose reduce-range default is safe on every CPU.
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';

export interface CpuIntegerFeatures {
  /** The flags that decide it, as /proc/cpuinfo names them, when present. */
  readonly vnniFlags: readonly string[];
  readonly vnni: boolean;
  /** Where the answer came from. */
  readonly source: string;
}

const VNNI_FLAGS = ['avx512_vnni', 'avx_vnni'];

export function cpuIntegerFeatures(cpuinfoPath = '/proc/cpuinfo'): CpuIntegerFeatures {
  if (arch() !== 'x64') return { vnniFlags: [], vnni: false, source: `${arch()}: not x86-64, VNNI not checked` };
  let text: string;
  try {
    text = readFileSync(cpuinfoPath, 'utf8');
  } catch {
    return { vnniFlags: [], vnni: false, source: `${cpuinfoPath} unreadable: assumed without VNNI` };
  }
  const flags = new Set((/^flags\s*:(.*)$/m.exec(text)?.[1] ?? '').trim().split(/\s+/));
  const present = VNNI_FLAGS.filter((flag) => flags.has(flag));
  return { vnniFlags: present, vnni: present.length > 0, source: `${cpuinfoPath} flags: ${present.length > 0 ? present.join(', ') : `none of ${VNNI_FLAGS.join(', ')}`}` };
}
