import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgentFile, type AgentFile } from './agent-file.js';

const file: AgentFile = {
  version: 1,
  serverUrl: 'https://192.0.2.10:7070',
  fingerprint: `sha256:${'ab'.repeat(32)}`,
  serverId: 'srv_aaaaaaaaaaaaaaaaaaaa',
  serverName: 'web-2',
  labels: { zone: 'b' },
  engineSocket: null,
  publicIp: '203.0.113.5',
  privateIp: '10.99.0.2',
  httpPort: 80,
  joinedAt: '2026-12-02T21:00:00.000Z',
};

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
  ] as const)
    assert.throws(
      () => parseAgentFile(text, '/d/agent.json'),
      (err: Error & { hint?: string }) =>
        err.message.startsWith(`/d/agent.json is not an agent configuration (${where}`) &&
        err.hint === 'Remove it and join again: berth agent join URL TOKEN --data-dir /d',
    );
});
