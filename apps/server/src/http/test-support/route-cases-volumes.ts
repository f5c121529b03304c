import assert from 'node:assert/strict';
import type { Volume, VolumeList } from '@berth/protocol';
import { API, expectProblem } from './http.js';
import type { Ctx, RouteCase } from './route-cases.js';
import { joinedServerVia } from './servers.js';

/** Cases for volumes: see route-cases.ts. Their server has joined; its agent never connects here. */

async function volumeOn(c: Ctx): Promise<void> {
  await joinedServerVia(c.client, `${c.name}-srv`);
  const res = await c.client.send({
    method: 'POST',
    url: `${API}/volumes`,
    body: { name: c.name, server: `${c.name}-srv` },
  });
  assert.equal(res.status, 201, res.text);
}

export const VOLUME_CASES: Record<string, RouteCase> = {
  listVolumes: {
    arrange: async (c) => {
      await volumeOn(c);
      return {};
    },
    status: 200,
    check: (res, c) => {
      const v = (res.json as VolumeList).volumes.find((x) => x.name === c.name);
      assert.deepEqual([v?.team, v?.server, v?.mounts], ['default', `${c.name}-srv`, []]);
      assert.match(v?.engineName ?? '', /^berth-vol-[a-z2-7]{20}$/);
    },
  },
  createVolume: {
    arrange: async (c) => {
      await joinedServerVia(c.client, `${c.name}-srv`);
      return {};
    },
    bodyOf: (c) => ({ name: c.name, server: `${c.name}-srv` }),
    status: 201,
    check: (res, c) => {
      const v = res.json as Volume;
      assert.deepEqual([v.name, v.server], [c.name, `${c.name}-srv`]);
      // Berth's name, from the id: nothing of the person's name reaches the engine.
      assert.equal(v.engineName, `berth-vol-${v.id.slice(4)}`);
    },
  },
  // Its server has joined but its agent is not connected here: nothing is removed, and it says so.
  deleteVolume: {
    arrange: async (c) => {
      await volumeOn(c);
      return { name: c.name };
    },
    status: 503,
    check: async (res, c) => {
      expectProblem(res, 503, 'AGENT_UNAVAILABLE');
      const list = await c.client.send({ method: 'GET', url: `${API}/volumes` });
      assert.ok(
        (list.json as VolumeList).volumes.some((v) => v.name === c.name),
        'still there',
      );
    },
  },
};
