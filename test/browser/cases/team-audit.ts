/**
 * The team and audit pages (test/browser/dashboard.e2e.test.ts calls this after the app `web`
 * is deployed, with the owner logged in): an invite link made in the page lets a fresh browser
 * set the invitee's password and land in the team with the invited role; the owner changes a
 * member's role; hostile text sent as an email shows as text on both pages; the audit page shows
 * the chain verified, narrows the rows by action (in the address) and exports them; and after a
 * row is edited in SQLite, the page names the row the chain breaks at, until it is put back.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { screenshot, watchedPage } from '../../support/chromium.js';
import { PASSWORD, type DashboardRef } from './dashboard.js';

const INVITEE = 'ivy@example.com';
/** An email berthd accepts (its pattern allows ' ` = and /) that reads like markup to a careless page. */
const QUIRKY = "'onerror=alert`1`//@evil.example";
const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', 'javascript:alert(3)'];

/** Runs SQL on berthd's database file from a second connection, as someone with the file would. */
function sqlite<T>(dataDir: string, run: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'berth.db'));
  try {
    return run(db);
  } finally {
    db.close();
  }
}

/** The text of one column (0: the row's number) of the audit table's rows, top to bottom. */
const auditColumn = (page: Page, index: number): Promise<string[]> =>
  page
    .getByRole('region', { name: 'Audit rows' })
    .locator(`tbody tr > :nth-child(${index + 1})`)
    .allTextContents();

