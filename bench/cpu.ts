// The CPU a benchmark ran on, for every row it produced: the same suite gave bertkit 8.1 seq/s on a
// Zen 4 machine and 11.0 on a Zen 5 one (and moved the PyTorch ratios with it), so a number without its
// CPU cannot be compared with another. Read from /proc/cpuinfo (Linux); elsewhere os.cpus()'s model name.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface CpuInfo {
  /** The model name, e.g. 'AMD EPYC 9B45'. */
  model: string;
  vendor?: string;
  /** x86 family and model numbers (cpuid), which name the microarchitecture where the model name does not. */
  family?: number;
  modelNumber?: number;
  /** 'Zen 4', 'Zen 5', … where the family and model say it (AMD); undefined otherwise. */
  microarchitecture?: string;
  /** The vector extensions that decide MatMul speed: avx2, avx512f, avx512_bf16, avx512_vnni, amx_tile. */
  features: string[];
}

const FEATURES = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile'];

export function cpuInfo(cpuinfo: string | undefined = readProcCpuinfo()): CpuInfo {
  const fallback = os.cpus()[0]?.model.trim() ?? 'unknown';
  if (cpuinfo === undefined) return { model: fallback, features: [] };
  const first = cpuinfo.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim();
  const family = field('cpu family') === undefined ? undefined : Number(field('cpu family'));
  const modelNumber = field('model') === undefined ? undefined : Number(field('model'));
  const vendor = field('vendor_id');
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const microarchitecture = vendor === 'AuthenticAMD' && family !== undefined && modelNumber !== undefined ? amdMicroarchitecture(family, modelNumber) : undefined;
  return {
    model: field('model name') ?? fallback,
    ...(vendor === undefined ? {} : { vendor }),
    ...(family === undefined || Number.isNaN(family) ? {} : { family }),
    ...(modelNumber === undefined || Number.isNaN(modelNumber) ? {} : { modelNumber }),
    ...(microarchitecture === undefined ? {} : { microarchitecture }),
    features: FEATURES.filter((name) => flags.has(name)),
  };
}

/** One line for a table or a row: 'AMD EPYC 9B45 (family 26 model 0x02, Zen 5; avx2 avx512f …)'. */
export function describeCpu(cpu: CpuInfo): string {
  const numbers = cpu.family === undefined ? '' : `family ${cpu.family} model 0x${(cpu.modelNumber ?? 0).toString(16).padStart(2, '0')}`;
  const kind = [numbers, cpu.microarchitecture].filter((part) => part !== undefined && part !== '').join(', ');
  const features = cpu.features.length > 0 ? `; ${cpu.features.join(' ')}` : '';
  return kind === '' && features === '' ? cpu.model : `${cpu.model} (${kind}${features})`;
}

/** AMD's Zen generations by cpuid family and model (AMD's processor programming references). */
function amdMicroarchitecture(family: number, model: number): string | undefined {
  if (family === 0x17) return model < 0x30 ? 'Zen/Zen+' : 'Zen 2';
  if (family === 0x19) return (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0xaf) ? 'Zen 4' : 'Zen 3';
  if (family === 0x1a) return 'Zen 5';
  return undefined;
}

function readProcCpuinfo(): string | undefined {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}
