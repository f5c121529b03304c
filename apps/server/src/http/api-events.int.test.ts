// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { EventStreamMessage } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, deploy } from './test-support/fixtures.js';
import { API, createClient, type Client } from './test-support/http.js';
import { createTokenVia, createUserVia, loginAs, PASSWORD } from './test-support/principals.js';

/**
 * The event stream over real HTTP (`GET /events`, what each dashboard tab holds open): a change
 * in the caller's team is a notice on the wire well within a second, from the store's commit
 * through the bus (events/); nothing of another team; a viewer hears too; the stream ends with
 * an `end` message when the session or token ends, and when berthd stops. No job worker runs.
 */

let api: TestApi;
let client: Client;
let base: string;

before(async () => {
  api = await startTestApi();
  client = createClient(api);
  base = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  // fetch (undici) may leave a connection it opened and never sent a request on, after a stream
  // it aborted; berthd's close would wait for Node's headers timeout on it.
  api.app.server.closeAllConnections();
  await api.close();
});

/** An open event stream: its messages as they come, read by a loop of its own. */
interface Stream {
  messages: EventStreamMessage[];
  /** The next message after those already taken, within `ms` (a failure naming what came). */
  next(ms?: number): Promise<EventStreamMessage>;
  /** Takes messages until one matches, within `ms`; returns those taken, the match last. */
  until(match: (m: EventStreamMessage) => boolean, ms?: number): Promise<EventStreamMessage[]>;
  /** Resolves when berthd has ended the answer. */
  ended: Promise<void>;
  close(): void;
}

