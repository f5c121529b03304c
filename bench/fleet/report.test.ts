import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FleetAgentsFigures } from './figures.js';
import { summarize } from './proc-stats.js';
import { fleetAgentsReport } from './report.js';

const change = (pushMs: number[], label: string) => ({
  label,
  replicas: 2,
  push: summarize(pushMs),
  release: summarize([10, 20]),
  succeededMs: 50,
  berthdCpuMs: 30,
  agentsCpuMs: 5,
  sql: [],
});

const figures = (changes: FleetAgentsFigures['changes']): FleetAgentsFigures => ({
  agents: 3,
  workers: 1,
  openFilesLimit: '1024 soft / 4096 hard',
  addServersMs: 30,
  join: { totalMs: 60, each: summarize([10, 20, 30]) },
  connect: { totalMs: 40, each: summarize([10, 20, 40]), berthdCpuMs: 20 },
  setup: { apps: 1, deployMs: [100] },
  changes,
  idle: {
    seconds: 5,
    berthdRssMib: 100,
    berthdCpuPercent: 2.5,
    agentsRssMib: 50,
    agentsCpuPercent: 1,
    connected: 3,
    reconnects: 0,
    sql: [{ sql: 'update "servers" set "last_seen_at" = ?', calls: 4, ms: 1.6 }],
  },
});

test('the verdict holds the worst p99 of the pushes against 5 s, and needs every agent reached', () => {
  const met = fleetAgentsReport(figures([change([100, 200, 300], 'a'), change([400, 500, 4900], 'b')]));
  assert.equal(met.verdict, 'Push to every agent after a change, p99 4900 ms (target ≤ 5000 ms: met).');
  assert.equal(met.rows.length, 2 + 2 + 2 * 2, 'header, join, connect, two rows per change');
  assert.ok(met.notes.includes('berthd in SQLite, idle 5 s: `update servers set last_seen_at = ?` 4× 2 ms.'));

  const slow = fleetAgentsReport(figures([change([100, 200, 12_000], 'a')]));
  assert.equal(slow.verdict, 'Push to every agent after a change, p99 12.0 s (target ≤ 5000 ms: not met).');
  const short = fleetAgentsReport(figures([change([100, 200], 'a')]));
  assert.match(short.verdict, /not met; not every agent received it/);
});
