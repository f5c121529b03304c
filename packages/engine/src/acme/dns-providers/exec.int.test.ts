/**
 * The exec provider running real programs: a user's hook script that writes the record into a
 * real BIND 9 with `nsupdate -k`, then hooks that fail, overrun their timeout, or get arguments a
 * shell would have read as syntax.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { useBind9 } from '../../../../../test/support/bind9.js';
import { createDns01Provider } from './index.js';

const bind = useBind9({ zones: ['example.test'] });
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-dns-exec-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const challengeValue = (): string => randomBytes(32).toString('base64url');

/** Dead (no process, or a zombie its new parent has not reaped yet) within two seconds. */
async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    // The state follows the command's closing parenthesis.
    if (stat === null || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function script(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/** A user's hook as lego's exec provider would call it: <keyfile> <server> <port> present|cleanup <fqdn> <value>. */
const NSUPDATE_HOOK = `set -eu
keyfile=$1 server=$2 port=$3 action=$4 fqdn=$5 value=$6
case "$action" in present) op=add ;; cleanup) op=delete ;; *) exit 2 ;; esac
printf 'server %s %s\\nupdate %s %s 60 TXT "%s"\\nsend\\n' "$server" "$port" "$op" "$fqdn" "$value" | nsupdate -k "$keyfile"`;

test('a hook writing through nsupdate: published, seen at the zone’s name server (found by NS), withdrawn', async () => {
  const keyfile = join(dir, 'tsig.key');
  const { name, algorithm, secret } = bind().key;
  await writeFile(keyfile, `key "${name}" { algorithm ${algorithm}; secret "${secret}"; };\n`, {
    mode: 0o600,
  });
  const dns01 = createDns01Provider(
    {
      kind: 'exec',
      program: await script('nsupdate-hook', NSUPDATE_HOOK),
      args: [keyfile, '127.0.0.1', String(bind().port)],
      timeoutMs: 10_000,
    },
    {
      // The zone's NS (ns.example.test → 127.0.0.1) asked on the test server's port, not 53.
      visibility: { check: 'authoritative', resolver: bind().address, nameserverPort: bind().port },
      visibilityTimeoutMs: 5000,
      visibilityIntervalMs: 50,
    },
  );
  const fqdn = '_acme-challenge.hook.example.test';
  const value = challengeValue();
  await dns01.publish(fqdn, value);
  assert.deepEqual(await bind().txt(fqdn), [value]);
  await dns01.withdraw(fqdn, value);
  assert.deepEqual(await bind().txt(fqdn), []);
});

test('arguments arrive verbatim (no shell), in a minimal environment', async () => {
  const out = join(dir, 'argv.txt');
  const program = await script('argv-hook', `printf '%s\\n' "$@" > "${out}"; env | sort >> "${out}"`);
  const hostile = ['$(touch /tmp/pwned)', '; rm -rf /', '`id`', 'a b', '*'];
  const dns01 = createDns01Provider(
    { kind: 'exec', program, args: hostile },
    { visibility: { check: 'none' } },
  );
  const value = challengeValue();
  await dns01.publish('_acme-challenge.argv.example.test', value);
  const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 8), [...hostile, 'present', '_acme-challenge.argv.example.test', value]);
  const env = lines.slice(8).filter((l) => !/^(PWD|SHLVL|_)=/.test(l));
  assert.deepEqual(env, [
    'LANG=C.UTF-8',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  ]);
});

test('a hook that fails: its exit status and output in the error', async () => {
  const program = await script(
    'failing-hook',
    'echo "progress: talking to the API"; echo "API said: zone locked" >&2; exit 3',
  );
  const dns01 = createDns01Provider({ kind: 'exec', program }, { visibility: { check: 'none' } });
  const failure = await dns01.withdraw('_acme-challenge.fail.example.test', challengeValue()).then(
    () => assert.fail('the hook fails'),
    (e: unknown) => e,
  );
  assert.ok(failure instanceof BerthError, String(failure));
  assert.equal(failure.code, 'DNS_PROVIDER_FAILED');
  assert.match(
    failure.message,
    /The DNS-01 program .*failing-hook \(cleanup _acme-challenge\.fail\.example\.test\) exited with status 3: API said: zone locked/,
  );
  assert.deepEqual(failure.logs, ['stdout:\nprogress: talking to the API', 'stderr:\nAPI said: zone locked']);
});

test('a hook that overruns its timeout is killed with what it started', async () => {
  const pidFile = join(dir, 'sleeper.pid');
  const program = await script('slow-hook', `sleep 30 & echo $! > "${pidFile}"; wait`);
  const dns01 = createDns01Provider(
    { kind: 'exec', program, timeoutMs: 1000 },
    { visibility: { check: 'none' } },
  );
  const started = Date.now();
  await assert.rejects(dns01.publish('_acme-challenge.slow.example.test', challengeValue()), {
    code: 'DNS_PROVIDER_FAILED',
    message:
      /slow-hook \(present _acme-challenge\.slow\.example\.test\) was killed after its timeout of 1000 ms/,
  });
  assert.ok(Date.now() - started < 5000, 'bounded by the timeout');
  const sleeper = Number(await readFile(pidFile, 'utf8'));
  assert.ok(await gone(sleeper), 'the hook’s child is gone too');
});

test('a program that is not there, and settings that are not valid, are refused clearly', async () => {
  await assert.rejects(
    createDns01Provider(
      { kind: 'exec', program: join(dir, 'missing') },
      { visibility: { check: 'none' } },
    ).publish('_acme-challenge.x.example.test', challengeValue()),
    { code: 'DNS_PROVIDER_FAILED', message: /could not be started: spawn .*missing ENOENT/ },
  );
  assert.throws(() => createDns01Provider({ kind: 'exec', program: 'hook.sh' }), {
    code: 'VALIDATION_FAILED',
    message: /Invalid DNS provider settings: program must be an absolute path/,
  });
});
