import type { Command } from 'commander';

// PLACEHOLDER: owned by a helper, replaced with the real command.
export function registerTokenize(program: Command): void {
  program.command('tokenize').description('(not built yet)').action(() => {
    throw new Error('tokenize: not built yet');
  });
}
