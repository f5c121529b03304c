import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createDockerApiEngine, listNftTable } from '@berth/engine';
import { pino } from 'pino';
import { AppFirewall } from './firewall.js';

function capture(): { log: pino.Logger; lines: () => string[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines: () => out };
}

test('without nft the agent says at start what is left unprotected, and carries on', async () => {
  const { log, lines } = capture();
  const tableName = `berth_test_nonft_${process.pid}`;
  const firewall = new AppFirewall({
    tableName,
    // Never asked: without nft there is nothing to render.
    engine: createDockerApiEngine({ socketPath: '/nonexistent/engine.sock' }),
    log,
    clock: Date.now,
    nft: { nftBin: '/nonexistent/nft' },
  });
  await firewall.start();
  const warning = lines().map((l) => JSON.parse(l) as { level: number; msg: string });
  assert.equal(warning.length, 1);
  assert.equal(warning[0]?.level, 40);
  assert.match(warning[0]?.msg ?? '', /No host firewall for apps \(nft is not installed\)/);
  assert.match(warning[0]?.msg ?? '', /169\.254\.169\.254/);
  assert.match(warning[0]?.msg ?? '', /SMTP/);
  assert.match(warning[0]?.msg ?? '', /apt-get install nftables/);
  await firewall.sync(
    [
      {
        teamId: 'tm_x',
        name: 'berth-t-tm_x',
        bridge: 'bt-x',
        subnet: '10.250.3.0/24',
        gateway: '10.250.3.1',
      },
    ],
    true,
  );
  assert.equal(await listNftTable(tableName), null, 'nothing applied, nothing thrown');
});
