import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { API } from './http.js';
import { send } from './rbac-calls.js';
import type { Scenario } from './rbac-scenarios.js';

/** The RBAC matrix's calls on the audit log and the master keys that secrets are encrypted under (see rbac-scenarios.ts). */

export const AUDIT_SCENARIOS: Record<string, Scenario> = {
  listAudit: {
    own: (w) => ({ query: `after=${w.bFirstAuditSeq - 1}&limit=1000` }),
    other: 'same',
    check(res, w, { actor }) {
      const teams = new Set((res.json as { rows: { teamId: string | null }[] }).rows.map((r) => r.teamId));
      if (actor.role === 'owner') assert.ok(teams.has(w.teamB.id), 'the installation owner reads every row');
      else if (actor.role === 'admin') assert.deepEqual([...teams], [w.api.defaultTeamId], 'its team only');
      else assert.equal(teams.size, 0, 'no audit:read, no rows');
    },
  },
  exportAudit: { own: () => ({}) },
  listKeys: { own: () => ({}) },
  rotateKeys: { own: () => ({}) },
  retireKey: {
    async own(w) {
      const res = await send(w, 'POST', '/keys/rotate');
      assert.equal(res.status, 200, res.text);
      return { params: { id: (res.json as { previous: string }).previous } };
    },
  },
  listSystemBackups: { own: () => ({}) },
  // A directory target under the test's data dir, made by the installation owner.
  createSystemBackup: {
    async own(w, { n }) {
      const dir = join(w.api.dataDir, `system-target-${n}`);
      await mkdir(dir, { recursive: true });
      const res = await w.client.send({
        method: 'POST',
        url: `${API}/backup-targets`,
        body: { name: `sys-${n}`, dir },
        token: w.root.token,
      });
      assert.equal(res.status, 201, res.text);
      return { body: { target: `sys-${n}`, passphrase: 'a passphrase for rbac' } };
    },
  },
  verifyAudit: {
    own: () => ({}),
    check: (res) => assert.equal((res.json as { ok: boolean }).ok, true, res.text),
  },
};
