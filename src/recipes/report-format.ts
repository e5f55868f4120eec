// Numbers and paths as the recipes print them in their account of a run.
import { relative } from 'node:path';

/** 12,345: counts with thousands separators. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** 73.3%: a share with one decimal. */
export function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

/** A path relative to the working directory, as a user would type it. */
export function shownPath(path: string): string {
  return relative(process.cwd(), path) || '.';
}
