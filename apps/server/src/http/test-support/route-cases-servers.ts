import assert from 'node:assert/strict';
import type { ServerDetail, ServerJoinCommand, ServerListing } from '@berth/protocol';
import { API, expectProblem } from './http.js';
import type { Ctx, RouteCase } from './route-cases.js';
import { addServerVia, claimedServerVia, joinBody, joinedServerVia } from './servers.js';

/** Cases for the fleet's servers and joins: see route-cases.ts. */

const joined = async (c: Ctx): Promise<Record<string, string>> => {
  await joinedServerVia(c.client, c.name);
  return { name: c.name };
};
const detail = (res: { json: unknown }): ServerDetail => res.json as ServerDetail;

export const SERVER_CASES: Record<string, RouteCase> = {
  listServers: {
    arrange: async (c) => {
      await addServerVia(c.client, `${c.name}-pending`);
      return joined(c);
    },
    status: 200,
    check: (res, c) => {
      const { servers, pending } = res.json as ServerListing;
      assert.equal(servers.find((s) => s.name === c.name)?.state, 'active');
      assert.ok(pending.some((p) => p.name === `${c.name}-pending`));
    },
  },
  getServer: {
    arrange: joined,
    status: 200,
    check: (res, c) => assert.deepEqual([detail(res).name, detail(res).status], [c.name, 'offline']),
  },
  createServer: {
    arrange: () => Promise.resolve({}),
    bodyOf: (c) => ({ name: c.name, labels: { zone: 'b' }, ttl: '2h' }),
    status: 201,
    check: (res, c) => {
      const added = res.json as ServerJoinCommand;
      assert.deepEqual([added.name, added.labels], [c.name, { zone: 'b' }]);
      assert.ok(added.command.endsWith(` ${added.token}`));
    },
  },
  removeServer: {
    arrange: joined,
    status: 204,
    check: async (res, c) => {
      assert.equal(res.text, '');
      expectProblem(
        await c.client.send({ method: 'GET', url: `${API}/servers/${c.name}` }),
        404,
        'SERVER_NOT_FOUND',
      );
    },
  },
  // A joined server whose agent is not connected here: berthd cannot ask its edge.
  getProxyHistory: {
    arrange: joined,
    status: 503,
    check: (res, c) => {
      const problem = expectProblem(res, 503, 'AGENT_UNAVAILABLE');
      assert.match(problem.detail, new RegExp(`The agent on ${c.name} is not connected`));
    },
  },
  rollbackProxy: {
    arrange: joined,
    bodyOf: () => ({ version: 2 }),
    status: 503,
    check: (res) => void expectProblem(res, 503, 'AGENT_UNAVAILABLE'),
  },
  approveServer: {
    arrange: async (c) => {
      await claimedServerVia(c.client, c.name);
      return { name: c.name };
    },
    status: 200,
    check: (res) => assert.equal(detail(res).pendingKey, false),
  },
  drainServer: { arrange: joined, status: 200, check: (res) => assert.equal(detail(res).state, 'draining') },
  undrainServer: { arrange: joined, status: 200, check: (res) => assert.equal(detail(res).state, 'active') },
  patchServerLabels: {
    arrange: joined,
    body: { set: { zone: 'b', role: 'edge' }, unset: ['role', 'absent'] },
    status: 200,
    check: (res) => assert.deepEqual(detail(res).labels, { zone: 'b' }),
  },
  joinServer: {
    arrange: async (c) => {
      c.vars.token = (await addServerVia(c.client, c.name)).token;
      c.token = null;
      return {};
    },
    bodyOf: (c) => joinBody(c.vars.token ?? ''),
    status: 201,
    check: (res, c) => assert.equal((res.json as { serverName: string }).serverName, c.name),
  },
};
