import type { AgentReport } from '@berth/protocol';

/**
 * An app's replicas on one server as the dashboard shows them (name, release, slot, state), one
 * string per app: what a report must change for the app's page to be worth reading again.
 */
function summaries(report: AgentReport | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const app of report?.apps ?? []) {
    const replicas = app.replicas.map((r) => [r.name, r.releaseId, r.slot, r.state].join('\u0000')).sort();
    out.set(app.appId, replicas.join('\u0001'));
  }
  return out;
}

/**
 * The apps whose replicas differ between a server's last report and its next (`after` null:
 * its link ended, so everything it reported is gone from the picture). Agents report often and
 * mostly the same: only a change is worth a notice.
 */
export function appsWithChangedReplicas(before: AgentReport | null, after: AgentReport | null): string[] {
  const was = summaries(before);
  const now = summaries(after);
  const changed: string[] = [];
  for (const [appId, summary] of now) if (was.get(appId) !== summary) changed.push(appId);
  for (const appId of was.keys()) if (!now.has(appId)) changed.push(appId);
  return changed.sort();
}
