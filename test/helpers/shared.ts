import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The project's shared data folder (../shared from the repository root, or $BERTKIT_SHARED).
 * Tests that need it call `sharedPath(...)` and skip with `skipWithoutShared` when it is absent,
 * so `npm test` passes on a user's fresh clone.
 */
export const SHARED_DIR = resolve(process.env.BERTKIT_SHARED ?? resolve(process.cwd(), '..', 'shared'));

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED_DIR, ...parts);
}

/** A `skip` option for node:test: false when the file exists, else the reason the test is skipped. */
export function skipWithoutShared(...parts: string[]): string | false {
  const path = sharedPath(...parts);
  return existsSync(path) ? false : `needs ${path} (the project's shared data), which is absent`;
}
