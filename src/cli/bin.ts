// Executable entry point, also spawned directly by the CLI tests (bin/bertkit.js imports it).
import { main } from './main.js';
import { describeError } from './messages.js';

// `bertkit predict … | head -1`: the reader has what it wanted; end quietly instead of "write EPIPE".
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv).catch((error: unknown) => {
  console.error(`bertkit: ${describeError(error)}`);
  process.exitCode = 1;
});
