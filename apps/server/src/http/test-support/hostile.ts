import type { TestContext } from 'node:test';
import type { ErrorCode } from '@berth/protocol';
import type { TestApi } from './api.js';
import { assertSameDb } from './db-snapshot.js';
import { createClient, expectProblem, type Client, type Req } from './http.js';

/** A request that must be refused with a problem, leaving the database exactly as it was. */
export interface Rejection extends Req {
  name: string;
  status: number;
  code: ErrorCode;
  /** A field the problem's `errors` must name. */
  field?: string;
}

export interface Rejecter {
  client: Client;
  expectRejected(r: Rejection): Promise<void>;
  /** One subtest per rejection, so a failure names its case and the rest still run. */
  rejectAll(t: TestContext, cases: readonly Rejection[]): Promise<void>;
}

export function createRejecter(api: TestApi): Rejecter {
  const client = createClient(api);
  const expectRejected = async (r: Rejection): Promise<void> => {
    const before = api.db.take();
    const res = await client.send(r);
    try {
      expectProblem(res, r.status, r.code, r.field);
    } catch (err) {
      if (err instanceof Error) err.message = `${r.name}: ${err.message}`;
      throw err;
    }
    assertSameDb(before, api.db.take(), r.name);
  };
  return {
    client,
    expectRejected,
    async rejectAll(t, cases) {
      for (const c of cases) await t.test(c.name, () => expectRejected(c));
    },
  };
}

/** A value as a case name shows it: quoted, escaped, cut short. */
export const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}…(${s.length})` : s;
};
