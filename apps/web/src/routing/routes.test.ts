import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoute, pathOf, type Route } from './routes.js';

test('each page has a path that reads back as the same page', () => {
  const routes: Route[] = [
    { kind: 'overview', team: null },
    { kind: 'overview', team: 'shop' },
    { kind: 'app', app: 'web' },
    { kind: 'app', app: 'api-2' },
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
  assert.deepEqual(parseRoute('/nothing'), { kind: 'not-found' });
  assert.deepEqual(parseRoute('/?team=<b>'), { kind: 'overview', team: null });
  assert.deepEqual(parseRoute('/team?team=Shop'), { kind: 'team', team: null });
  assert.deepEqual(parseRoute('/team/'), { kind: 'not-found' });
});

test('the query of a page path is read; other pages ignore theirs', () => {
  assert.deepEqual(parseRoute('/?team=shop&x=1'), { kind: 'overview', team: 'shop' });
  assert.deepEqual(parseRoute('/setup?x=1'), { kind: 'setup' });
});
