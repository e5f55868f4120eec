// Executable entry point, also spawned directly by the CLI tests (bin/bertkit.js imports it).
import { main } from './main.js';

main(process.argv).catch((error: unknown) => {
  console.error(`bertkit: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