export function teamAuditCases(d: DashboardRef): void {
  test('team: an invite link made in the page sets the invitee’s password in a fresh browser; they join with the invited role', async () => {
    const { w, origin, browser, context } = d();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await w.page.goto(`${origin}/team`);
    await w.page.getByRole('heading', { name: 'Members' }).waitFor();
    await w.page.getByLabel('Email to invite').fill(INVITEE);
    await w.page.getByLabel('Invite as').selectOption('operator');
    await w.page.getByRole('button', { name: 'Invite', exact: true }).click();
    const field = w.page.getByLabel('Invite link');
    await field.waitFor();
    const link = await field.inputValue();
    assert.match(link, new RegExp(`^${origin}/invite#[a-z]+_[A-Za-z0-9_-]+$`));
    await w.page.getByRole('button', { name: 'Copy link' }).click();
    await w.page.getByText('Copied to the clipboard.').waitFor();
    assert.equal(await w.page.evaluate('navigator.clipboard.readText()'), link);
    await w.page
      .getByRole('region', { name: 'Pending' })
      .getByRole('row', { name: new RegExp(`${INVITEE}.*operator`) })
      .waitFor();
    await screenshot(w.page, 'team-invite-link');
    await w.page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await w.page.getByLabel('Invite link').count(), 0, 'the link is gone once dismissed');

    const fresh = await browser.newContext();
    try {
      const v = await watchedPage(fresh, origin);
      const res = await v.page.goto(link);
      assert.equal(res?.status(), 200);
      await v.page.getByRole('heading', { name: 'Join a team', level: 1 }).waitFor();
      assert.equal(new URL(v.page.url()).hash, '', 'the token leaves the address bar');
      await v.page.getByLabel('Email').fill(INVITEE);
      await v.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await v.page.getByLabel('Password again').fill(PASSWORD);
      await screenshot(v.page, 'invite');
      await v.page.getByRole('button', { name: 'Set password and log in' }).click();
      await v.page.getByText('Team default, where you are operator.').waitFor();
      assert.equal(new URL(v.page.url()).pathname, '/team');
      assert.match((await v.page.textContent('header')) ?? '', new RegExp(INVITEE));
      // An operator manages nobody: no member list, no invite form.
      assert.equal(await v.page.getByRole('heading', { name: 'Members' }).count(), 0);
      await screenshot(v.page, 'team-invitee');
      // The link worked once.
      const token = new URL(link).hash.slice(1);
      const again = await fetch(`${origin}/api/v1/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, password: 'another long password' }),
      });
      assert.equal(again.status, 400);
      assert.match(await again.text(), /TOKEN_INVALID/);
      assert.deepEqual([v.dialogs, v.errors, v.foreign], [[], [], []]);
    } finally {
      await fresh.close();
    }
  });

  test("team: the owner changes a member's role; berthd has the new one", async () => {
    const { w, origin, berth } = d();
    await w.page.goto(`${origin}/team`);
    const role = w.page.getByLabel(`Role of ${INVITEE}`, { exact: true });
    await role.waitFor();
    assert.equal(await role.inputValue(), 'operator');
    // Nobody changes their own role here.
    assert.equal(await w.page.getByLabel('Role of owner@example.com', { exact: true }).count(), 0);
    await role.selectOption('viewer');
    await w.page.getByRole('button', { name: `Change role of ${INVITEE}` }).click();
    await w.page.getByText(`${INVITEE} is now viewer in default.`).waitFor();
    const users = await berth.json<{ email: string; memberships: { team: string; role: string }[] }[]>([
      ...['users', 'list'],
    ]);
    assert.deepEqual(users.find((u) => u.email === INVITEE)?.memberships, [
      { team: 'default', role: 'viewer' },
    ]);
    await screenshot(w.page, 'team-members');
  });

  test('team and audit: hostile text sent as an email shows as text and runs nothing', async () => {
    const { w, origin } = d();
    await w.page.goto(`${origin}/team`);
    // Refused in the page: not an email.
    await w.page.getByLabel('Email to invite').fill(HOSTILE[1] ?? '');
    await w.page.getByRole('button', { name: 'Invite', exact: true }).click();
    await w.page.getByText(/Not an email address/).waitFor();
    // One berthd takes, that reads like markup: shown as it is, then withdrawn.
    await w.page.getByLabel('Email to invite').fill(QUIRKY);
    await w.page.getByRole('button', { name: 'Invite', exact: true }).click();
    await w.page.getByLabel('Invite link').waitFor();
    await w.page.getByRole('button', { name: 'Done' }).click();
    await w.page.getByRole('rowheader', { name: QUIRKY, exact: true }).waitFor();
    await w.page.getByRole('button', { name: `Withdraw the invitation of ${QUIRKY}` }).click();
    await w.page.getByRole('button', { name: `Confirm withdraw ${QUIRKY}` }).click();
    await w.page.getByText(`Withdrew the invitation of ${QUIRKY}`).waitFor();
    // Sent to berthd as login emails: refused (400), and in the audit log as failed logins' targets.
    for (const email of HOSTILE) {
      const res = await fetch(`${origin}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'not the password' }),
      });
      assert.equal(res.status, 400, email);
    }
    for (const email of HOSTILE) {
      await w.page.goto(`${origin}/audit?${new URLSearchParams({ target: `user:${email}` }).toString()}`);
      await w.page.getByRole('cell', { name: `user:${email}`, exact: true }).waitFor();
      assert.deepEqual(await auditColumn(w.page, 5), ['failed']);
      assert.equal(await w.page.getByLabel('Target', { exact: true }).inputValue(), `user:${email}`);
    }
    assert.equal(await w.page.locator('img[src="x"], main script').count(), 0, 'no element made from data');
    await screenshot(w.page, 'audit-hostile');
    assert.deepEqual(w.dialogs, []);
  });

  test('audit: the chain shows verified; filtering by action narrows the rows, in the address', async () => {
    const { w, origin, berth } = d();
    await w.page.goto(`${origin}/`);
    await w.page.getByRole('link', { name: 'Audit', exact: true }).click();
    await w.page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    const verified = w.page.getByRole('status').filter({ hasText: /Chain verified up to row \d+/ });
    await verified.waitFor();
    const upTo = Number(/up to row (\d+)/.exec((await verified.textContent()) ?? '')?.[1]);
    const newest = sqlite(berth.dataDir, (db) => db.prepare('SELECT max(seq) AS n FROM audit_log').get()) as {
      n: number;
    };
    assert.ok(upTo > 10 && upTo <= newest.n, `${upTo} of ${newest.n}`);
    await w.page.getByRole('region', { name: 'Audit rows' }).waitFor();
    const all = await auditColumn(w.page, 3);
    assert.ok(new Set(all).size > 3, all.join(' '));
    await screenshot(w.page, 'audit');

    await w.page.getByLabel('Action', { exact: true }).fill('user.create');
    await w.page.getByRole('button', { name: 'Apply filters' }).click();
    await w.page.getByText(/rows? match/).waitFor();
    assert.equal(new URL(w.page.url()).searchParams.get('action'), 'user.create');
    const narrowed = await auditColumn(w.page, 3);
    assert.ok(narrowed.length >= 2 && narrowed.length < all.length, `${narrowed.length} of ${all.length}`);
    assert.deepEqual(new Set(narrowed), new Set(['user.create']));
    assert.ok((await auditColumn(w.page, 4)).includes(`user:${INVITEE}`));
    // The filter is the address: a reload shows the same rows.
    await w.page.reload();
    await w.page.getByText(/rows? match/).waitFor();
    assert.deepEqual(await auditColumn(w.page, 3), narrowed);
    assert.equal(await w.page.getByLabel('Action', { exact: true }).inputValue(), 'user.create');
    await screenshot(w.page, 'audit-filtered');

    // The filtered rows as a file, made in the page under its CSP.
    const [download] = await Promise.all([
      w.page.waitForEvent('download'),
      w.page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^berth-audit-\d{8}T\d{6}Z\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const [head, ...lines] = csv.trimEnd().split('\r\n');
    assert.match(head ?? '', /^seq,at,actor_kind,actor,actor_id,team_id,action,target,outcome,/);
    assert.equal(lines.length, narrowed.length);
    assert.ok(
      lines.every((l) => l.split(',')[6] === 'user.create'),
      csv,
    );
    await w.page.getByText(/^Saved berth-audit-.*\.csv: \d+ rows?\.$/).waitFor();
  });

  test('audit: a row edited in SQLite breaks the chain at that row, and the page says so', async () => {
    const { w, origin, berth } = d();
    const row = sqlite(berth.dataDir, (db) =>
      db
        .prepare(
          "SELECT seq, target FROM audit_log WHERE action = 'user.create' AND target = ? ORDER BY seq LIMIT 1",
        )
        .get(`user:${INVITEE}`),
    ) as { seq: number; target: string } | undefined;
    assert.ok(row, 'the invitation is in the log');
    const edit = (target: string): void =>
      void sqlite(berth.dataDir, (db) =>
        db.prepare('UPDATE audit_log SET target = ? WHERE seq = ?').run(target, row.seq),
      );
    edit('user:mallory@example.com');
    try {
      await w.page.goto(`${origin}/audit?action=user.create`);
      const broken = w.page.getByRole('alert').filter({ hasText: `Chain broken at row ${row.seq}` });
      await broken.waitFor();
      assert.match((await broken.textContent()) ?? '', /does not match its hash \(the row was edited\)/);
      // The row itself is marked, showing what the file now says.
      const marked = w.page.locator('tr.row-broken');
      await marked.waitFor();
      assert.equal(await marked.getByRole('rowheader').textContent(), `${row.seq} chain broken here`);
      assert.equal(await marked.locator('td').nth(3).textContent(), 'user:mallory@example.com');
      await screenshot(w.page, 'audit-broken');
    } finally {
      // Put back as it was: the chain verifies again (the later tests use this berthd).
      edit(row.target);
    }
    await w.page.getByRole('button', { name: 'Verify again' }).click();
    await w.page
      .getByRole('status')
      .filter({ hasText: /Chain verified up to row \d+/ })
      .waitFor();
    assert.equal(await w.page.getByText('chain broken here').count(), 0);
  });
}
