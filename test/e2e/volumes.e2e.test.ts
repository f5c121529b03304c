/**
 * Issue 12, volumes through the CLI against a real `berth up`: a file written through the app
 * into its volume is still there after a redeploy, a rollback, a restart of the agent (berth up
 * stopped and started again) and a kill -9 of the replica's container; the app runs on the
 * volume's server; the engine volume is named by Berth, never by the person; `volumes delete` is
 * refused while the app mounts it, and removes the engine volume once nothing does.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App, Deployment, DeploymentWithEvents, Volume } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1, HELLO_V2 } from '../support/images.js';
import { BerthUnderTest, podman } from './support/berth.js';

const MOUNT = '/var/lib/uploads';
const MARKER = join(tmpdir(), `berth-e2e-pwned-${process.pid}`);

describe('volumes', () => {
  let berth: BerthUnderTest;

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
  });
  after(async () => {
    await berth?.destroy();
  });

  /** `berth exec web -- ARGV`, fixed strings only; retried while a replica is being replaced. */
  async function inApp(argv: string[]): Promise<string> {
    let last = { code: -1, stdout: '', stderr: '' };
    for (let i = 0; i < 100; i++) {
      last = await berth.cli(['exec', 'web', '--', ...argv]);
      if (last.code === 0) return last.stdout;
      await sleep(200);
    }
    throw new Error(`berth exec ${argv.join(' ')} exited ${last.code}: ${last.stdout}${last.stderr}`);
  }

  const note = (): Promise<string> => inApp(['cat', `${MOUNT}/note.txt`]);

  async function serving(): Promise<void> {
    let res = { status: 0, body: '' };
    for (let i = 0; i < 150 && res.status !== 200; i++) {
      res = await berth.get('web').catch(() => ({ status: 0, body: '' }));
      if (res.status !== 200) await sleep(200);
    }
    assert.equal(res.status, 200, res.body);
  }

  test('create a volume, an app that mounts it, and write a file into it through the app', async () => {
    const created = await berth.cli(['volumes', 'create', 'uploads']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created volume uploads on /);
    const app = await berth.cli([
      'apps',
      'create',
      'web',
      '--image',
      HELLO_V1,
      '--volume',
      `uploads:${MOUNT}`,
    ]);
    assert.equal(app.code, 0, app.stderr);
    const deployed = await berth.cli(['deploy', 'web']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    await inApp(['sh', '-c', `echo written-before > ${MOUNT}/note.txt`]);
    assert.equal(await note(), 'written-before\n');

    const { volumes } = await berth.json<{ volumes: Volume[] }>(['volumes', 'list']);
    const uploads = volumes.find((v) => v.name === 'uploads');
    assert.deepEqual(uploads?.mounts, [{ app: 'web', path: MOUNT }]);
    // The engine's volume is Berth's name, labelled; nothing called `uploads` exists in Podman.
    const { stdout } = await podman([
      'volume',
      'ls',
      '--format',
      '{{.Name}}',
      '--filter',
      `label=berth.volume=${uploads?.id}`,
    ]);
    assert.deepEqual(stdout.trim().split('\n'), [uploads?.engineName]);
    assert.match(uploads?.engineName ?? '', /^berth-vol-[a-z2-7]{20}$/);
    const shown = await berth.json<App>(['apps', 'show', 'web']);
    assert.deepEqual(shown.volumes, [{ volume: 'uploads', path: MOUNT }]);
    assert.equal(shown.replicaStatus[0]?.server, uploads?.server, 'the replica runs on the volume’s server');
  });

  test('the data survives a redeploy of another image and a rollback', async () => {
    const v2 = await berth.cli(['deploy', 'web', '--image', HELLO_V2]);
    assert.equal(v2.code, 0, v2.stdout + v2.stderr);
    assert.equal(await note(), 'written-before\n');
    const back = await berth.cli(['rollback', 'web']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.equal(await note(), 'written-before\n');
  });

  test('recreate: the old replica stops before the new one starts, and the data is there', async () => {
    const set = await berth.cli(['apps', 'update', 'web', '--strategy', 'recreate']);
    assert.equal(set.code, 0, set.stderr);
    const deployed = await berth.cli(['deploy', 'web', '--image', HELLO_V2]);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const [latest] = await berth.json<Deployment[]>(['deployments', 'list', 'web']);
    const shown = await berth.json<DeploymentWithEvents>(['deployments', 'show', latest?.id ?? '']);
    const messages = shown.events.map((e) => e.message);
    const stopped = messages.findIndex((m) => /left the rotation \(the app is recreated/.test(m));
    const started = messages.findIndex((m) => /^Started berth-web-v/.test(m));
    assert.ok(stopped >= 0 && started > stopped, `old out before new in:\n${messages.join('\n')}`);
    assert.equal(await note(), 'written-before\n');
    await inApp(['sh', '-c', `echo after-recreate >> ${MOUNT}/note.txt`]);
  });

  test('the data survives a restart of the agent (berth up stopped and started)', async () => {
    await berth.stop();
    await berth.start();
    await berth.waitForAgentsOnline();
    await serving();
    assert.equal(await note(), 'written-before\nafter-recreate\n');
  });

  test('the data survives a kill -9 of the replica’s container (a new one mounts the same volume)', async () => {
    const running = (await berth.containers()).filter((c) => c.state === 'running').map((c) => c.name);
    assert.equal(running.length, 1, JSON.stringify(running));
    const name = running[0] ?? '';
    // The replacement has the same name (release and slot): it is told apart by its id.
    const idOf = async (): Promise<string> =>
      (
        await podman(['inspect', '--format', '{{.Id}} {{.State.Status}}', name]).catch(() => ({ stdout: '' }))
      ).stdout.trim();
    const before = await idOf();
    await podman(['kill', '-s', 'KILL', name]);
    let now = before;
    for (let i = 0; i < 300; i++) {
      now = await idOf();
      if (now.endsWith(' running') && now !== before) break;
      await sleep(200);
    }
    assert.ok(now.endsWith(' running') && now !== before, `a new replica runs: ${before} → ${now}`);
    await serving();
    assert.equal(await note(), 'written-before\nafter-recreate\n');
  });

  test('volumes delete is refused while the app mounts it; hostile input is refused and runs nothing', async () => {
    const refused = await berth.cli(['volumes', 'delete', 'uploads']);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /mounted by "web"/);
    for (const [args, why] of [
      [['volumes', 'create', `x; touch ${MARKER}`], /name/],
      [['volumes', 'create', '../uploads'], /name/],
      [
        ['apps', 'create', 'evil', '--image', HELLO_V1, '--volume', `uploads:/$(touch ${MARKER})`],
        /--volume .*(must|may)/,
      ],
      [
        ['apps', 'create', 'evil', '--image', HELLO_V1, '--volume', 'uploads:../../etc'],
        /--volume .*(must|may)/,
      ],
      [
        ['apps', 'create', 'evil', '--image', HELLO_V1, '--volume', 'uploads:/etc/hosts'],
        /--volume .*(must|may)/,
      ],
      [['apps', 'create', 'evil', '--image', HELLO_V1, '--volume', `x'y:/data`], /--volume/],
    ] as const) {
      const r = await berth.cli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, why, r.stderr);
    }
    assert.equal((await berth.cli(['apps', 'show', 'evil'])).code, 1, 'no app was made');
    assert.equal(existsSync(MARKER), false, 'no marker file');
    assert.equal(await note(), 'written-before\nafter-recreate\n');
  });

  test('with the app gone, volumes delete removes the engine volume', async () => {
    const { volumes } = await berth.json<{ volumes: Volume[] }>(['volumes', 'list']);
    const engineName = volumes.find((v) => v.name === 'uploads')?.engineName ?? '';
    assert.equal((await berth.cli(['apps', 'delete', 'web', '--yes'])).code, 0);
    let r = { code: -1, stdout: '', stderr: '' };
    // The app's replica stops after its delete; until it has, the engine keeps the volume.
    for (let i = 0; i < 100 && r.code !== 0; i++) {
      r = await berth.cli(['volumes', 'delete', 'uploads']);
      if (r.code !== 0) await sleep(200);
    }
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const { stdout } = await podman(['volume', 'ls', '--format', '{{.Name}}']);
    assert.ok(!stdout.split('\n').includes(engineName), `${engineName} is gone`);
  });
});
