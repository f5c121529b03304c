import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderBash, renderFish, renderZsh, type CommandNode } from './completion-scripts.js';

const tree: CommandNode = {
  name: 'berth',
  description: 'Deploy',
  flags: ['--version'],
  children: [
    {
      name: 'apps',
      description: 'apps',
      flags: [],
      children: [
        {
          name: 'create',
          description: "create an app; it's $(x)",
          flags: ['--port', '--json'],
          children: [],
        },
      ],
    },
    // Names that would be shell code never get into a script.
    { name: 'x; rm -rf /', description: 'evil', flags: ['--ok', '--$(evil)'], children: [] },
  ],
};

test('bash completes the words at each level of the tree', () => {
  const s = renderBash(tree);
  assert.match(s, /"apps"\) echo "create" ;;/);
  assert.match(s, /"apps create"\) echo "--port --json" ;;/);
  assert.match(s, /""\) echo "apps --version" ;;/);
  assert.match(s, /complete -F _berth berth/);
  assert.ok(!s.includes('rm -rf') && !s.includes('$(evil)'));
});

test('zsh and fish carry descriptions without quotes or expansions', () => {
  const z = renderZsh(tree);
  assert.match(z, /^#compdef berth/);
  assert.match(z, /'create:create an app; its \(x\)'/);
  assert.ok(!z.includes('local path'), 'path is the array behind PATH in zsh');
  const f = renderFish(tree);
  assert.match(f, /-a apps -d 'apps'/);
  assert.match(f, /-l port/);
  for (const s of [z, f]) assert.ok(!s.includes('rm -rf') && !s.includes('$(evil)'));
});
