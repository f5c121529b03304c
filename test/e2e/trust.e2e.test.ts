/**
 * Trust, as a person meets it through the CLI against a real `berth up`: a viewer can read but
 * not deploy; secrets reach the app and nowhere else (database file, logs, agent files, API
 * answers); an existing account joins another team only by accepting the invitation; `berth
 * audit verify` catches a row edited, or the newest rows deleted, with the sqlite3 tool; tokens
 * revoke at once; master keys rotate; a wrong master key is a clear startup error.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { App } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest, type CliResult } from './support/berth.js';

describe('trust: users and roles, secrets, audit', () => {
  let berth: BerthUnderTest;
  /** A separate CLI config dir per person, so each has their own login session. */
  let viewerHome: string;
  const secret = `s3cret-${randomBytes(12).toString('hex')}`;
  /** Everything every CLI call printed: no answer may carry the secret. */
  const seen: string[] = [];

  const as = async (
    home: string | null,
    args: string[],
    env: Record<string, string> = {},
  ): Promise<CliResult> => {
    const r = await berth.cli(args, { ...(home ? { XDG_CONFIG_HOME: home } : {}), ...env });
    seen.push(r.stdout, r.stderr);
    return r;
  };

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
    viewerHome = await mkdtemp(join(tmpdir(), 'berth-viewer-'));
    assert.equal((await as(null, ['apps', 'create', 'web', '--image', HELLO_V1])).code, 0);
    const d = await as(null, ['deploy', 'web']);
    assert.equal(d.code, 0, d.stdout + d.stderr);
  });
  after(async () => {
    await berth?.destroy();
  });

  test('a secret reaches the app, as a new release rolled out', async () => {
    const r = await as(null, ['secrets', 'set', 'web', `GREETING=${secret}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match((await berth.get('web')).body, new RegExp(`hello v1 ${secret}`));
    const list = await as(null, ['secrets', 'list', 'web', '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { secrets: { key: string }[] }).secrets.map((s) => s.key),
      ['GREETING'],
    );
  });

  test('a viewer can read but not deploy, change env or secrets, or read logs', async () => {
    // The admin creates the user; the user sets a password with the one-time setup token.
    const created = await as(null, ['users', 'create', 'vic@example.com', '--role', 'viewer', '--json']);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const setup = (JSON.parse(created.stdout) as { setup: { token: string } }).setup.token;
    const set = await berth.cli(
      ['password', 'set', setup, '--password-stdin'],
      { XDG_CONFIG_HOME: viewerHome },
      'viewer-password-123\n',
    );
    assert.equal(set.code, 0, set.stderr);
    const again = await berth.cli(
      ['password', 'set', setup, '--password-stdin'],
      { XDG_CONFIG_HOME: viewerHome },
      'another-password-123\n',
    );
    assert.equal(again.code, 1, 'a setup token works once');
    const login = await berth.cli(
      ['login', '--email', 'vic@example.com', '--password-stdin'],
      { XDG_CONFIG_HOME: viewerHome },
      'viewer-password-123\n',
    );
    assert.equal(login.code, 0, login.stderr);

    const me = JSON.parse((await as(viewerHome, ['whoami', '--json'])).stdout) as {
      name: string;
      memberships: { role: string }[];
    };
    assert.deepEqual([me.name, me.memberships.map((m) => m.role)], ['vic@example.com', ['viewer']]);
    for (const read of [
      ['apps', 'list'],
      ['apps', 'show', 'web'],
      ['releases', 'web'],
      ['secrets', 'list', 'web'],
      ['env', 'list', 'web'],
    ]) {
      const r = await as(viewerHome, read);
      assert.equal(r.code, 0, `${read.join(' ')}: ${r.stderr}`);
    }
    for (const change of [
      ['deploy', 'web'],
      ['env', 'set', 'web', 'X=1'],
      ['secrets', 'set', 'web', 'X=1'],
      ['scale', 'web', '--replicas', '2'],
      ['rollback', 'web'],
      ['logs', 'web'],
      ['apps', 'delete', 'web', '--yes'],
    ]) {
      const r = await as(viewerHome, change);
      assert.equal(r.code, 1, `${change.join(' ')} should be refused: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /viewer\) does not allow this/);
    }
    const filters = ['--actor', 'vic@example.com', '--outcome', 'denied', '--since', '2020-01-01', '--desc'];
    const audit = JSON.parse((await as(null, ['audit', 'list', ...filters, '--json'])).stdout) as {
      seq: number;
      actorName: string;
      outcome: string;
    }[];
    assert.ok(audit.length >= 6, 'denied attempts are audited');
    assert.ok(
      audit.every(
        (a, i) =>
          a.actorName === 'vic@example.com' && a.outcome === 'denied' && (audit[i + 1]?.seq ?? 0) < a.seq,
      ),
      `only vic's denials, newest first: ${JSON.stringify(audit)}`,
    );
    for (const bad of [
      ['--since', 'yesterday'],
      ['--action', 'User Grant'],
    ]) {
      const r = await as(null, ['audit', 'list', ...bad]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, bad[0] === '--since' ? /--since yesterday is not a time/ : /action/);
    }
  });

  test('an existing account joins another team only by accepting the invitation', async () => {
    assert.equal((await as(null, ['teams', 'create', 'qa'])).code, 0);
    const granted = await as(null, [
      'users',
      'grant',
      'vic@example.com',
      '--team',
      'qa',
      '--role',
      'operator',
      '--json',
    ]);
    assert.equal(granted.code, 0, granted.stderr);
    const invitation = JSON.parse(granted.stdout) as Record<string, unknown>;
    assert.deepEqual(
      [invitation.team, invitation.role, 'memberships' in invitation],
      ['qa', 'operator', false],
    );
    const pending = JSON.parse((await as(viewerHome, ['invitations', 'list', '--json'])).stdout) as {
      team: string;
    }[];
    assert.deepEqual(
      pending.map((i) => i.team),
      ['qa'],
    );
    const accepted = await as(viewerHome, ['invitations', 'accept', 'qa', '--json']);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.deepEqual(JSON.parse(accepted.stdout), { team: 'qa', role: 'operator' });
    const me = JSON.parse((await as(viewerHome, ['whoami', '--json'])).stdout) as {
      memberships: { team: string; role: string }[];
    };
    assert.deepEqual(me.memberships.map((m) => `${m.team}:${m.role}`).sort(), [
      'default:viewer',
      'qa:operator',
    ]);
    const again = await as(viewerHome, ['invitations', 'accept', 'qa']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no invitation to team "qa"/);
  });

  test('an API token works until it is revoked, then the next request is refused', async () => {
    const created = JSON.parse(
      (await as(null, ['tokens', 'create', 'ci', '--role', 'operator', '--json'])).stdout,
    ) as { token: string };
    const ci = { BERTH_TOKEN: created.token };
    assert.equal((await as(null, ['apps', 'show', 'web'], ci)).code, 0);
    const listed = (await as(null, ['tokens', 'list', '--json'])).stdout;
    assert.ok(!listed.includes(created.token), 'tokens list never shows a token');
    assert.equal((await as(null, ['tokens', 'revoke', 'ci'])).code, 0);
    const refused = await as(null, ['apps', 'show', 'web'], ci);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not valid/);
  });

  test('master keys rotate: secrets re-encrypted, still reaching the app; the old key retires', async () => {
    const rotated = JSON.parse((await as(null, ['keys', 'rotate', '--json'])).stdout) as {
      previous: string;
      current: string;
      resealed: number;
    };
    assert.ok(rotated.resealed >= 2, `re-sealed ${rotated.resealed}`);
    const d = await as(null, ['deploy', 'web']);
    assert.equal(d.code, 0, d.stdout + d.stderr);
    assert.match((await berth.get('web')).body, new RegExp(secret));
    assert.equal((await as(null, ['keys', 'retire', rotated.previous])).code, 0);
    const keys = JSON.parse((await as(null, ['keys', 'list', '--json'])).stdout) as {
      keys: { id: string }[];
    };
    assert.deepEqual(
      keys.keys.map((k) => k.id),
      [rotated.current],
    );
  });

  test('the secret is nowhere but in the app: not in the database, logs, agent files or any answer', async () => {
    const app = JSON.parse((await as(null, ['apps', 'show', 'web', '--json'])).stdout) as App;
    assert.deepEqual(app.secrets, ['GREETING']);
    await as(null, ['releases', 'web', '--json']);
    await as(null, ['deployments', 'list', 'web', '--json']);
    await as(null, ['audit', 'export']);
    await as(null, ['logs', 'web', '--tail', '1000']);
    const files = await filesUnder(berth.dataDir);
    assert.ok(files.some((f) => f.endsWith('berth.db')) && files.some((f) => f.endsWith('agent.log')));
    for (const file of files) {
      const bytes = await readFile(file);
      assert.equal(bytes.includes(secret), false, `${file} contains the secret`);
    }
    assert.equal(seen.filter((out) => out.includes(secret)).length, 0, 'a CLI answer contained the secret');
  });

  test('berth audit verify catches the newest rows deleted with the sqlite3 tool: the last one, the last N', async () => {
    const db = join(berth.dataDir, 'berth.db');
    const sqlite = (statement: string) => promisify(execFile)('sqlite3', [db, statement]);
    const ok = await as(null, ['audit', 'verify']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const n = Number(/anchored at row (\d+)/.exec(ok.stdout)?.[1]);
    assert.ok(n > 3, ok.stdout);
    const exported = join(berth.dataDir, 'audit-export.ndjson');
    assert.equal((await as(null, ['audit', 'export', '-o', exported])).code, 0);
    // Kept aside, to put back afterwards: the tests after this one need an intact log.
    await sqlite(`CREATE TABLE kept AS SELECT * FROM audit_log WHERE seq > ${n - 3}`);

    await sqlite('DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)');
    const one = await as(null, ['audit', 'verify']);
    assert.equal(one.code, 5, one.stdout + one.stderr);
    assert.match(one.stderr, new RegExp(`row ${n} is missing at the end: the signed head`));
    await sqlite(`DELETE FROM audit_log WHERE seq > ${n - 3}`);
    const many = await as(null, ['audit', 'verify', '--json']);
    assert.equal(many.code, 5, many.stdout + many.stderr);
    assert.deepEqual(
      (JSON.parse(many.stdout) as { ok: boolean; seq: number }).seq,
      n - 2,
      'names the first missing row',
    );

    // An export verifies on its own, and a copy of it cut short does not.
    assert.equal((await as(null, ['audit', 'verify', '--file', exported])).code, 0);
    const lines = (await readFile(exported, 'utf8')).trimEnd().split('\n');
    await writeFile(exported, `${lines.slice(0, -2).join('\n')}\n`);
    const cut = await as(null, ['audit', 'verify', '--file', exported]);
    assert.equal(cut.code, 5, cut.stdout + cut.stderr);

    await sqlite('INSERT INTO audit_log SELECT * FROM kept; DROP TABLE kept');
    const restored = await as(null, ['audit', 'verify']);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
  });

  test('berth audit verify catches a row edited with the sqlite3 tool', async () => {
    const ok = await as(null, ['audit', 'verify']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    await promisify(execFile)('sqlite3', [
      join(berth.dataDir, 'berth.db'),
      "UPDATE audit_log SET actor_name = 'someone-else' WHERE seq = 3",
    ]);
    const broken = await as(null, ['audit', 'verify']);
    assert.equal(broken.code, 5, broken.stdout + broken.stderr);
    assert.match(broken.stderr, /broken at row 3/);
  });

  test('a wrong master key is a clear startup error, never garbage', async () => {
    await berth.stop();
    const keyFile = join(berth.dataDir, 'master.key');
    await copyFile(keyFile, `${keyFile}.good`);
    const other = { version: 1, current: '', keys: [] as unknown[] };
    const key = randomBytes(32);
    const id = `mk_${(await import('node:crypto')).createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
    other.current = id;
    other.keys.push({ id, key: key.toString('base64'), createdAt: Date.now(), retiredAt: null });
    await writeFile(keyFile, JSON.stringify(other), { mode: 0o600 });
    await assert.rejects(berth.start(), /wrong master key/);
    await copyFile(`${keyFile}.good`, keyFile);
    await berth.start();
    assert.match((await berth.get('web')).body, new RegExp(secret));
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile() && (await stat(path)).size < 64 * 1024 * 1024) out.push(path);
  }
  return out;
}
