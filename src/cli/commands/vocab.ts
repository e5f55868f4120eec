import type { Command } from 'commander';

// PLACEHOLDER: owned by a helper, replaced with the real command.
export function registerVocab(program: Command): void {
  program.command('vocab').description('(not built yet)').action(() => {
    throw new Error('vocab: not built yet');
  });
}
