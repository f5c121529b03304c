import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planPodmanHostConfig, podmanServiceCommand, renderContainersConf } from './host-config.js';
import type { PodmanHostFacts, PodmanHostPlan } from './host-config.js';
import { toCgroupLayout, toHardLimits } from './host-facts.js';

const roomy: PodmanHostFacts = {
  cgroup: 'v2',
  systemdRunning: true,
  runtimes: { runc: true, crun: true },
  hardLimits: { nofile: 1_048_576, nproc: null },
};

const cases: { name: string; facts: PodmanHostFacts; plan: Omit<PodmanHostPlan, 'notes'>; notes: number }[] =
  [
    {
      name: 'a systemd host on cgroup v2 with roomy limits keeps every default',
      facts: roomy,
      plan: { runtime: null, cgroupManager: 'systemd', defaultUlimits: [] },
      notes: 0,
    },
    {
      name: 'this testbed: hybrid cgroups, no systemd, nofile 20000, nproc 96365',
      facts: {
        cgroup: 'hybrid',
        systemdRunning: false,
        runtimes: { runc: true, crun: true },
        hardLimits: { nofile: 20_000, nproc: 96_365 },
      },
      plan: {
        runtime: 'runc',
        cgroupManager: 'cgroupfs',
        defaultUlimits: ['nofile=20000:20000', 'nproc=4096:4096'],
      },
      notes: 4,
    },
    {
      name: 'hybrid without runc keeps the default runtime but says why it may fail',
      facts: { ...roomy, cgroup: 'hybrid', runtimes: { runc: false, crun: true } },
      plan: { runtime: null, cgroupManager: 'systemd', defaultUlimits: [] },
      notes: 1,
    },
    {
      name: 'cgroup v1 alone is fine for crun',
      facts: { ...roomy, cgroup: 'v1' },
      plan: { runtime: null, cgroupManager: 'systemd', defaultUlimits: [] },
      notes: 0,
    },
    {
      name: 'a high but limited nofile is capped at 65536; an unlimited nproc is left alone',
      facts: { ...roomy, hardLimits: { nofile: 524_288, nproc: null } },
      plan: { runtime: null, cgroupManager: 'systemd', defaultUlimits: ['nofile=65536:65536'] },
      notes: 1,
    },
    {
      name: 'small limits are used as they are',
      facts: { ...roomy, hardLimits: { nofile: 1024, nproc: 512 } },
      plan: {
        runtime: null,
        cgroupManager: 'systemd',
        defaultUlimits: ['nofile=1024:1024', 'nproc=512:512'],
      },
      notes: 2,
    },
  ];

for (const c of cases) {
  test(`planPodmanHostConfig: ${c.name}`, () => {
    const { notes, ...plan } = planPodmanHostConfig(c.facts);
    assert.deepEqual(plan, c.plan);
    assert.equal(notes.length, c.notes, notes.join('\n'));
    for (const note of notes) assert.match(note, /^[A-Z].*\.$/, 'a sentence');
  });
}

test('renderContainersConf writes the plan as TOML with the file log driver', () => {
  const text = renderContainersConf({
    runtime: 'runc',
    cgroupManager: 'cgroupfs',
    defaultUlimits: ['nofile=20000:20000', 'nproc=4096:4096'],
    notes: ['Using runc: because.', 'Two\nlines.'],
  });
  assert.equal(
    text,
    [
      '# Written by Berth for the Podman API service it runs. Regenerated at every start.',
      '# Using runc: because.',
      '# Two lines.',
      '',
      '[containers]',
      'log_driver = "k8s-file"',
      'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]',
      '',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'runtime = "runc"',
      '',
    ].join('\n'),
  );
});

test('renderContainersConf leaves out what keeps the default', () => {
  const text = renderContainersConf({
    runtime: null,
    cgroupManager: 'systemd',
    defaultUlimits: [],
    notes: [],
  });
  assert.doesNotMatch(text, /runtime|default_ulimits/);
  assert.match(text, /cgroup_manager = "systemd"/);
});

test('podmanServiceCommand serves on a unix socket with the conf in the environment', () => {
  assert.deepEqual(
    podmanServiceCommand({ socketPath: '/d/podman.sock', containersConfPath: '/d/containers.conf' }),
    {
      file: 'podman',
      args: ['system', 'service', '--time=0', 'unix:///d/podman.sock'],
      env: { CONTAINERS_CONF: '/d/containers.conf' },
    },
  );
  assert.equal(
    podmanServiceCommand({ socketPath: '/s', containersConfPath: '/c', podmanBin: '/opt/podman' }).file,
    '/opt/podman',
  );
  assert.throws(() => podmanServiceCommand({ socketPath: 'rel.sock', containersConfPath: '/c' }), /absolute/);
  assert.throws(() => podmanServiceCommand({ socketPath: '/a b', containersConfPath: '/c' }), /whitespace/);
});

const mounts = (lines: string[]): string => lines.map((l) => `${l} rw,relatime 0 0`).join('\n');

test('toCgroupLayout tells v2, v1 and hybrid apart', () => {
  assert.equal(toCgroupLayout(mounts(['cgroup2 /sys/fs/cgroup cgroup2'])), 'v2');
  const v1 = [
    'tmpfs /sys/fs/cgroup tmpfs',
    'cgroup /sys/fs/cgroup/cpu cgroup',
    'cgroup /sys/fs/cgroup/memory cgroup',
  ];
  assert.equal(toCgroupLayout(mounts(v1)), 'v1');
  assert.equal(toCgroupLayout(mounts([...v1, 'cgroup2 /sys/fs/cgroup/unified cgroup2'])), 'hybrid');
  assert.equal(toCgroupLayout(mounts(['proc /proc proc'])), 'none');
});

test('toHardLimits reads the hard column of /proc/self/limits', () => {
  const limits = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             96365                96365                processes ',
    'Max open files            1024                 20000                files     ',
  ].join('\n');
  assert.deepEqual(toHardLimits(limits), { nofile: 20_000, nproc: 96_365 });
  assert.deepEqual(toHardLimits('Max processes unlimited unlimited processes\n'), {
    nofile: null,
    nproc: null,
  });
});
