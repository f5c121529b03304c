import type { AgentFile } from '../agent-file.js';

/** agent.json of a server that joined https://192.0.2.10:7070 as web-2, for tests. */
export const JOINED: AgentFile = {
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
