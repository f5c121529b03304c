import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEPT_CAPABILITIES, toHostConfig } from './hardening.js';
import type { ReplicaContainerSpec } from './types.js';

const spec: ReplicaContainerSpec = {
  name: 'berth-web-v1-abcdef-1',
  imageId: 'sha256:abc',
  env: {},
  command: null,
  labels: {},
  port: 8080,
  publishHost: '127.0.0.1',
  network: 'berth-t-tm_aaaaaaaaaaaaaaaaaaaa',
  limits: { cpu: 0.5, memoryMiB: 256, pids: 300 },
  files: [
    { source: '/var/lib/berth/agent/secrets/berth-web-v1-abcdef-1/TOKEN', target: '/run/secrets/token' },
  ],
};

test('limits, the team network, hardening and read-only secret files, as the engine API takes them', () => {
  assert.deepEqual(toHostConfig(spec), {
    PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    RestartPolicy: { Name: 'no' },
    NetworkMode: 'berth-t-tm_aaaaaaaaaaaaaaaaaaaa',
    Memory: 268_435_456,
    MemorySwap: 268_435_456,
    NanoCpus: 500_000_000,
    PidsLimit: 300,
    CapDrop: ['ALL'],
    CapAdd: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID', 'KILL', 'NET_BIND_SERVICE'],
    SecurityOpt: ['no-new-privileges'],
    Mounts: [
      {
        Type: 'bind',
        Source: '/var/lib/berth/agent/secrets/berth-web-v1-abcdef-1/TOKEN',
        Target: '/run/secrets/token',
        ReadOnly: true,
      },
    ],
  });
});

test('no capability that reaches past the container is kept', () => {
  for (const cap of [
    'NET_RAW',
    'NET_ADMIN',
    'SYS_ADMIN',
    'SYS_PTRACE',
    'MKNOD',
    'SYS_MODULE',
    'DAC_READ_SEARCH',
  ])
    assert.ok(!(KEPT_CAPABILITIES as readonly string[]).includes(cap), cap);
});

test('fractions of a CPU become whole nanocpus', () => {
  assert.equal(toHostConfig({ ...spec, limits: { ...spec.limits, cpu: 0.333 } }).NanoCpus, 333_000_000);
});

test("a replica asks its team gateway's DNS when one is given, the engine's default otherwise", () => {
  assert.deepEqual(toHostConfig({ ...spec, dns: '10.89.0.1' }).Dns, ['10.89.0.1']);
  assert.equal('Dns' in toHostConfig({ ...spec, dns: null }), false);
  assert.equal('Dns' in toHostConfig(spec), false);
});