async function open(query: string, headers: Record<string, string>): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(`${base}${API}/events?${query}`, { headers, signal: abort.signal });
  // The body is the stream itself: read it only to say why it is not one.
  if (res.status !== 200) assert.fail(`${res.status}: ${await res.text()}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body?.getReader();
  assert.ok(reader);
  const messages: EventStreamMessage[] = [];
  let taken = 0;
  let arrived = (): void => undefined;
  const decoder = new TextDecoder();
  const ended = (async () => {
    let buffered = '';
    for (;;) {
      const { value, done } = await reader
        .read()
        .catch((): { value: undefined; done: true } => ({ value: undefined, done: true }));
      if (done) return;
      buffered += decoder.decode(value as Uint8Array, { stream: true });
      let at: number;
      while ((at = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, at);
        buffered = buffered.slice(at + 2);
        for (const line of block.split('\n'))
          if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice(6)) as EventStreamMessage);
        arrived();
      }
    }
  })();
  const next = async (ms = 2_000): Promise<EventStreamMessage> => {
    const deadline = Date.now() + ms;
    while (messages.length <= taken) {
      const left = deadline - Date.now();
      assert.ok(left > 0, `no message within ${ms} ms; had ${JSON.stringify(messages)}`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (arrived = resolve)),
        ended,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, left))),
      ]);
      clearTimeout(timer);
      if (messages.length <= taken && (await isSettled(ended))) assert.fail('the stream ended');
    }
    const m = messages[taken++];
    assert.ok(m);
    return m;
  };
  return {
    messages,
    next,
    async until(match, ms = 2_000) {
      const deadline = Date.now() + ms;
      const seen: EventStreamMessage[] = [];
      for (;;) {
        const m = await next(Math.max(1, deadline - Date.now()));
        seen.push(m);
        if (match(m)) return seen;
      }
    },
    ended,
    close: () => abort.abort(),
  };
}

const isSettled = (p: Promise<void>): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const names = (app: string) => (m: EventStreamMessage) => 'app' in m && m.app === app;

test('a change in my team is a notice within a second; a change in another team is none', async () => {
  const mine = await open('team=default', bearer(api.token));
  assert.deepEqual(await mine.next(), { kind: 'ready', team: 'default' });
  assert.equal(
    (await client.send({ method: 'POST', url: `${API}/teams`, body: { name: 'other' } })).status,
    201,
  );
  const theirs = await open('team=other', bearer(api.token));
  assert.deepEqual(await theirs.next(), { kind: 'ready', team: 'other' });

  await createApp(client, 'elsewhere', { team: 'other' });
  const heardThere = await theirs.until(names('elsewhere'));
  assert.deepEqual(heardThere.at(-1), { kind: 'app', app: 'elsewhere' });

  const t0 = performance.now();
  await createApp(client, 'here');
  const heard = await mine.until(names('here'));
  assert.deepEqual(heard.at(-1), { kind: 'app', app: 'here' });
  const ms = performance.now() - t0;
  assert.ok(ms < 1_000, `commit to wire: ${ms.toFixed(0)} ms`);
  // Everything the stream had by now: the other team's app was created first, and is not there.
  assert.ok(!mine.messages.some(names('elsewhere')), JSON.stringify(mine.messages));
  // Its audit row is a notice too, in the same batch (after the app's: notices of apps come first).
  if (!heard.some((m) => m.kind === 'audit')) await mine.until((m) => m.kind === 'audit');

  const env = await client.send({ method: 'PATCH', url: `${API}/apps/here/env`, body: { set: { A: '1' } } });
  assert.equal(env.status, 200, env.text);
  await mine.until(names('here'));
  const { id } = await deploy(client, 'here');
  await mine.until((m) => m.kind === 'deployment' && m.deployment === id);
  mine.close();
  theirs.close();
});

test('a viewer hears its team too; audit rows of no team only installation owners hear; unauthenticated is a 401 problem', async () => {
  const viewer = await createTokenVia(client, { name: 'watcher', role: 'viewer' });
  const stream = await open('', bearer(viewer.token));
  assert.deepEqual(await stream.next(), { kind: 'ready', team: 'default' });
  const owner = await open('', bearer(api.token));
  assert.deepEqual(await owner.next(), { kind: 'ready', team: 'default' });
  // Past everything told so far (the token's creation): an app and then its audit row.
  await createApp(client, 'synced');
  for (const s of [stream, owner]) {
    await s.until(names('synced'));
    await s.until((m) => m.kind === 'audit');
  }
  // A failed login is audited in no team: the installation owner hears of it, the viewer not.
  const login = await client.send({
    method: 'POST',
    url: `${API}/sessions`,
    body: { email: 'nobody@example.com', password: 'not the password' },
    token: null,
  });
  assert.equal(login.status, 401, login.text);
  assert.deepEqual(await owner.next(), { kind: 'audit' });
  await createApp(client, 'watched');
  assert.deepEqual(await stream.next(), { kind: 'app', app: 'watched' }, 'nothing came before it');
  owner.close();
  stream.close();

  const res = await fetch(`${base}${API}/events`);
  assert.equal(res.status, 401);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(((await res.json()) as { code: string }).code, 'UNAUTHENTICATED');
});

test('the stream ends when its session is logged out, its token revoked, its membership ended', async () => {
  const user = await createUserVia(client, { email: 'tab@example.com', role: 'viewer', password: PASSWORD });
  const session = await loginAs(client, user.email, { mode: 'browser' });
  assert.ok(session.cookie && session.csrfToken);
  const tab = await open('', { cookie: session.cookie });
  assert.deepEqual(await tab.next(), { kind: 'ready', team: 'default' });
  const out = await client.send({
    method: 'DELETE',
    url: `${API}/sessions/current`,
    token: null,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
  });
  assert.equal(out.status, 204, out.text);
  assert.deepEqual((await tab.until((m) => m.kind === 'end')).at(-1), {
    kind: 'end',
    reason: 'unauthenticated',
  });
  await tab.ended;

  const token = await createTokenVia(client, { name: 'short-lived', role: 'viewer' });
  const cli = await open('', bearer(token.token));
  await cli.next();
  const revoked = await client.send({ method: 'DELETE', url: `${API}/tokens/short-lived?team=default` });
  assert.equal(revoked.status, 204, revoked.text);
  assert.deepEqual((await cli.until((m) => m.kind === 'end')).at(-1), {
    kind: 'end',
    reason: 'unauthenticated',
  });
  await cli.ended;

  const member = await createUserVia(client, {
    email: 'leaver@example.com',
    role: 'viewer',
    password: PASSWORD,
  });
  const theirs = await loginAs(client, member.email);
  const left = await open('', bearer(theirs.token));
  await left.next();
  const gone = await client.send({
    method: 'DELETE',
    url: `${API}/users/${member.email}/memberships/default`,
  });
  assert.equal(gone.status, 204, gone.text);
  assert.deepEqual((await left.until((m) => m.kind === 'end')).at(-1), { kind: 'end', reason: 'forbidden' });
  await left.ended;
});

test('berthd stopping ends every stream with a shutdown message', async () => {
  const other = await startTestApi();
  const url = await other.app.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${url}${API}/events`, { headers: bearer(other.token) });
  assert.equal(res.status, 200);
  const closing = other.close();
  const text = await res.text();
  await closing;
  assert.match(text, /data: \{"kind":"end","reason":"shutdown"\}\n\n$/);
});
