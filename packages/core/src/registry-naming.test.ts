import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEPLOY_IMAGE_REF_PATTERN, isBerthError } from '@berth/protocol';
import { parseImageRef } from './image-ref.js';
import {
  fleetRegistryOwner,
  parseRegistryUrl,
  toPinnedRegistryRef,
  toRegistryImageRef,
  toRegistryRepository,
  toTeamRegistryPrefix,
} from './registry-naming.js';

const team = 'tm_abcdefghijklmnopqrst';
const release = 'rel_234567abcdefghijklmn';
const digest = `sha256:${'c'.repeat(64)}`;
const base = { registry: '10.99.0.254:5000', teamId: team, appName: 'web', releaseId: release };

test('a release image is named <registry>/berth/<team>/<app>:<release>', () => {
  assert.equal(toRegistryImageRef(base), `10.99.0.254:5000/berth/${team}/web:${release}`);
  assert.equal(toRegistryRepository(base), `10.99.0.254:5000/berth/${team}/web`);
  assert.equal(toTeamRegistryPrefix(team), `berth/${team}/`);
  assert.equal(
    toRegistryImageRef({ ...base, registry: 'registry.example.com' }),
    `registry.example.com/berth/${team}/web:${release}`,
  );
});

test('the pinned name is the repository at a digest, without the tag', () => {
  const pinned = toPinnedRegistryRef(base, digest);
  assert.equal(pinned, `10.99.0.254:5000/berth/${team}/web@${digest}`);
  assert.deepEqual(parseImageRef(pinned), {
    registry: '10.99.0.254:5000',
    path: `berth/${team}/web`,
    tag: null,
    digest,
  });
});

test('every name made is a reference a deploy accepts, read back the same way', () => {
  for (const registry of ['10.99.0.254:5000', 'reg.internal:443', 'localhost:5000', 'a.b-c.d']) {
    const ref = toRegistryImageRef({ ...base, registry });
    assert.match(ref, DEPLOY_IMAGE_REF_PATTERN, ref);
    const parts = parseImageRef(ref);
    assert.equal(parts?.registry, registry);
    assert.equal(parts?.path, `berth/${team}/web`);
    assert.equal(parts?.tag, release);
  }
});

test('nothing user-shaped gets through unvalidated', () => {
  const refused: [string, Partial<typeof base>][] = [
    ['path in the app name', { appName: '../other' }],
    ['slash in the app name', { appName: 'web/x' }],
    ['upper case app name', { appName: 'Web' }],
    ['team id that is a path', { teamId: 'tm_abcdefghijklmnopqrst/../x' }],
    ['team id of another shape', { teamId: 'team-one' }],
    ['release that is a tag', { releaseId: 'latest' }],
    ['registry with a climbing path', { registry: 'reg:5000/../evil' }],
    ['registry with an empty path component', { registry: 'reg:5000//evil' }],
    ['registry with a scheme', { registry: 'https://reg' }],
    ['upper case registry', { registry: 'REG:5000' }],
    ['registry with a user', { registry: 'u@reg:5000' }],
    ['port out of range', { registry: 'reg:70000' }],
    ['empty registry', { registry: '' }],
    ['registry with a newline', { registry: 'reg\n:5000' }],
  ];
  for (const [why, change] of refused) {
    assert.throws(
      () => toRegistryImageRef({ ...base, ...change }),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
      why,
    );
  }
  assert.throws(() => toPinnedRegistryRef(base, 'sha256:abc'), /digest/);
  assert.throws(() => toPinnedRegistryRef(base, `sha512:${'c'.repeat(64)}`), /digest/);
  assert.throws(() => toTeamRegistryPrefix('../x'), /teamId/);
});

test('fleetRegistryOwner tells a team its own images in the fleet registry from others', () => {
  const registry = '10.99.0.254:5000';
  const own = toPinnedRegistryRef({ registry, teamId: team, appName: 'web' }, digest);
  assert.deepEqual(fleetRegistryOwner(own, registry), { kind: 'team', teamId: team });
  assert.deepEqual(fleetRegistryOwner(toRegistryImageRef(base), registry), { kind: 'team', teamId: team });
  assert.deepEqual(fleetRegistryOwner('nginx:1.27', registry), { kind: 'elsewhere' });
  assert.deepEqual(fleetRegistryOwner('10.99.0.254:5001/berth/x:1', registry), { kind: 'elsewhere' });
  for (const unowned of [
    `${registry}/library/nginx:1`,
    `${registry}/berth/web:1`,
    `${registry}/berth/${team}:1`,
    `${registry}/berth/${team}/web/extra:1`,
    `${registry}/berth/team-one/web:1`,
    `${registry}/other/${team}/web:1`,
    'NOT A REF',
  ]) {
    assert.deepEqual(fleetRegistryOwner(unowned, registry), { kind: 'unowned' }, unowned);
  }
});

test('an external registry with a namespace: names under it are the fleet’s, the rest of the host is not', () => {
  const registry = 'registry.example.com/acme/fleet';
  const own = toPinnedRegistryRef({ registry, teamId: team, appName: 'web' }, digest);
  assert.equal(own, `registry.example.com/acme/fleet/berth/${team}/web@${digest}`);
  assert.deepEqual(fleetRegistryOwner(own, registry), { kind: 'team', teamId: team });
  assert.deepEqual(fleetRegistryOwner('registry.example.com/acme/api:1', registry), { kind: 'elsewhere' });
  assert.deepEqual(fleetRegistryOwner('registry.example.com/acme/fleetx/a:1', registry), {
    kind: 'elsewhere',
  });
  assert.deepEqual(fleetRegistryOwner('registry.example.com/acme/fleet/other:1', registry), {
    kind: 'unowned',
  });
  for (const bad of [
    'registry.example.com/Acme',
    'registry.example.com/acme/',
    'registry.example.com//a',
    'r.example.com/a..b',
  ])
    assert.throws(
      () => toRegistryRepository({ registry: bad, teamId: team, appName: 'web' }),
      /Invalid registry/,
      bad,
    );
});

test('an external registry URL gives the address image names spell and the scheme; nothing else passes', () => {
  assert.deepEqual(parseRegistryUrl('https://registry.example.com/acme/fleet'), {
    address: 'registry.example.com/acme/fleet',
    scheme: 'https',
  });
  assert.deepEqual(parseRegistryUrl('http://10.99.8.254:5001/'), {
    address: '10.99.8.254:5001',
    scheme: 'http',
  });
  for (const bad of [
    'ftp://r.example.com',
    'https://user:pw@r.example.com',
    'https://r.example.com/a?b=c',
    'https://R.example.com',
    'https://r.example.com/../x',
    'r.example.com/a',
  ])
    assert.throws(() => parseRegistryUrl(bad), /is not a registry URL/, bad);
});
