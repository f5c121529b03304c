import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideInternalQuery, parseResolvConf, type TeamNames } from './answer.js';

const red: TeamNames = { gateway: '10.89.0.1', apps: new Set(['api', 'web']) };

test("a team's app is its gateway, whatever the case or a trailing dot", () => {
  for (const name of ['api.internal', 'API.Internal.', 'web.internal'])
    assert.deepEqual(decideInternalQuery(red, name, 'A'), { kind: 'answer', answer: { a: ['10.89.0.1'] } });
});

test('other record types of a known name are an empty answer, not NXDOMAIN', () => {
  assert.deepEqual(decideInternalQuery(red, 'api.internal', 'OTHER'), { kind: 'answer', answer: {} });
  assert.deepEqual(decideInternalQuery(red, 'api.internal', 'SRV'), { kind: 'answer', answer: {} });
});

test("another team's app, an unknown app and any other .internal name do not exist", () => {
  for (const name of ['shop.internal', 'internal', 'x.api.internal', 'api.apps.berth.internal', '.internal'])
    assert.deepEqual(decideInternalQuery(red, name, 'A'), { kind: 'answer', answer: null }, name);
  assert.deepEqual(decideInternalQuery({ gateway: '10.89.0.1', apps: new Set() }, 'api.internal', 'A'), {
    kind: 'answer',
    answer: null,
  });
});

test('every other name is forwarded to the host resolvers', () => {
  for (const name of ['example.com', 'api.internal.example.com', 'internalx', 'api.internals', 'localhost'])
    assert.deepEqual(decideInternalQuery(red, name, 'A'), { kind: 'forward' }, name);
});

test("the host's nameservers, IPv4 and IPv6, are read from resolv.conf, in order", () => {
  const conf = [
    '# generated',
    'search example.com',
    'nameserver 10.0.0.2',
    '  nameserver 1.1.1.1  # cloudflare',
    'nameserver 2001:4860:4860::8888',
    'nameserverx 9.9.9.9',
    'nameserver ::1',
    'nameserver fe80::1%eth0',
    'nameserver 10.0.0.300',
    'nameserver fe80::1%eth0%x',
    'nameserver resolver.example.com',
    'options ndots:2',
  ].join('\n');
  assert.deepEqual(parseResolvConf(conf), [
    '10.0.0.2',
    '1.1.1.1',
    '2001:4860:4860::8888',
    '::1',
    'fe80::1%eth0',
  ]);
  assert.deepEqual(parseResolvConf(''), []);
});

test("a team's database here is its replica's own address; another team's or an unknown one does not exist", () => {
  const withDb: TeamNames = { ...red, databases: new Map([['main', '10.89.0.7']]) };
  for (const name of ['main.db.internal', 'MAIN.db.Internal.'])
    assert.deepEqual(decideInternalQuery(withDb, name, 'A'), {
      kind: 'answer',
      answer: { a: ['10.89.0.7'] },
    });
  assert.deepEqual(decideInternalQuery(withDb, 'main.db.internal', 'OTHER'), { kind: 'answer', answer: {} });
  for (const name of ['other.db.internal', 'db.internal', 'x.main.db.internal', 'main.dbx.internal'])
    assert.deepEqual(decideInternalQuery(withDb, name, 'A'), { kind: 'answer', answer: null }, name);
  // A team without databases (another team's gateway) knows no such name, nor does an app name.
  assert.deepEqual(decideInternalQuery(red, 'main.db.internal', 'A'), { kind: 'answer', answer: null });
  assert.deepEqual(decideInternalQuery({ ...red, apps: new Set(['db']) }, 'main.db.internal', 'A'), {
    kind: 'answer',
    answer: null,
  });
});
