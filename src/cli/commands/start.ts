import type { Command } from 'commander';

// PLACEHOLDER: owned by a helper, replaced with the real command.
export function registerStart(program: Command): void {
  program.command('start').description('(not built yet)').action(() => {
    throw new Error('start: not built yet');
  });
}
