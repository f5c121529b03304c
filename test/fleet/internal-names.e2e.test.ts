/**
 * Issue 10: apps reach their own team's apps by name, `<app>.internal`, on every server, and no
 * other team's (docs/security.md, "Apps reach their own team by name"). Two servers (fleet 'n'):
 * `api` runs on s2 only, `web` of the same team on s1 asks for http://api.internal/ and gets
 * api's answer through s1's edge and the mesh; `spy` of team blue, also on s1, gets NXDOMAIN for
 * the name and, asking s1's edge itself at its gateway with `Host: api.internal`, no api content.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthUnderTest } from '../e2e/support/berth.js';
import { HELLO_V1, ensureExampleImages } from '../support/images.js';
import { joinServers } from './support/agent.js';
import type { CommandResult } from './support/command.js';
import { useFleet } from './support/fixture.js';

describe('<app>.internal across a fleet of two servers', () => {
  const fleet = useFleet({
    id: 'n',
    servers: 2,
    subnet: '10.99.9.0/24',
    images: [HELLO_V1],
    imagesOn: [1],
    prepare: ensureExampleImages,
  });
  let berth: BerthUnderTest | null = null;
  const b = (): BerthUnderTest => berth as BerthUnderTest;

  before(async () => {
    berth = await BerthUnderTest.create();
    await berth.start(['--api-host', fleet().controlIp, '--no-agent']);
  });
  after(async () => {
    await berth?.destroy();
  });

  /** Creates and deploys an app pinned to one server; returns its replica's container name. */
  const deployOn = async (app: string, server: string, extra: readonly string[] = []): Promise<string> => {
    const created = await b().cli([
      'apps',
      'create',
      app,
      '--image',
      HELLO_V1,
      '--env',
      `GREETING=${app}`,
      '--constraint',
      `node=${server}`,
      ...extra,
    ]);
    assert.equal(created.code, 0, created.stdout + created.stderr);
    const deployed = await b().cli(['deploy', app]);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const shown = await b().json<{ replicaStatus: { name: string; server: string }[] }>([
      'apps',
      'show',
      app,
    ]);
    assert.equal(shown.replicaStatus.length, 1, JSON.stringify(shown));
    assert.equal(shown.replicaStatus[0]?.server, server, JSON.stringify(shown));
    return shown.replicaStatus[0]?.name ?? '';
  };

  /** Runs in the container on s1 until `done` holds for the result (the edge and DNS follow a tick). */
  const eventually = async (
    container: string,
    args: readonly string[],
    done: (r: CommandResult) => boolean,
  ): Promise<CommandResult> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await fleet()
        .server(1)
        .podmanCli(['exec', container, ...args]);
      if (done(r)) return r;
      assert.ok(Date.now() < deadline, `${args.join(' ')} in ${container}: ${r.code} ${r.stdout}${r.stderr}`);
      await sleep(250);
    }
  };

  /**
   * An HTTP/1.0 GET to ip:80 with this Host, by busybox nc (the image's static busybox wget
   * segfaults). Its input stays open a moment: a client that half-closes at once has Caddy (Go)
   * cancel the request, and with it the upstream lookup (a 503).
   */
  const httpFrom = (container: string, ip: string, host: string): Promise<CommandResult> =>
    fleet()
      .server(1)
      .podmanCli([
        'exec',
        container,
        'sh',
        '-c',
        `(printf 'GET / HTTP/1.0\\r\\nHost: ${host}\\r\\n\\r\\n'; sleep 2) | nc -w 3 ${ip} 80`,
      ]);

  /**
   * GET http://NAME/ from the container, NAME resolved by the container's own DNS server (its
   * resolv.conf): busybox nslookup asks it directly, then nc connects to the address it gave.
   */
  const getByName = async (container: string, name: string): Promise<CommandResult> => {
    const looked = await fleet().server(1).podmanCli(['exec', container, 'nslookup', '-type=a', name]);
    const address = /^Name:\s+\S+\s+Address:\s+(\d+\.\d+\.\d+\.\d+)\s*$/m.exec(looked.stdout)?.[1];
    if (address === undefined) return { ...looked, code: looked.code === 0 ? 1 : looked.code };
    return httpFrom(container, address, name);
  };

  /** GET http://NAME/ until its response has `body`, within 30 s (routes and DNS follow a pass). */
  const eventuallyGet = async (container: string, name: string, body: string): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await getByName(container, name);
      if (r.code === 0 && /^HTTP\/1\.[01] 200/.test(r.stdout) && r.stdout.includes(body)) return;
      assert.ok(
        Date.now() < deadline,
        `GET http://${name}/ in ${container}: ${r.code} ${JSON.stringify(r.stdout)} ${r.stderr}`,
      );
      await sleep(250);
    }
  };

  let web = '';
  let spy = '';

  test('a replica of the team on s1 reaches api, which runs on s2 only, as http://api.internal/', async () => {
    await joinServers(
      b(),
      fleet().controlIp,
      fleet().servers.map((server) => ({ server, label: `node=${server.name}` })),
    );
    await deployOn('api', 's2');
    web = await deployOn('web', 's1');
    // The replica asks its team gateway's DNS, not the host's resolvers.
    const conf = await fleet().server(1).podmanCli(['exec', web, 'cat', '/etc/resolv.conf']);
    assert.match(conf.stdout, /^nameserver 10\.\d+\.\d+\.1$/m, conf.stdout);
    await eventuallyGet(web, 'api.internal', 'hello v1 api\n');
    await eventuallyGet(web, 'web.internal', 'hello v1 web\n');
  });

  test("another team's app on s1 gets NXDOMAIN for api.internal, and no api from the edge", async () => {
    assert.equal((await b().cli(['teams', 'create', 'blue'])).code, 0);
    assert.equal((await b().cli(['teams', 'allow-local-images', 'blue'])).code, 0);
    spy = await deployOn('spy', 's1', ['--team', 'blue']);
    // Its own name resolves (so the DNS answers it at all), api's does not exist for it.
    await eventually(spy, ['nslookup', 'spy.internal'], (r) => r.code === 0);
    const looked = await fleet().server(1).podmanCli(['exec', spy, 'nslookup', 'api.internal']);
    assert.notEqual(looked.code, 0, looked.stdout);
    assert.match(looked.stdout + looked.stderr, /NXDOMAIN/);
    // Asking s1's edge at its own gateway, by the name: the edge serves api.internal to web's team only.
    const conf = await fleet().server(1).podmanCli(['exec', spy, 'cat', '/etc/resolv.conf']);
    const gateway = /^nameserver (\S+)$/m.exec(conf.stdout)?.[1];
    assert.ok(gateway, conf.stdout);
    // The edge answers blue at its own gateway, for its own app.
    await eventuallyGet(spy, 'spy.internal', 'hello v1 spy\n');
    const asked = await httpFrom(spy, gateway, 'api.internal');
    assert.equal(asked.code, 0, asked.stderr);
    assert.match(asked.stdout, /^HTTP\/1\.[01] 404/, asked.stdout);
    assert.doesNotMatch(asked.stdout, /hello v1 api/);
  });
});
