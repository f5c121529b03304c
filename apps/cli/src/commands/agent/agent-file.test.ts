import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgentFile } from './agent-file.js';
import { JOINED } from './test-support/joined.js';

const file = JOINED;

test('agent.json reads back what join wrote', () => {
  assert.deepEqual(parseAgentFile(JSON.stringify(file), '/d/agent.json'), file);
});

test('an agent.json that is not one names the file, the field, and how to start over', () => {
  for (const [text, where] of [
    ['{', '(the file)'],
    [JSON.stringify({ ...file, httpPort: 0 }), 'httpPort'],
    [JSON.stringify({ ...file, serverUrl: 'ftp://x' }), 'serverUrl'],
    [JSON.stringify({ ...file, privateIp: 'web-2' }), 'privateIp'],
    [JSON.stringify({ ...file, extra: 1 }), '(the file)'],
    [JSON.stringify({ ...file, proxy: 'haproxy' }), 'proxy'],
    [JSON.stringify({ ...file, httpsPort: 443, hstsMaxAge: 63072001 }), 'hstsMaxAge'],
    [JSON.stringify({ ...file, hstsMaxAge: 600 }), 'hstsMaxAge: needs httpsPort'],
  ] as const)
    assert.throws(
      () => parseAgentFile(text, '/d/agent.json'),
      (err: Error & { hint?: string }) =>
        err.message.startsWith(`/d/agent.json is not an agent configuration (${where}`) &&
        err.hint === 'Remove it and join again: berth agent join URL TOKEN --data-dir /d',
    );
});

test('agent.json keeps the edge joined with; one written before nginx has none (Caddy)', () => {
  const nginx = { ...file, proxy: 'nginx' as const };
  assert.deepEqual(parseAgentFile(JSON.stringify(nginx), '/d/agent.json'), nginx);
  assert.equal(parseAgentFile(JSON.stringify(file), '/d/agent.json').proxy, undefined);
});
