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

/** Ends every skip message of `skipWithoutShared`, so that `npm test`'s reporter can count those skips. */
const ABSENT_SHARED_DATA = "(the project's shared data), which is absent";

/** A `skip` option for node:test: false when the file exists, else the reason the test is skipped. */
export function skipWithoutShared(...parts: string[]): string | false {
  const path = sharedPath(...parts);
  return existsSync(path) ? false : `needs ${path} ${ABSENT_SHARED_DATA}`;
}

/** Whether a test's reported `skip` (a reason, true, or undefined) is a `skipWithoutShared` message. */
export function isSkippedForSharedData(skip: string | boolean | undefined): boolean {
  return typeof skip === 'string' && skip.endsWith(ABSENT_SHARED_DATA);
}
