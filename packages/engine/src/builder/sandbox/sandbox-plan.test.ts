import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { findPasswdEntry, findSubordinateRange, nextFreeSubordinateStart } from './build-user.js';
import { planSandboxCommand, type SandboxPlanInput } from './sandbox-plan.js';

const input = (over: Partial<SandboxPlanInput> = {}): SandboxPlanInput => ({
  identity: {
    uid: 995,
    gid: 994,
    subuids: { start: 100000, count: 65536 },
    subgids: { start: 100000, count: 65536 },
  },
  binaries: { setpriv: '/usr/bin/setpriv', unshare: '/usr/bin/unshare', bwrap: '/usr/bin/bwrap' },
  rootEntries: [
    { kind: 'symlink', path: '/bin', target: 'usr/bin' },
    { kind: 'bind', path: '/lib64' },
  ],
  publicDirs: ['/etc/ssl/certs'],
  mounts: [
    { dest: '/var/lib/berth/storage', hostDir: '/var/lib/berth-builder/teams/tm_x/storage', writable: true },
  ],
  files: [{ dest: '/etc/passwd', content: 'root:x:0:0::/:/bin/sh\n' }],
  tun: true,
  env: { HOME: '/home' },
  command: ['/usr/bin/podman', 'system', 'service'],
  ...over,
});

test('the sandbox drops to the build user, maps only its subordinate ids, and unshares everything', () => {
  const cmd = planSandboxCommand(input());
  assert.equal(cmd.file, '/usr/bin/setpriv');
  const a = cmd.args;
  assert.deepEqual(a.slice(0, 4), ['--reuid=995', '--regid=994', '--clear-groups', '--']);
  assert.ok(a.includes('--map-root-user') && a.includes('--map-users=100000,1,65536'));
  for (const flag of [
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--die-with-parent',
  ]) {
    assert.ok(a.includes(flag), flag);
  }
  // The host's root is never bound: only /usr, the listed dirs and the mounts.
  const binds = a.flatMap((v, i) => (['--bind', '--ro-bind', '--ro-bind-try'].includes(v) ? [a[i + 1]] : []));
  assert.deepEqual(binds, [
    '/usr',
    '/lib64',
    '/etc/ssl/certs',
    '/sys/fs/cgroup',
    '/var/lib/berth-builder/teams/tm_x/storage',
  ]);
  assert.ok(!binds.includes('/'));
  assert.equal(a[a.indexOf('--bind') + 2], '/var/lib/berth/storage');
  // Files go in through pipes, numbered after stdio; the info pipe first.
  assert.deepEqual(
    cmd.fds.map((f) => f.kind),
    ['info', 'data'],
  );
  assert.equal(a[a.indexOf('--info-fd') + 1], '3');
  assert.equal(a[a.indexOf('--ro-bind-data') + 1], '4');
  // The environment is exactly what was asked for.
  const envAt = a.indexOf('/usr/bin/env');
  assert.deepEqual(a.slice(envAt, envAt + 3), ['/usr/bin/env', '-i', 'HOME=/home']);
  assert.deepEqual(a.slice(-3), ['/usr/bin/podman', 'system', 'service']);
});

test('without a usable tun device none is bound', () => {
  assert.ok(!planSandboxCommand(input({ tun: false })).args.includes('/dev/net/tun'));
});

test('root, short id ranges and odd paths are refused', () => {
  const refused = (over: Partial<SandboxPlanInput>): void =>
    assert.throws(
      () => planSandboxCommand(input(over)),
      (e) => e instanceof BerthError && e.code === 'BUILD_SANDBOX_UNAVAILABLE',
    );
  refused({ identity: { ...input().identity, uid: 0 } });
  refused({ identity: { ...input().identity, subuids: { start: 100000, count: 1000 } } });
  refused({ mounts: [{ dest: '/x/../etc', hostDir: '/tmp/a', writable: true }] });
  refused({ mounts: [{ dest: '/x', hostDir: 'relative', writable: true }] });
  refused({ mounts: [{ dest: '/x y', hostDir: '/tmp/a', writable: true }] });
  refused({ env: { 'A=B': 'x' } });
  refused({ command: [] });
});

test('the build user and its subordinate ids are read from passwd and subuid', () => {
  const passwd =
    'root:x:0:0::/root:/bin/sh\nberth-build:x:995:994:Berth builds:/nonexistent:/usr/sbin/nologin\n';
  const user = findPasswdEntry(passwd, 'berth-build');
  assert.deepEqual(user, { name: 'berth-build', uid: 995, gid: 994 });
  assert.equal(findPasswdEntry(passwd, 'berth'), null);
  assert.ok(user);
  assert.deepEqual(findSubordinateRange('alice:100000:65536\nberth-build:165536:65536\n', user), {
    start: 165536,
    count: 65536,
  });
  assert.deepEqual(findSubordinateRange('995:200000:70000\n', user), { start: 200000, count: 70000 });
  assert.equal(findSubordinateRange('berth-build:200000:1000\n', user), null, 'too few ids');
  assert.equal(nextFreeSubordinateStart(['', '']), 100000);
  assert.equal(nextFreeSubordinateStart(['alice:100000:65536\n', 'bob:165536:65536\n']), 231072);
  assert.equal(nextFreeSubordinateStart(['x:100000:10\n']), 100010);
});
