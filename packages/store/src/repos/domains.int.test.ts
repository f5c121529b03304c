import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '@berth/protocol';
import { appRow, newId, NOW, openTempStore, type Env } from '../test-support/fixtures.js';
import type { DomainRow } from '../types-domains.js';

/** Custom domains on a real SQLite file: one name, one app, whatever the team. */

function domainRow(
  app: { id: string; teamId: string },
  name: string,
  over: Partial<DomainRow> = {},
): DomainRow {
  return {
    id: newId('dom'),
    appId: app.id,
    teamId: app.teamId,
    name,
    kind: 'primary',
    redirectTo: null,
    status: 'pending',
    issuer: null,
    expiresAt: null,
    lastError: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

/** An app of a second team, as another tenant of the same installation. */
async function otherTeamsApp(env: Env) {
  const teamId = newId('team');
  const projectId = newId('prj');
  await env.store.teams.create({ id: teamId, name: 'rivals', createdAt: NOW });
  await env.store.projects.create({ id: projectId, teamId, name: 'default', createdAt: NOW });
  const app = appRow({ teamId, projectId }, { name: 'theirs' });
  await env.store.apps.create(app);
  return app;
}

const isTaken = (message: RegExp) => (err: unknown) =>
  err instanceof BerthError && err.code === 'DOMAIN_TAKEN' && message.test(err.message);

describe('DomainRepo', () => {
  it('adds a primary with its redirects, lists them by app, gets by name, removes them together', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env);
      await env.store.apps.create(web);
      await env.store.domains.add([
        domainRow(web, 'example.com'),
        domainRow(web, 'www.example.com', { kind: 'redirect', redirectTo: 'example.com' }),
        domainRow(web, 'xn--bcher-kva.example', { kind: 'redirect', redirectTo: 'example.com' }),
      ]);
      await env.store.domains.add([domainRow(web, 'shop.example.net')]);
      assert.deepEqual(
        (await env.store.domains.listByApp(web.id)).map((d) => [d.name, d.kind, d.redirectTo]),
        [
          ['example.com', 'primary', null],
          ['shop.example.net', 'primary', null],
          ['www.example.com', 'redirect', 'example.com'],
          ['xn--bcher-kva.example', 'redirect', 'example.com'],
        ],
      );
      const got = await env.store.domains.getByName('www.example.com');
      assert.equal(got?.appId, web.id);
      assert.equal(got?.teamId, env.teamId);
      assert.equal(await env.store.domains.getByName('nope.example.com'), null);

      assert.deepEqual(await env.store.domains.remove(web.id, 'example.com'), [
        'example.com',
        'www.example.com',
        'xn--bcher-kva.example',
      ]);
      assert.deepEqual(
        await env.store.domains.remove(web.id, 'example.com'),
        [],
        'removing twice removes nothing',
      );
      assert.deepEqual(
        (await env.store.domains.list()).map((d) => d.name),
        ['shop.example.net'],
      );
      await env.store.apps.delete(web.id);
      assert.deepEqual(await env.store.domains.list(), [], "a deleted app's names go with it");
    } finally {
      await env.done();
    }
  });

  it('refuses a name another app holds, of the same team or another, and writes nothing', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env);
      const api = appRow(env, { name: 'api' });
      await env.store.apps.create(web);
      await env.store.apps.create(api);
      const theirs = await otherTeamsApp(env);
      await env.store.domains.add([domainRow(web, 'example.com')]);

      await assert.rejects(
        env.store.domains.add([domainRow(theirs, 'example.com')]),
        isTaken(/^The domain "example.com" is already in use on this Berth$/),
        'another team learns only that the name is taken',
      );
      await assert.rejects(
        env.store.domains.add([domainRow(api, 'example.com')]),
        isTaken(/already a domain of app "web"/),
        'the same team is told which app holds it',
      );
      await assert.rejects(
        env.store.domains.add([domainRow(web, 'example.com')]),
        isTaken(/already a domain of app "web"/),
      );
      await assert.rejects(
        env.store.domains.add([
          domainRow(theirs, 'fresh.example.org'),
          domainRow(theirs, 'www.example.com', { kind: 'redirect', redirectTo: 'fresh.example.org' }),
          domainRow(theirs, 'example.com', { kind: 'redirect', redirectTo: 'fresh.example.org' }),
        ]),
        isTaken(/example.com/),
      );
      assert.equal(await env.store.domains.getByName('fresh.example.org'), null, 'all or nothing');
      assert.deepEqual(await env.store.domains.listByApp(theirs.id), []);
      assert.equal((await env.store.domains.getByName('example.com'))?.appId, web.id);
    } finally {
      await env.done();
    }
  });

  it('two teams claiming one name at once: exactly one wins', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env);
      await env.store.apps.create(web);
      const theirs = await otherTeamsApp(env);
      // As two requests to one berthd: concurrent calls on its one store.
      const claims = await Promise.allSettled([
        env.store.domains.add([domainRow(web, 'contested.example.com')]),
        env.store.domains.add([domainRow(theirs, 'contested.example.com')]),
      ]);
      assert.equal(claims.filter((c) => c.status === 'fulfilled').length, 1);
      const lost = claims.find((c) => c.status === 'rejected');
      assert.ok(lost && isTaken(/contested/)(lost.reason), String(lost?.reason));
      assert.equal((await env.store.domains.list()).length, 1);
    } finally {
      await env.done();
    }
  });

  it('a wildcard and the names it covers belong to one team', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env);
      const api = appRow(env, { name: 'api' });
      await env.store.apps.create(web);
      await env.store.apps.create(api);
      const theirs = await otherTeamsApp(env);
      await env.store.domains.add([domainRow(web, '*.example.com'), domainRow(web, 'other.example.net')]);

      await assert.rejects(
        env.store.domains.add([domainRow(theirs, 'shop.example.com')]),
        isTaken(/another team serves "\*.example.com", which covers it/),
      );
      await env.store.domains.add([domainRow(api, 'shop.example.com')]);
      await env.store.domains.add([domainRow(theirs, 'example.com'), domainRow(theirs, 'a.b.example.com')]);
      await assert.rejects(
        env.store.domains.add([domainRow(theirs, '*.example.net')]),
        isTaken(/would cover "other.example.net", which another team serves/),
      );
      await env.store.domains.add([domainRow(theirs, '*.b.example.com')]);
      assert.deepEqual(
        (await env.store.domains.list()).map((d) => d.name),
        [
          '*.b.example.com',
          '*.example.com',
          'a.b.example.com',
          'example.com',
          'other.example.net',
          'shop.example.com',
        ],
      );
    } finally {
      await env.done();
    }
  });

  it('stores only canonical names', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env);
      await env.store.apps.create(web);
      for (const name of [
        'Example.com',
        'bücher.example',
        'a.com; }',
        'a.com\n',
        'localhost',
        '*.*.example.com',
      ]) {
        await assert.rejects(
          env.store.domains.add([domainRow(web, name)]),
          (err: unknown) => err instanceof BerthError && err.code === 'VALIDATION_FAILED',
          JSON.stringify(name),
        );
      }
      await assert.rejects(
        env.store.domains.add([domainRow(web, 'www.example.com', { kind: 'redirect' })]),
        (err: unknown) => err instanceof BerthError && err.code === 'VALIDATION_FAILED',
      );
      assert.deepEqual(await env.store.domains.list(), []);
    } finally {
      await env.done();
    }
  });

  it('records certificate status: issued, a failed renewal keeps the expiry, errors clear', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env);
      await env.store.apps.create(web);
      await env.store.domains.add([domainRow(web, 'example.com')]);
      const expiry = NOW + 90 * 86_400_000;
      const issued = await env.store.domains.setStatus(
        'example.com',
        { status: 'issued', issuer: 'Pebble Intermediate CA', expiresAt: expiry, lastError: null },
        NOW + 1,
      );
      assert.deepEqual(
        issued && [issued.status, issued.issuer, issued.expiresAt, issued.lastError, issued.updatedAt],
        ['issued', 'Pebble Intermediate CA', expiry, null, NOW + 1],
      );
      await env.store.domains.setStatus(
        'example.com',
        {
          status: 'failed',
          lastError: 'the CA could not reach http://example.com/.well-known/acme-challenge/…',
        },
        NOW + 2,
      );
      const failed = await env.store.domains.getByName('example.com');
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.expiresAt, expiry, 'the old certificate still counts');
      assert.equal(failed?.issuer, 'Pebble Intermediate CA');
      assert.match(failed?.lastError ?? '', /could not reach/);
      const renewed = await env.store.domains.setStatus(
        'example.com',
        { status: 'issued', lastError: null },
        NOW + 3,
      );
      assert.equal(renewed?.lastError, null);
      assert.equal(await env.store.domains.setStatus('nope.example.com', { status: 'issued' }, NOW), null);
    } finally {
      await env.done();
    }
  });
});
