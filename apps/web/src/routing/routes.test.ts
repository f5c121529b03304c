import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageKey, parseRoute, pathOf, type Route } from './routes.js';

test('each page has a path that reads back as the same page', () => {
  const routes: Route[] = [
    { kind: 'overview', team: null },
    { kind: 'overview', team: 'shop' },
    { kind: 'app', app: 'web' },
    { kind: 'app', app: 'api-2' },
    { kind: 'app', app: 'web', tab: 'logs' },
    { kind: 'app', app: 'web', tab: 'builds' },
    { kind: 'app', app: 'web', tab: 'domains' },
    { kind: 'team', team: null },
    { kind: 'team', team: 'shop' },
    { kind: 'login' },
    { kind: 'setup' },
  ];
  for (const route of routes) assert.deepEqual(parseRoute(pathOf(route)), route);
});

test('names that are not app or team names are not pages', () => {
  assert.deepEqual(parseRoute('/apps/Web'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/apps/web/'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/apps/%2F%2Fevil'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/apps/'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/apps/web/overview'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/apps/web/logs/'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/apps/web/Logs'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/nothing'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/?team=<b>'), { kind: 'overview', team: null });
  assert.deepEqual(parseRoute('/team?team=Shop'), { kind: 'team', team: null });
  assert.deepEqual(parseRoute('/team/'), { kind: 'not-found' });
});

test('the query of a page path is read; other pages ignore theirs', () => {
  assert.deepEqual(parseRoute('/?team=shop&x=1'), { kind: 'overview', team: 'shop' });
  assert.deepEqual(parseRoute('/setup?x=1'), { kind: 'setup' });
});

test("an app's tabs are one page: moving between them is not a new page", () => {
  const web = pageKey({ kind: 'app', app: 'web' });
  assert.equal(pageKey({ kind: 'app', app: 'web', tab: 'logs' }), web);
  assert.notEqual(pageKey({ kind: 'app', app: 'api' }), web);
  assert.notEqual(pageKey({ kind: 'team', team: null }), pageKey({ kind: 'team', team: 'shop' }));
});

test('the audit page keeps its filter in the address; the invite page is a page of its own', () => {
  const filter = {
    actor: 'ada@example.com',
    action: 'user.*',
    target: 'app:web',
    outcome: 'denied' as const,
    since: '2030-01-02T03:04:00.000Z',
    until: '',
  };
  for (const route of [
    { kind: 'audit' as const, filter },
    {
      kind: 'audit' as const,
      filter: { ...filter, actor: '', action: '', target: '', outcome: '' as const, since: '' },
    },
    { kind: 'invite' as const },
  ])
    assert.deepEqual(parseRoute(pathOf(route)), route);
  assert.equal(
    pathOf({ kind: 'audit', filter: { ...filter, since: '', outcome: '' } }),
    '/audit?actor=ada%40example.com&action=user.*&target=app%3Aweb',
  );
  assert.equal(parseRoute('/audit?outcome=<b>').kind, 'audit');
  // A new filter is the same page: focus stays in the filter form.
  assert.equal(pageKey({ kind: 'audit', filter }), pageKey(parseRoute('/audit')));
  assert.equal(parseRoute('/invite/x').kind, 'not-found');
});
