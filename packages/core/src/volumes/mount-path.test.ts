import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MOUNT_PATH_MAX, mountListProblems, mountPathProblem } from './mount-path.js';
import { toEngineVolumeName } from './engine-name.js';
import { ENGINE_VOLUME_NAME_PATTERN } from '@berth/protocol';

describe('mountPathProblem', () => {
  for (const ok of ['/var/lib/uploads', '/data', '/srv/app_1/db.sqlite-dir', '/home/app/.cache', '/a/b+c@d'])
    test(`accepts ${ok}`, () => assert.equal(mountPathProblem(ok), null));

  const hostile: [string, RegExp][] = [
    ['', /empty/],
    ['var/lib', /absolute/],
    ['/', /not be \//],
    ['/data/', /end with/],
    ['/data//x', /\/\//],
    ['/data/../etc', /\.\./],
    ['/../', /end with|\.\./],
    ['/data/./x', /\. or \.\./],
    ['/x; rm -rf /', /./],
    ['/x; rm -rf x', /only letters/],
    ['/$(touch /tmp/pwned)', /only letters/],
    ['/data/`id`', /only letters/],
    ["/data/'q'", /only letters/],
    ['/data/"q"', /only letters/],
    ['/data\u0000/x', /only letters/],
    ['/data/x\ny', /only letters/],
    ['/data:/etc:rw', /only letters/],
    ['/data/ x', /only letters/],
    ['/data/-rf', /only letters/],
    ['/proc', /\/proc/],
    ['/proc/self', /\/proc/],
    ['/sys/fs/cgroup', /\/sys/],
    ['/dev/shm', /\/dev/],
    ['/run/secrets/db', /\/run\/secrets/],
    ['/etc/hosts', /engine manages/],
    ['/etc/resolv.conf', /engine manages/],
    ['/etc/hostname', /engine manages/],
    ['/etc', /engine manages/],
    [`/${'a'.repeat(MOUNT_PATH_MAX)}`, /at most/],
    ['/données', /only letters/],
  ];
  for (const [path, why] of hostile)
    test(`refuses ${JSON.stringify(path).slice(0, 40)}`, () =>
      assert.match(mountPathProblem(path) ?? 'accepted', why));
});

describe('mountListProblems', () => {
  test('a clean list has none', () => {
    assert.deepEqual(
      mountListProblems([
        { volume: 'uploads', path: '/var/lib/uploads' },
        { volume: 'cache', path: '/var/cache/app' },
      ]),
      [],
    );
  });
  test('the same volume twice, or nested paths, are refused with the index', () => {
    assert.deepEqual(
      mountListProblems([
        { volume: 'a', path: '/data' },
        { volume: 'a', path: '/other' },
        { volume: 'b', path: '/data/sub' },
        { volume: 'c', path: '/data' },
      ]).map((p) => `${p.index}.${p.field}`),
      ['1.volume', '2.path', '3.path'],
    );
  });
  test('/data and /database do not overlap', () => {
    assert.deepEqual(
      mountListProblems([
        { volume: 'a', path: '/data' },
        { volume: 'b', path: '/database' },
      ]),
      [],
    );
  });
});

test('engine names are Berth’s: from the id, never from the person’s name', () => {
  const name = toEngineVolumeName('vol_abcdefghijklmnopqrst');
  assert.equal(name, 'berth-vol-abcdefghijklmnopqrst');
  assert.match(name, ENGINE_VOLUME_NAME_PATTERN);
});
