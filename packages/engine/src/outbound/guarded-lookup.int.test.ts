// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * The SSRF guard with real name resolution (the system resolver, /etc/hosts' localhost) and
 * real HTTP connections to a server on 127.0.0.1. Public DNS is not reachable here, so names
 * that "resolve to" other addresses use an injected resolver (checkEgressUrl's `resolve`), and
 * the test says so where it does.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { checkEgressUrl, createGuardedAgents } from './guarded-lookup.js';

let server: http.Server;
let port = 0;
before(async () => {
  server = http.createServer((_req, res) => res.end('reached'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const refused = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof BerthError, `a BerthError, got ${String(e)}`);
  assert.equal(e.code, 'DESTINATION_NOT_ALLOWED', e.message);
  assert.match(e.message, pattern);
  return true;
};

function get(url: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

test('checkEgressUrl resolves the name and refuses private answers unless allowed', async () => {
  const open = await checkEgressUrl(`http://127.0.0.1:${port}`, { what: 'webhook', allowPrivate: true });
  assert.deepEqual(open.addresses, ['127.0.0.1']);
  await assert.rejects(
    checkEgressUrl(`http://127.0.0.1:${port}`, { what: 'webhook', allowPrivate: false }),
    refused(/loopback/),
  );

  // Injected resolver (no public DNS here): a public name whose answers include a private address.
  const resolveTo = (addresses: string[]) => () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  const ok = await checkEgressUrl('https://hooks.example.com/x?y=1', {
    what: 'webhook',
    allowPrivate: false,
    resolve: resolveTo(['93.184.216.34']),
  });
  assert.equal(ok.host, 'hooks.example.com');
  await assert.rejects(
    checkEgressUrl('https://hooks.example.com', {
      what: 'webhook',
      allowPrivate: false,
      resolve: resolveTo(['93.184.216.34', '10.0.0.7']),
    }),
    refused(/hooks\.example\.com \(10\.0\.0\.7\) is a private network address/),
  );
  await assert.rejects(
    checkEgressUrl('https://meta.example.com', {
      what: 'webhook',
      allowPrivate: true,
      resolve: resolveTo(['169.254.169.254']),
    }),
    refused(/metadata/),
  );
  await assert.rejects(
    checkEgressUrl('https://nx.invalid', { what: 'webhook', allowPrivate: false }),
    (e: unknown) =>
      e instanceof BerthError && e.code === 'DESTINATION_UNRESOLVABLE' && /does not resolve/.test(e.message),
  );
});

test('the guarded agents refuse at connect time a name that resolves to loopback', async () => {
  const closed = createGuardedAgents('the webhook', { allowPrivate: false });
  const open = createGuardedAgents('the webhook', { allowPrivate: true });
  try {
    // "localhost" resolves through /etc/hosts to 127.0.0.1: the lookup, not the URL, decides here.
    await assert.rejects(
      get(`http://localhost:${port}/`, closed.httpAgent),
      refused(/localhost \(127\.0\.0\.1\) is a loopback address/),
    );
    assert.equal(await get(`http://localhost:${port}/`, open.httpAgent), 'reached');
  } finally {
    closed.destroy();
    open.destroy();
  }
});
