import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, test } from 'node:test';
import { createClient } from '@berth/client';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';
import { reconnectDelayMs, waitForBerthd } from './reconnect.js';
import { freePort } from '../../../../test/support/ports.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A loopback port nothing listens on (yet). */

function berthdOn(port: number): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', version: 'test' }));
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

test('tries again at 250 ms, doubling to 2 s', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 10].map(reconnectDelayMs), [250, 500, 1000, 2000, 2000, 2000]);
});

test('returns once berthd answers again', async () => {
  const port = await freePort();
  const client = createClient({ url: `http://127.0.0.1:${port}`, token: null });
  const started = Date.now();
  const waiting = waitForBerthd(client, { since: started, hint: 'x' });
  // berthd comes back while the CLI waits.
  setTimeout(() => void berthdOn(port), 400);
  await waiting;
  assert.ok(Date.now() - started < 5_000);
});

test('gives up with exit 3 and the hint once the window has passed', async () => {
  const client = createClient({ url: `http://127.0.0.1:${await freePort()}`, token: null });
  await assert.rejects(
    waitForBerthd(
      client,
      { since: Date.now(), hint: 'Follow it again: berth deployments show d --follow' },
      { windowMs: 600 },
    ),
    (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.exitCode, EXIT.unreachable);
      assert.match(err.message, /berthd has not answered for 1 s/);
      assert.equal(err.hint, 'Follow it again: berth deployments show d --follow');
      return true;
    },
  );
});
