/**
 * Issue 12, notification webhooks through the CLI against a real `berth up`: a receiver on
 * 127.0.0.1 (an installation owner allowed private addresses) gets a signed `deploy.failed` for a
 * deploy that fails its health check, and the signature verifies with the secret `notify add`
 * printed; a team admin is refused loopback and the cloud metadata address (403, nothing sent);
 * a receiver answering 500 then 200 gets the same delivery again; and a delivery still failing
 * when berthd is killed (-9) is delivered by the berthd that replaces it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyNotificationSignature } from '@berth/engine';
import type { NotificationChannel, NotificationDelivery, NotificationEnvelope } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest } from './support/berth.js';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

/** A webhook receiver on loopback: records every request and answers what the test says. */
class Receiver {
  readonly requests: Received[] = [];
  /** Status codes to answer next, first first; 200 once they are used up. */
  answers: number[] = [];
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        res.statusCode = this.answers.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  of(path: string, type?: string): Received[] {
    return this.requests.filter(
      (r) => r.path === path && (type === undefined || r.headers['berth-event'] === type),
    );
  }

  async waitFor(path: string, type: string, count: number, timeoutMs = 60_000): Promise<Received[]> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const got = this.of(path, type);
      if (got.length >= count) return got;
      await sleep(100);
    }
    throw new Error(`${path} got ${this.of(path, type).length} ${type} request(s), wanted ${count}`);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('notification webhooks', () => {
  let berth: BerthUnderTest;
  const receiver = new Receiver();
  let secret = '';
  let channel = '';

  before(async () => {
    await ensureExampleImages();
    await receiver.start();
    berth = await BerthUnderTest.create();
    await berth.start();
    // Listens on PORT; Berth probes 8080, which nothing answers: every deploy fails its health check.
    const app = await berth.cli([
      'apps',
      'create',
      'web',
      '--image',
      HELLO_V1,
      '--env',
      'PORT=9999',
      '--health-timeout',
      '2s',
    ]);
    assert.equal(app.code, 0, app.stderr);
  });
  after(async () => {
    await berth?.destroy();
    await receiver.stop();
  });

  const failDeploy = async (): Promise<void> => {
    const r = await berth.cli(['deploy', 'web']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /did not pass its health check/);
  };

  const deliveries = async (): Promise<NotificationDelivery[]> =>
    (await berth.json<{ deliveries: NotificationDelivery[] }>(['notify', 'deliveries'])).deliveries;

  test('a team admin is refused loopback and link-local webhooks (403), and nothing is sent', async () => {
    const made = await berth.json<{ token: string }>(['tokens', 'create', 'ops', '--role', 'admin']);
    const asAdmin = { BERTH_TOKEN: made.token };
    for (const url of [
      receiver.url('/admin'),
      'http://127.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      const r = await berth.cli(['notify', 'add', '--webhook', url], asAdmin);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /webhook URL .*refused/);
      // The API's answer under the CLI: 403 DESTINATION_NOT_ALLOWED.
      const res = await fetch(`http://127.0.0.1:${berth.apiPort}/api/v1/notifications/channels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${made.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { code: string }).code, 'DESTINATION_NOT_ALLOWED');
    }
    const owned = await berth.cli(
      ['notify', 'add', '--webhook', receiver.url('/admin'), '--allow-private'],
      asAdmin,
    );
    assert.equal(owned.code, 1, owned.stdout + owned.stderr);
    assert.match(owned.stderr, /Only an installation owner/);
    const list = await berth.json<{ channels: NotificationChannel[] }>(['notify', 'list']);
    assert.deepEqual(list.channels, []);
    assert.equal(receiver.requests.length, 0);
  });

  test('an owner adds a private webhook; the secret is printed once; notify test delivers a signed event', async () => {
    const added = await berth.cli([
      'notify',
      'add',
      '--webhook',
      receiver.url('/hook'),
      '--events',
      'deploy.failed,backup.failed',
      '--name',
      'ops',
      '--allow-private',
    ]);
    assert.equal(added.code, 0, added.stderr);
    secret = /(whsec_[A-Za-z0-9_-]+)/.exec(added.stdout)?.[1] ?? '';
    channel = /Added webhook (nch_[a-z2-7]{20})/.exec(added.stdout)?.[1] ?? '';
    assert.ok(secret && channel, added.stdout);
    const list = await berth.cli(['notify', 'list', '--json']);
    assert.ok(!list.stdout.includes(secret), 'the secret is never returned again');
    const [shown] = (JSON.parse(list.stdout) as { channels: NotificationChannel[] }).channels;
    assert.deepEqual(
      [shown?.id, shown?.name, shown?.events, shown?.allowPrivate],
      [channel, 'ops', ['deploy.failed', 'backup.failed'], true],
    );

    const tested = await berth.cli(['notify', 'test', channel]);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /Delivered notification\.test .*HTTP 200/);
    const [req] = receiver.of('/hook', 'notification.test');
    assert.ok(req);
    const check = verifyNotificationSignature(
      secret,
      req.headers['berth-signature'] as string,
      req.body,
      Date.now(),
    );
    assert.equal(check.ok, true, JSON.stringify(check));
  });

  test('a deploy that fails its health check is sent, signed, to its team’s webhook only', async () => {
    // Another team's webhook on the same receiver: it must never see this team's events.
    assert.equal((await berth.cli(['teams', 'create', 'beta'])).code, 0);
    const beta = await berth.cli([
      'notify',
      'add',
      '--webhook',
      receiver.url('/beta'),
      '--team',
      'beta',
      '--allow-private',
    ]);
    assert.equal(beta.code, 0, beta.stderr);

    await failDeploy();
    const [req] = await receiver.waitFor('/hook', 'deploy.failed', 1);
    assert.ok(req);
    const check = verifyNotificationSignature(
      secret,
      req.headers['berth-signature'] as string,
      req.body,
      Date.now(),
    );
    assert.equal(check.ok, true, JSON.stringify(check));
    assert.equal(
      verifyNotificationSignature(
        'whsec_wrong',
        req.headers['berth-signature'] as string,
        req.body,
        Date.now(),
      ).ok,
      false,
    );
    const event = JSON.parse(req.body) as NotificationEnvelope;
    assert.deepEqual([event.type, event.team, event.subject], ['deploy.failed', 'default', 'app:web']);
    assert.match(String(event.detail['error']), /health check/);
    assert.match(event.id, /^evt_/);
    await sleep(500);
    assert.equal(receiver.of('/beta').length, 0, 'another team’s webhook got nothing');
  });

  test('a receiver answering 500 gets the same delivery again, and the history says so', async () => {
    receiver.answers = [500];
    const before = receiver.of('/hook', 'deploy.failed').length;
    await failDeploy();
    const got = (await receiver.waitFor('/hook', 'deploy.failed', before + 2)).slice(before);
    assert.equal(
      got[0]?.headers['berth-delivery'],
      got[1]?.headers['berth-delivery'],
      'one delivery, retried',
    );
    assert.equal(JSON.parse(got[0]?.body ?? '{}').id, JSON.parse(got[1]?.body ?? '{}').id, 'the same event');
    const id = got[0]?.headers['berth-delivery'];
    let shown: NotificationDelivery | undefined;
    for (let i = 0; i < 50 && shown?.status !== 'delivered'; i++) {
      shown = (await deliveries()).find((d) => d.id === id);
      if (shown?.status !== 'delivered') await sleep(100);
    }
    assert.deepEqual([shown?.status, shown?.attempts, shown?.lastStatus], ['delivered', 2, 200]);
  });

  test('a delivery still failing when berthd is killed is delivered by the next berthd', async () => {
    receiver.answers = Array<number>(1000).fill(503);
    const before = receiver.of('/hook', 'deploy.failed').length;
    await failDeploy();
    const [first] = (await receiver.waitFor('/hook', 'deploy.failed', before + 1)).slice(before);
    const id = first?.headers['berth-delivery'];
    const pid = await berth.pid('berthd');
    process.kill(pid, 'SIGKILL');
    await berth.waitForRestart('berthd', pid);
    const restartedAt = Date.now();
    receiver.answers = [];
    let delivered: Received | undefined;
    for (let i = 0; i < 600 && !delivered; i++) {
      delivered = receiver
        .of('/hook', 'deploy.failed')
        .find((r) => r.headers['berth-delivery'] === id && r.at >= restartedAt);
      if (!delivered) await sleep(100);
    }
    assert.ok(delivered, 'the new berthd sent it');
    const shown = (await deliveries()).find((d) => d.id === id);
    assert.equal(shown?.status, 'delivered');
  });
});
