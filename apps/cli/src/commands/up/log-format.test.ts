import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCaddyFormat } from './log-format.js';

const caddyError = (error: string, ts = 1_796_000_000): string =>
  JSON.stringify({
    level: 'error',
    ts,
    logger: 'http.handlers.reverse_proxy',
    msg: 'failed getting dynamic upstreams',
    error,
  });

test('a Caddy error repeated per request is shown once a minute, then with the count it hid', () => {
  let now = 0;
  const format = createCaddyFormat(() => now);
  const dial = (port: number): string =>
    caddyError(`dial unix /d/run/upstream-dns.sock: connect: no such file or directory (lookup :${port})`);
  const first = format(dial(1));
  assert.match(first ?? '', /caddy {2}error: failed getting dynamic upstreams \(dial unix .*no such file/);
  for (let i = 2; i < 86; i++) {
    now += 30;
    assert.equal(format(dial(i)), null, 'a repeat within the minute is not shown');
  }
  now += 60_000;
  assert.match(format(dial(99)) ?? '', /\[and 84 more like it in the last minute\]$/);
});

test('different Caddy errors are each shown; info lines and non-JSON lines are not', () => {
  const format = createCaddyFormat(() => 0);
  assert.ok(format(caddyError('one')));
  assert.ok(format(caddyError('two')));
  assert.equal(format(JSON.stringify({ level: 'info', msg: 'serving' })), null);
  assert.equal(format('plain text'), null);
});
