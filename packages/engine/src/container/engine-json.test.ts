import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  toApiVersion,
  toContainerDetails,
  toContainerStatus,
  toEngineCapacity,
  toEngineInfo,
  toEpochMs,
  toPublished,
} from './engine-json.js';

test("a running container's IPv4 address on each network, by name; nothing else is taken", () => {
  const details = toContainerDetails({
    Id: 'db',
    State: { Status: 'running', Pid: 42 },
    NetworkSettings: {
      Networks: {
        'berth-t-tm_red': { IPAddress: '10.89.3.7', GlobalIPv6Address: 'fd00::7' },
        podman: { IPAddress: '' },
        odd: { IPAddress: '10.89.3.7; rm -rf /' },
        v6: { IPAddress: 'fd00::1' },
      },
    },
  });
  assert.deepEqual(details.addresses, { 'berth-t-tm_red': '10.89.3.7' });
  const exited = toContainerDetails({ Id: 'x', State: { Status: 'exited' }, NetworkSettings: {} });
  assert.equal(exited.addresses, undefined);
});

test('engine states map to created, running or exited; a paused container is alive', () => {
  assert.equal(toContainerStatus('created'), 'created');
  assert.equal(toContainerStatus('running'), 'running');
  assert.equal(toContainerStatus('paused'), 'running');
  for (const s of ['exited', 'dead', 'removing', 'restarting', 'stopped', '']) {
    assert.equal(toContainerStatus(s), 'exited', s);
  }
});

test('zero and missing dates are null', () => {
  assert.equal(toEpochMs('0001-01-01T00:00:00Z'), null);
  assert.equal(toEpochMs(''), null);
  assert.equal(toEpochMs('2026-11-23T15:08:16.134066348Z'), Date.UTC(2026, 10, 23, 15, 8, 16, 134));
});

test('toPublished reads the binding of the app port, or the first one', () => {
  const ports = {
    '9000/udp': [{ HostIp: '', HostPort: '1' }],
    '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '41861' }],
  };
  assert.deepEqual(toPublished(ports, 8080), { host: '127.0.0.1', port: 41861 });
  assert.deepEqual(toPublished(ports), { host: '127.0.0.1', port: 41861 });
  assert.equal(toPublished(ports, 3000), null);
  assert.equal(toPublished({ '8080/tcp': null }, 8080), null);
  assert.equal(toPublished(undefined), null);
});

test('toContainerDetails from a Podman inspect of an exited container', () => {
  const details = toContainerDetails({
    Id: 'abc',
    Name: '/berth-web-1',
    Config: { Labels: { app: 'web', bad: 3 } },
    State: { Status: 'exited', ExitCode: 3, StartedAt: '2026-11-23T15:08:25.900136135Z' },
    NetworkSettings: { Ports: { '8080/tcp': null } },
  });
  assert.deepEqual(details, {
    id: 'abc',
    name: 'berth-web-1',
    labels: { app: 'web' },
    status: 'exited',
    startedAtMs: Date.parse('2026-11-23T15:08:25.900Z'),
    exitCode: 3,
    published: null,
    pid: null,
  });
  const created = toContainerDetails({
    Id: 'x',
    State: { Status: 'created', ExitCode: 0, StartedAt: '0001-01-01T00:00:00Z' },
  });
  assert.equal(created.exitCode, null);
  assert.equal(created.startedAtMs, null);
});

test('toEngineInfo tells Podman from Docker', () => {
  assert.deepEqual(
    toEngineInfo({ Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine' }] }),
    {
      kind: 'podman',
      version: '4.3.1',
      apiVersion: '1.41',
    },
  );
  assert.equal(
    toEngineInfo({ Version: '27.1.0', ApiVersion: '1.46', Components: [{ Name: 'Engine' }] }).kind,
    'docker',
  );
});

test('toApiVersion speaks the older of the engine and us', () => {
  assert.equal(toApiVersion('1.41', '1.44'), '1.41');
  assert.equal(toApiVersion('1.52', '1.44'), '1.44');
  assert.equal(toApiVersion('1.44', '1.44'), '1.44');
  assert.equal(toApiVersion('garbage', '1.44'), '1.44');
});

test('a running container carries the host pid of its first process; a zero pid is none', () => {
  const running = (Pid: unknown) =>
    toContainerDetails({ Id: 'abc', Name: '/x', State: { Status: 'running', Pid }, Config: { Labels: {} } });
  assert.equal(running(17217).pid, 17217);
  assert.equal(running(0).pid, null);
  assert.equal(running('17217').pid, null);
});

test('toEngineCapacity reads NCPU and MemTotal as thousandths of a CPU and whole MiB', () => {
  assert.deepEqual(toEngineCapacity({ NCPU: 2, MemTotal: 4_123_000_000 }), {
    cpuMillis: 2000,
    memoryMib: 3931,
  });
  // An engine that does not say is "unknown" (0), never NaN.
  assert.deepEqual(toEngineCapacity({}), { cpuMillis: 0, memoryMib: 0 });
  assert.deepEqual(toEngineCapacity({ NCPU: '4', MemTotal: -1 }), { cpuMillis: 0, memoryMib: 0 });
});
