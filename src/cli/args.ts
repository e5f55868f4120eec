// Parsers for the CLI's option values, and options several commands share (--dtype, the --max-length
// alias), one place for all commands. Each parser turns a flag's text into a
// value or throws commander's InvalidArgumentError, whose message commander prints after
// "error: option '--batch-size <n>' argument 'x' is invalid." — so bounds read as a person writes
// them ("must be a number > 0", "must be a number in [0, 1]"), never as [5e-324, Infinity].
import { type Command, InvalidArgumentError, Option } from 'commander';
import { INFERENCE_DTYPES } from '../compress/quantize-model.js';
import { SCHEDULER_KINDS, type SchedulerKind } from '../train/optim/schedules.js';

/** Integers ≥ `minimum`, written as plain digits ('1e3', '2.0' and '-1' are refused). */
export function integerAtLeast(minimum: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`must be an integer ≥ ${minimum}`);
    }
    return parsed;
  };
}

/** Where a number may lie: `min`/`max` include the bound, `above` excludes it; give at most one of `min` and `above`. */
export interface NumberBounds {
  min?: number;
  above?: number;
  max?: number;
}

/** Finite numbers within `bounds`: `number({ above: 0 })` refuses 0 with "must be a number > 0". */
export function number(bounds: NumberBounds): (value: string) => number {
  const { min = -Infinity, above = -Infinity, max = Infinity } = bounds;
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed <= above || parsed > max) {
      throw new InvalidArgumentError(`must be a number${describeBounds(bounds)}`);
    }
    return parsed;
  };
}

/** ' ≥ 0', ' > 0', ' ≤ 1', ' in [0, 1]', ' in (0, 1]', or '' without bounds. */
function describeBounds({ min, above, max }: NumberBounds): string {
  const low = min ?? above;
  if (low !== undefined && max !== undefined) return ` in ${min !== undefined ? '[' : '('}${low}, ${max}]`;
  if (low !== undefined) return ` ${min !== undefined ? '≥' : '>'} ${low}`;
  return max !== undefined ? ` ≤ ${max}` : '';
}

/** --dtype fp32|q8 (transformers.js's names), for every command that runs a model. */
export function dtypeOption(): Option {
  return new Option('--dtype <dtype>', "fp32, or q8: int8 encoder layers quantized as bertkit quantize does (the directory's quantization.json, else this CPU's default)")
    .choices([...INFERENCE_DTYPES]).default('fp32');
}

/** --lr-scheduler, for pretrain and the task-training commands (HF's names, with hyphens). */
export function lrSchedulerOption(defaultKind: SchedulerKind): Option {
  return new Option('--lr-scheduler <kind>', 'learning-rate schedule after warm-up (warmup-stable-decay: the peak held, then the last 20 % of updates cool down to 0 as 1 − √progress)')
    .choices(SCHEDULER_KINDS).default(defaultKind);
}

/**
 * `--max-length`, a hidden alias of `--max-seq-length`: the one name is transformers' training scripts'
 * (finetune, evaluate, predict, pretrain had it first); tokenizers call it max_length, so both are read.
 * `mergeMaxLengthAlias` (a preAction hook of the program) moves its value to maxSeqLength.
 */
export function maxLengthAlias(parse: (value: string) => number): Option {
  return new Option('--max-length <n>', 'the same as --max-seq-length').argParser(parse).hideHelp();
}

export function mergeMaxLengthAlias(command: Command): void {
  const { maxLength } = command.opts<{ maxLength?: number }>();
  if (maxLength === undefined) return;
  if (command.getOptionValueSource('maxSeqLength') === 'cli') command.error("error: give --max-seq-length or its alias --max-length, not both");
  command.setOptionValue('maxSeqLength', maxLength);
  command.setOptionValue('maxLength', undefined);
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size in bytes: '2000000', '2mb' (SI: 2,000,000, TEI's default payload limit), '512kib'. */
export function byteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = BYTE_UNITS[(match?.[2] || 'b').toLowerCase()];
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidArgumentError('must be a size ≥ 1 byte: a number of bytes, or with kb, mb, gb (×1000) or kib, mib, gib (×1024)');
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** A duration in seconds: '90' or '90s', '60m', '1.5h', '1h30m'. */
export function duration(value: string): number {
  const parts = /^\s*((?:\d+(?:\.\d+)?\s*[smh]?\s*)+)$/i.test(value) ? [...value.matchAll(/(\d+(?:\.\d+)?)\s*([smh]?)/gi)] : [];
  const seconds = parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * DURATION_UNITS[(unit || 's').toLowerCase()]!, 0);
  if (parts.length === 0 || !(seconds > 0)) throw new InvalidArgumentError("must be a duration > 0: seconds, or with a unit: '90s', '60m', '1.5h', '1h30m'");
  return seconds;
}
