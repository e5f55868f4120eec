// `bertkit serve` in a child process on a free loopback port, for the CLI tests and the serve
// benchmark: started through cli.ts's startCli (the CLI of this build), ready once it says so.
import type { ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { startCli } from './cli.js';

export interface ServeProcess {
  readonly child: ChildProcessByStdio<null, null, Readable>;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `bertkit serve --port 0 FLAGS…`; the process is killed when `abort` aborts. */
export async function startServe(flags: readonly string[], abort: AbortSignal): Promise<ServeProcess> {
  const child = startCli(['serve', '--port', '0', ...flags], abort);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const ready = /ready on (http:\/\/\S+)/.exec(stderr);
      if (ready) resolve(ready[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bertkit serve exited (${code}) before it was ready: ${stderr}`)));
  });
  return {
    child,
    url,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      const exited = once(child, 'exit');
      child.kill(signal);
      return (await exited)[0] as number | null;
    },
  };
}
