// The `bertkit` CLI as a user runs it, for the tests: the compiled entry point spawned in a fresh Node.
// It is the CLI of the build this helper was compiled into (dist/, or any other --outDir), so a test
// always exercises the code compiled beside it.
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** `<outDir>/src/cli/bin.js`, what `bin/bertkit.js` runs for the dist/ build. */
const CLI_ENTRY = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));

/** Room for the largest output a test reads back (spawnSync's default of 1 MiB cuts long JSONL short). */
const MAX_OUTPUT_BYTES = 1 << 28;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to the CLI's stdin, for commands that read `-` or standard input. */
  input?: string | Buffer;
}

/** Runs `bertkit ARGS…` to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): CliRun {
  const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { input: options.input, encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `bertkit(...args)` reads like the command line it runs. */
export function bertkit(...args: string[]): CliRun {
  return runCli(args);
}

/**
 * Starts `bertkit ARGS…` without waiting, for tests that signal a running command; stderr is piped.
 * Pass the test's `signal` so that a cancelled or timed-out test kills the command instead of leaving it running.
 */
export function startCli(args: readonly string[], signal: AbortSignal): ChildProcessByStdio<null, null, Readable> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  // Not spawn's own `signal` option: its abort emits an 'error' event that crashes the whole test file.
  signal.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
  return child;
}

/** [step, loss] of each update in a training run's OUTPUT/log.jsonl. */
export function trainLosses(output: string): [number, number][] {
  return readFileSync(join(output, 'log.jsonl'), 'utf8').trim().split('\n')
    .map((line) => JSON.parse(line) as { kind: string; step: number; loss: number }).filter((e) => e.kind === 'train').map((e) => [e.step, e.loss]);
}

/** Starts a training command writing into `output`, sends SIGINT after its second logged update, and returns its exit code and stderr. */
export async function interruptAfterSecondUpdate(args: readonly string[], output: string, signal: AbortSignal): Promise<{ code: number | null; stderr: string }> {
  const child = startCli(args, signal);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  while (!existsSync(join(output, 'log.jsonl')) || readFileSync(join(output, 'log.jsonl'), 'utf8').split('\n').length < 3) {
    if (child.exitCode !== null) throw new Error(`${args[0]} exited (${child.exitCode}) before its second update:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGINT');
  return { code: await exited, stderr };
}
