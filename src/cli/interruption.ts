// Ctrl-C (SIGINT) and SIGTERM (what `docker stop`, systemd and CI runners send) stop a training
// command the same way: after the current update, with a checkpoint where --save-steps asks for one.
// After the first signal the handlers are gone, so a second one ends the process at once (the
// default action). A stopped command exits 128 + the signal's number (130 for SIGINT, 143 for
// SIGTERM), as a shell reports a killed process, so that `pretrain && finetune` does not go on
// with an unfinished model.
import { constants } from 'node:os';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Runs `body` with SIGINT and SIGTERM turned into an abort of its signal; `announce` is the line printed then. */
export async function stoppableBySignals<T>(announce: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    received = signal;
    for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
    process.stderr.write(`\n${announce}\n`);
    abort.abort();
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  try {
    return await body(abort.signal);
  } finally {
    for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
    if (received !== undefined) process.exitCode = 128 + constants.signals[received];
  }
}
