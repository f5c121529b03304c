/** The Markdown rows and verdict of the fleet bench (fleet-agents.ts). Pure. */
import type { FleetAgentsFigures } from './figures.js';
import type { Summary } from './proc-stats.js';
import type { SqlTotal } from './sql-totals.js';

/** Target (issue 10): desired state reaches 1,000 agents after a change with p99 ≤ 5 s. */
export const PUSH_P99_TARGET_MS = 5000;

const ms = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);

const row = (what: string, s: Summary, of: number): string =>
  `| ${what} | ${s.n} of ${of} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} |`;

export function fleetAgentsReport(f: FleetAgentsFigures): {
  rows: string[];
  notes: string[];
  verdict: string;
} {
  const rows = [
    '| measure | agents | p50 | p95 | p99 | max |',
    '|---|---|---|---|---|---|',
    row('join: identity made, POST /agent/join answered (8 at a time per worker)', f.join.each, f.agents),
    row(
      'connect, all at once: link opened → challenge signed → welcome → first desired state',
      f.connect.each,
      f.agents,
    ),
    ...f.changes.flatMap((c) => [
      row(
        `${c.label}: API call → a desired state of the new version (the push to every server)`,
        c.push,
        f.agents,
      ),
      row(
        `${c.label}: API call → desired state carrying the new release (its ${c.replicas} servers, one at a time)`,
        c.release,
        c.replicas,
      ),
    ]),
  ];
  const setupMean = f.setup.deployMs.reduce((s, x) => s + x, 0) / Math.max(1, f.setup.deployMs.length);
  const notes = [
    `Join phase: ${f.agents} servers added through POST /servers in ${ms(f.addServersMs)}, then joined in ${ms(f.join.totalMs)} ` +
      `(${f.workers} worker processes). Connect phase: all ${f.agents} links from dial to first desired state in ${ms(f.connect.totalMs)}, ` +
      `berthd CPU ${ms(f.connect.berthdCpuMs)}.`,
    `Fleet apps: ${f.setup.apps} apps of up to 64 replicas (berthd's cap per app), one replica on every server; ` +
      `each deploy (a staged rollout, one server at a time) took ${ms(setupMean)} on average.`,
    ...f.changes.map(
      (c) =>
        `${c.label}: deployment succeeded ${ms(c.succeededMs)} after the API call; berthd used ${ms(c.berthdCpuMs)} of CPU, ` +
        `the agent workers ${ms(c.agentsCpuMs)}.`,
    ),
    `Idle for ${f.idle.seconds} s with ${f.idle.connected} of ${f.agents} agents connected (${f.idle.reconnects} reconnects in the whole run): ` +
      `berthd RSS ${Math.round(f.idle.berthdRssMib)} MiB, CPU ${f.idle.berthdCpuPercent.toFixed(1)}% of one core; ` +
      `agent workers ${Math.round(f.idle.agentsRssMib)} MiB, ${f.idle.agentsCpuPercent.toFixed(1)}% of one core. Open files limit: ${f.openFilesLimit}.`,
  ];
  const sql = [
    ...f.changes.map((c) => sqlNote(c.label, c.sql)),
    sqlNote(`idle ${f.idle.seconds} s`, f.idle.sql),
  ].filter((n) => n !== '');
  notes.push(...sql);
  const worst = Math.max(...f.changes.map((c) => c.push.p99));
  const all = f.changes.every((c) => c.push.n === f.agents);
  const verdict =
    `Push to every agent after a change, p99 ${ms(worst)} (target ≤ ${ms(PUSH_P99_TARGET_MS)}: ` +
    `${worst <= PUSH_P99_TARGET_MS && all ? 'met' : 'not met'}${all ? '' : '; not every agent received it'}).`;
  return { rows, notes, verdict };
}

/** berthd's costliest SQL statements in a window (BENCH_SQL_TIMING_FILE); '' without them. */
function sqlNote(window: string, totals: readonly SqlTotal[]): string {
  if (totals.length === 0) return '';
  const each = totals.map(
    (t) => `\`${shorten(t.sql.replace(/"/g, ''), 70)}\` ${t.calls}× ${Math.round(t.ms)} ms`,
  );
  return `berthd in SQLite, ${window}: ${each.join('; ')}.`;
}

const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);
