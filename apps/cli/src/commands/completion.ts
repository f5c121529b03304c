import type { Command } from 'commander';
import { action } from '../cli/command.js';
import { renderBash, renderFish, renderZsh, type CommandNode } from '../cli/completion-scripts.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError, printJson } from '../cli/output.js';

const SHELLS = { bash: renderBash, zsh: renderZsh, fish: renderFish } as const;

/** The command tree as commander holds it, for the completion scripts. */
export function toCommandNode(cmd: Command): CommandNode {
  return {
    name: cmd.name(),
    description: cmd.description(),
    flags: cmd.options.map((o) => o.long).filter((f): f is string => f !== undefined),
    children: cmd.commands.map(toCommandNode),
  };
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: bash, zsh or fish (scripts/install.sh installs them)')
    .argument('<shell>', 'bash, zsh or fish')
    .option('--json', 'print the command tree as JSON instead')
    .action(
      action(async (shell: string, opts: { json?: boolean }) => {
        const render = SHELLS[shell as keyof typeof SHELLS] as ((t: CommandNode) => string) | undefined;
        if (!render)
          throw new CliError(`No completion for "${shell}"`, EXIT.userError, 'Use bash, zsh or fish');
        const tree = toCommandNode(program);
        if (opts.json) return printJson(tree);
        process.stdout.write(render(tree));
        return Promise.resolve();
      }),
    );
}
