import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { User } from '@berth/protocol';
import { API } from './http.js';
import { createUserVia, loginAs, PASSWORD } from './principals.js';
import type { Ctx, RouteCase } from './route-cases.js';

/** Cases for logging in and out, who am I, passwords and the first-owner setup: see route-cases.ts. */

const email = (c: Ctx): string => `${c.name}@example.com`;
const status = async (c: Ctx, token: string): Promise<number> =>
  (await c.client.send({ method: 'GET', url: `${API}/me`, token })).status;

export const IDENTITY_CASES: Record<string, RouteCase> = {
  login: {
    arrange: async (c) => (
      await createUserVia(c.client, { email: email(c), role: 'viewer', password: PASSWORD }),
      {}
    ),
    bodyOf: (c) => ({ email: email(c).toUpperCase(), password: PASSWORD }),
    status: 201,
    check: async (res, c) => {
      const body = res.json as { token: string; csrfToken: null; user: User };
      assert.match(body.token, /^bs_/);
      assert.deepEqual(
        [body.csrfToken, body.user.email, res.headers['set-cookie']],
        [null, email(c), undefined],
      );
      assert.equal(await status(c, body.token), 200, 'the session token works');
    },
  },
  logout: {
    arrange: async (c) => {
      await createUserVia(c.client, { email: email(c), role: 'viewer', password: PASSWORD });
      c.token = (await loginAs(c.client, email(c))).token;
      return {};
    },
    status: 204,
    check: async (_res, c) => assert.equal(await status(c, c.token ?? ''), 401, 'the session has ended'),
  },
  whoami: {
    status: 200,
    check: (res) =>
      assert.deepEqual(res.json, {
        kind: 'token',
        name: 'admin',
        memberships: [{ team: 'default', role: 'owner' }],
        installationOwner: true,
        csrfToken: null,
      }),
  },
  setPassword: {
    arrange: async (c) => {
      c.vars.setup = (await createUserVia(c.client, { email: email(c), role: 'viewer' })).setup ?? '';
      return {};
    },
    bodyOf: (c) => ({ token: c.vars.setup, password: PASSWORD }),
    status: 204,
    check: async (_res, c) => void (await loginAs(c.client, email(c))),
  },
  setupStatus: {
    status: 200,
    // The route cases' berthd never had its first owner named: the link is open.
    check: (res) => assert.deepEqual(res.json, { open: true }),
  },
  setupFirstOwner: {
    arrange: async (c) => {
      c.vars.setup = (await readFile(join(c.api.dataDir, 'setup.token'), 'utf8')).trim();
      return {};
    },
    bodyOf: (c) => ({ token: c.vars.setup, email: email(c), password: PASSWORD }),
    status: 204,
    check: async (_res, c) => {
      const { user } = (await loginAs(c.client, email(c))).res.json as { user: User };
      assert.deepEqual(user.memberships, [{ team: 'default', role: 'owner' }]);
      assert.equal(existsSync(join(c.api.dataDir, 'setup.token')), false, 'the link is used up');
    },
  },
};
