// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isBerthError } from '@berth/protocol';
import { checkEgressUrl, pinnedLookup, type Resolver } from './guarded-lookup.js';

// Integration: the system resolver answers `localhost` (from /etc/hosts), and a real HTTP
// server on 127.0.0.1 shows where a pinned request really connects.

let server: Server;
let port = 0;
before(async () => {
  server = createServer((req, res) => res.end(`hello ${req.headers.host ?? ''}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

async function refusedWith(url: string, code: string, pattern: RegExp, options = {}): Promise<void> {
  await assert.rejects(checkEgressUrl(url, { what: 'webhook URL', ...options }), (err: unknown) => {
    assert.ok(isBerthError(err), String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

test('loopback, private, link-local and metadata addresses are refused without an owner', async () => {
  await refusedWith('http://127.0.0.1:8080/hook', 'DESTINATION_NOT_ALLOWED', /a loopback address/);
  await refusedWith('http://[::1]/hook', 'DESTINATION_NOT_ALLOWED', /a loopback address/);
  await refusedWith('https://10.2.3.4/hook', 'DESTINATION_NOT_ALLOWED', /a private network address/);
  await refusedWith('http://169.254.169.254/latest/meta-data/', 'DESTINATION_NOT_ALLOWED', /metadata/);
  await refusedWith('http://[::ffff:127.0.0.1]/', 'DESTINATION_NOT_ALLOWED', /loopback/);
  // The URL parser reads these old IPv4 spellings as 127.0.0.1: they get no way round.
  await refusedWith('http://2130706433/', 'DESTINATION_NOT_ALLOWED', /loopback/);
  await refusedWith('http://0x7f.1/', 'DESTINATION_NOT_ALLOWED', /loopback/);
});

test('a host name resolving to 127.0.0.1 (localhost) is refused, naming the address', async () => {
  await refusedWith(
    `http://localhost:${port}/`,
    'DESTINATION_NOT_ALLOWED',
    /localhost \(127\.0\.0\.1\) is a loopback address/,
  );
});

test('unspecified, multicast and metadata addresses stay refused even for an owner', async () => {
  await refusedWith('http://169.254.169.254/', 'DESTINATION_NOT_ALLOWED', /metadata/, {
    allowPrivate: true,
  });
  await refusedWith('http://[fd00:ec2::254]/', 'DESTINATION_NOT_ALLOWED', /metadata/, {
    allowPrivate: true,
  });
  await refusedWith('http://0.0.0.0/', 'DESTINATION_NOT_ALLOWED', /unspecified/, { allowPrivate: true });
  await refusedWith('http://224.0.0.1/', 'DESTINATION_NOT_ALLOWED', /multicast/, { allowPrivate: true });
});

test('URLs that are not usable are validation errors', async () => {
  await refusedWith('not a url', 'VALIDATION_FAILED', /must be an http\(s\) URL/);
  await refusedWith('ftp://example.com/', 'VALIDATION_FAILED', /must use http or https/);
  await refusedWith('file:///etc/passwd', 'VALIDATION_FAILED', /must use http or https/);
  await refusedWith(
    'https://user:pw@example.com/',
    'VALIDATION_FAILED',
    /must not carry a user or a password/,
  );
  await refusedWith(
    `https://example.com/${'a'.repeat(3000)}`,
    'VALIDATION_FAILED',
    /at most 2048 characters/,
  );
  await refusedWith('http://no-such-host.invalid/', 'DESTINATION_UNRESOLVABLE', /does not resolve/);
});

// The resolvers below are fakes of DNS answers we cannot make real here (a public name, a name
// that answers two addresses): the checks on what they answer are the real code.
test('one private address among public ones refuses the name', async () => {
  const resolve: Resolver = () =>
    Promise.resolve([
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
  await refusedWith(
    'https://mixed.example/',
    'DESTINATION_NOT_ALLOWED',
    /mixed\.example \(127\.0\.0\.1\) is a loopback address/,
    { resolve },
  );
});

test('a public answer passes and is what the request will connect to', async () => {
  const resolve: Resolver = () => Promise.resolve([{ address: '93.184.216.34', family: 4 }]);
  const checked = await checkEgressUrl('https://hooks.example/berth?x=1', { resolve });
  assert.equal(checked.address, '93.184.216.34');
  assert.equal(checked.host, 'hooks.example');
  assert.equal(checked.addressClass, 'public');
  assert.deepEqual(checked.addresses, ['93.184.216.34']);
});

test('an owner may allow 127.0.0.1; the request connects to the checked address, resolving nothing again', async () => {
  let lookups = 0;
  // A name the system resolver does not know: if the request resolved it again, it would fail.
  const resolve: Resolver = () => {
    lookups += 1;
    return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
  };
  const checked = await checkEgressUrl(`http://rebind.invalid:${port}/`, { allowPrivate: true, resolve });
  assert.equal(checked.addressClass, 'loopback');
  const body = await new Promise<string>((resolveBody, reject) => {
    const req = request(
      { hostname: checked.host, port, path: '/', lookup: pinnedLookup(checked), agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolveBody(text));
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(body, `hello rebind.invalid:${port}`);
  assert.equal(lookups, 1);
});
