import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy } from '@berth/engine';
import { BerthError } from '@berth/protocol';
import { proxyVersionsOf } from './edge.js';

test('a Caddy server has no config history: berth proxy history/rollback say why, as a 409', async () => {
  // A stand-in for the Caddy edge: it is never asked anything here.
  const caddy: Proxy = {
    publish: () => Promise.resolve(),
    published: () => Promise.resolve({}),
    removalSettleMs: 0,
    inflight: () => Promise.resolve(new Map()),
    ready: () => Promise.resolve(),
  };
  const versions = proxyVersionsOf({ proxy: caddy, nginx: null });
  for (const call of [() => versions.history(), () => versions.rollback(1)])
    await assert.rejects(
      call(),
      (e: unknown) =>
        e instanceof BerthError &&
        e.code === 'PROXY_NO_HISTORY' &&
        /edge is Caddy: its config never changes, so it has no history/.test(e.message),
    );
});
