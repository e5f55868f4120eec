// Parsers for the CLI's option values, one place for all commands. Each turns a flag's text into a
// value or throws commander's InvalidArgumentError, whose message commander prints after
// "error: option '--batch-size <n>' argument 'x' is invalid." — so bounds read as a person writes
// them ("must be a number > 0", "must be a number in [0, 1]"), never as [5e-324, Infinity].
import { InvalidArgumentError } from 'commander';

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
