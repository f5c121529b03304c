import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Help, type Command } from 'commander';
import { createProgram } from './program.js';

const program = createProgram({ env: {}, isRoot: false });

function everyCommand(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(everyCommand)];
}

const pathOf = (cmd: Command): string => {
  const words: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) words.unshift(c.name());
  return words.join(' ');
};

test('help states each default once: in the description, or as commander prints it', () => {
  const help = new Help();
  const twice: string[] = [];
  for (const cmd of everyCommand(program)) {
    for (const option of cmd.options) {
      const text = help.optionDescription(option);
      if ((text.match(/\(default\b/gi) ?? []).length > 1)
        twice.push(`${pathOf(cmd)} ${option.flags}: ${text}`);
    }
  }
  assert.deepEqual(twice, []);
});

test('every command that submits a change takes --idempotency-key', () => {
  const submitting = ['deploy', 'rollback', 'scale', 'env set', 'env unset', 'secrets set', 'secrets unset'];
  for (const path of submitting) {
    const cmd = everyCommand(program).find((c) => pathOf(c) === `berth ${path}`);
    assert.ok(cmd, path);
    assert.ok(
      cmd.options.some((o) => o.long === '--idempotency-key'),
      `${path} has no --idempotency-key`,
    );
  }
});

test('every client command has --json', () => {
  const missing = everyCommand(program)
    .filter((c) => c.commands.length === 0 && !['berth up', 'berth completion'].includes(pathOf(c)))
    .filter((c) => !c.options.some((o) => o.long === '--json'))
    .map(pathOf);
  assert.deepEqual(missing, []);
});
