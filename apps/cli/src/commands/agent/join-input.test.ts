import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJoinInput } from './join-input.js';
import { parseJoinTokenText } from './join-token.js';

const SECRET = 'A'.repeat(42) + 'w';
const FP = '9f'.repeat(32);
const PINNED = `bj1.${SECRET}.${FP}`;
const LOCAL = `bj1.${SECRET}.none`;
const flags = { httpPort: 80 };

test('a join token is bj1, a 32-byte base64url secret and the CA fingerprint (or none)', () => {
  assert.deepEqual(parseJoinTokenText(`  ${PINNED}\n`), { text: PINNED, fingerprint: `sha256:${FP}` });
  assert.deepEqual(parseJoinTokenText(LOCAL), { text: LOCAL, fingerprint: null });
  for (const bad of [
    '',
    `bj2.${SECRET}.${FP}`,
    `bj1.${SECRET}A.${FP}`, // 44 characters: not 32 bytes
    `bj1.${SECRET.slice(1)}+.${FP}`, // base64, not base64url
    `bj1.${SECRET}.${FP.toUpperCase()}`,
    `bj1.${SECRET}.sha256:${FP}`,
    `bj1.${SECRET}.${FP}.x`,
    `bj1.${SECRET}`,
  ])
    assert.throws(() => parseJoinTokenText(bad), {
      code: 'VALIDATION_FAILED',
      message: 'The join token is not one berth servers add printed',
    });
});

test('a pinned token joins over https only; its URL is kept as an origin', () => {
  const input = parseJoinInput('https://192.0.2.10:7070/', PINNED, flags);
  assert.equal(input.serverUrl, 'https://192.0.2.10:7070');
  assert.equal(input.token.fingerprint, `sha256:${FP}`);
  assert.equal(parseJoinInput('https://[fd00::1]:7070', PINNED, flags).serverUrl, 'https://[fd00::1]:7070');
  assert.throws(() => parseJoinInput('http://192.0.2.10:7070', PINNED, flags), {
    message: /^URL must be https:\/\/ for a token that pins berthd's CA/,
  });
});

test('a token without a fingerprint joins only berthd on this machine, over http', () => {
  assert.equal(parseJoinInput('http://127.0.0.1:7070', LOCAL, flags).serverUrl, 'http://127.0.0.1:7070');
  for (const url of ['http://192.0.2.10:7070', 'https://127.0.0.1:7070'])
    assert.throws(() => parseJoinInput(url, LOCAL, flags), {
      message: /^URL must be http:\/\/ on this machine for a token without a CA fingerprint/,
    });
});

test("berthd's URL is an origin: no path, query, credentials or other scheme", () => {
  for (const url of [
    'berth.example.com:7070',
    'https://berth.example.com:7070/api',
    'https://berth.example.com:7070/?x=1',
    'https://ann:pw@berth.example.com:7070',
    'ftp://berth.example.com',
    'not a url',
  ])
    assert.throws(
      () => parseJoinInput(url, PINNED, flags),
      { message: /^URL must be berthd's address/ },
      url,
    );
});

test('the private address is only ever the one given (never the public one); both are single IP addresses', () => {
  // Replicas are published on the private address: on a public one they would bypass the edge.
  const publicOnly = parseJoinInput('https://b:7070', PINNED, { ...flags, publicIp: '203.0.113.5' });
  assert.deepEqual([publicOnly.publicIp, publicOnly.privateIp], ['203.0.113.5', null]);
  const apart = parseJoinInput('https://b:7070', PINNED, {
    ...flags,
    publicIp: '203.0.113.5',
    privateIp: '10.99.0.2',
  });
  assert.deepEqual([apart.publicIp, apart.privateIp], ['203.0.113.5', '10.99.0.2']);
  const none = parseJoinInput('https://b:7070', PINNED, flags);
  assert.deepEqual([none.publicIp, none.privateIp, none.engineSocket], [null, null, null]);
  assert.throws(() => parseJoinInput('https://b:7070', PINNED, { ...flags, publicIp: 'web-2' }), {
    message: '--public-ip must be an IP address of this server, got "web-2"',
  });
  assert.throws(() => parseJoinInput('https://b:7070', PINNED, { ...flags, privateIp: '0.0.0.0' }), {
    message: '--private-ip must be one address of this server, not 0.0.0.0',
  });
  assert.throws(() => parseJoinInput('https://b:7070', PINNED, { ...flags, engineSocket: 'podman.sock' }), {
    message: /^--engine-socket must be an absolute path/,
  });
});

test('the mesh interface: berth-mesh on 51820 unless given, none with --no-mesh, a name ip cannot misread', () => {
  assert.deepEqual(parseJoinInput('https://b:7070', PINNED, flags).mesh, {
    interfaceName: 'berth-mesh',
    listenPort: 51820,
  });
  assert.deepEqual(
    parseJoinInput('https://b:7070', PINNED, { ...flags, meshInterface: 'wg0', meshPort: 51999 }).mesh,
    { interfaceName: 'wg0', listenPort: 51999 },
  );
  assert.equal(parseJoinInput('https://b:7070', PINNED, { ...flags, mesh: false }).mesh, null);
  for (const bad of ['-dev', 'eth0 up', 'a-name-far-too-long', 'Wg0', ''])
    assert.throws(() => parseJoinInput('https://b:7070', PINNED, { ...flags, meshInterface: bad }), {
      message: /^--mesh-interface must be 1-15 of a-z/,
    });
});

test('--hsts-max-age: none unless given, and only with --https-port', () => {
  assert.equal(parseJoinInput('https://b:7070', PINNED, { ...flags, httpsPort: 443 }).hstsMaxAge, null);
  const on = parseJoinInput('https://b:7070', PINNED, { ...flags, httpsPort: 443, hstsMaxAge: 600 });
  assert.equal(on.hstsMaxAge, 600);
  assert.throws(() => parseJoinInput('https://b:7070', PINNED, { ...flags, hstsMaxAge: 600 }), {
    code: 'VALIDATION_FAILED',
    message: '--hsts-max-age needs --https-port: HSTS is only ever sent over HTTPS',
  });
});

test('the edge: Caddy unless --proxy nginx', () => {
  assert.equal(parseJoinInput('https://b:7070', PINNED, flags).proxy, 'caddy');
  assert.equal(parseJoinInput('https://b:7070', PINNED, { ...flags, proxy: 'nginx' }).proxy, 'nginx');
});
