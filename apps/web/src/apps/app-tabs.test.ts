import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appTabs, shownTab, tabAfterKey } from './app-tabs.js';

test('the logs tab only for who may read logs', () => {
  assert.deepEqual(
    appTabs({ canReadLogs: true }).map((t) => t.id),
    ['overview', 'logs', 'builds', 'domains'],
  );
  assert.deepEqual(
    appTabs({ canReadLogs: false }).map((t) => t.id),
    ['overview', 'builds', 'domains'],
  );
});

test('a tab the user does not see (an old link) shows the overview', () => {
  const viewer = appTabs({ canReadLogs: false });
  assert.equal(shownTab(viewer, 'logs'), 'overview');
  assert.equal(shownTab(viewer, 'domains'), 'domains');
  assert.equal(shownTab(viewer, undefined), 'overview');
});

test('arrows move to the next and previous tab, wrapping; Home and End to the ends', () => {
  const tabs = appTabs({ canReadLogs: true });
  assert.equal(tabAfterKey(tabs, 'overview', 'ArrowRight'), 'logs');
  assert.equal(tabAfterKey(tabs, 'domains', 'ArrowRight'), 'overview');
  assert.equal(tabAfterKey(tabs, 'overview', 'ArrowLeft'), 'domains');
  assert.equal(tabAfterKey(tabs, 'builds', 'Home'), 'overview');
  assert.equal(tabAfterKey(tabs, 'logs', 'End'), 'domains');
  assert.equal(tabAfterKey(tabs, 'logs', 'Enter'), null);
  assert.equal(tabAfterKey(appTabs({ canReadLogs: false }), 'logs', 'ArrowRight'), null);
});
