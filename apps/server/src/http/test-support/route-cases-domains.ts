import assert from 'node:assert/strict';
import type { CertificateAdded, Domain, DomainCheck } from '@berth/protocol';
import { createTestPki, type TestPki } from '../../../../../test/support/tls-edge.js';
import { API, expectProblem } from './http.js';
import { named, type Ctx, type RouteCase } from './route-cases.js';

/** api-routes.int.test.ts's cases for custom domains and certificates. */

const domainOf = (c: Ctx): string => `${c.name}.example.test`;

/** An app with a domain (and a redirecting name). */
async function withDomain(c: Ctx): Promise<Record<string, string>> {
  const params = await named(c);
  const res = await c.client.send({
    method: 'POST',
    url: `${API}/apps/${c.name}/domains`,
    body: { name: domainOf(c), redirectFrom: [`www.${domainOf(c)}`] },
    ...(c.token !== null && { token: c.token }),
  });
  assert.equal(res.status, 201, res.text);
  return { ...params, name: domainOf(c) };
}

let pki: Promise<TestPki> | null = null;

export const DOMAIN_CASES: Record<string, RouteCase> = {
  listDomains: {
    arrange: withDomain,
    status: 200,
    check: (res, c) =>
      assert.deepEqual(
        (res.json as { domains: Domain[] }).domains.map((d) => [d.name, d.kind, d.status]),
        [
          [domainOf(c), 'primary', 'pending'],
          [`www.${domainOf(c)}`, 'redirect', 'pending'],
        ],
      ),
  },
  addDomain: {
    arrange: named,
    bodyOf: (c) => ({ name: ` ${domainOf(c).toUpperCase()} ` }),
    status: 201,
    check: (res, c) =>
      assert.deepEqual(
        (res.json as { domains: Domain[] }).domains.map((d) => d.name),
        [domainOf(c)],
      ),
  },
  // Nothing resolves these names here: the check says so, and tries no probe.
  checkDomain: {
    arrange: withDomain,
    status: 200,
    check: (res, c) => {
      const checked = res.json as DomainCheck;
      assert.equal(checked.name, domainOf(c));
      assert.equal(checked.status, 'pending');
      assert.equal(checked.challenge.reachable, false);
    },
  },
  // This berthd orders no certificates (no ACME CA): the documented 409 says so.
  renewDomain: {
    arrange: withDomain,
    status: 409,
    check: (res) => void expectProblem(res, 409, 'ACME_NOT_CONFIGURED'),
  },
  removeDomain: {
    arrange: withDomain,
    status: 200,
    check: (res, c) =>
      assert.deepEqual((res.json as { removed: string[] }).removed, [domainOf(c), `www.${domainOf(c)}`]),
  },
  addCertificate: {
    arrange: async (c) => {
      const params = await withDomain(c);
      const leaf = await (await (pki ??= createTestPki())).issue([domainOf(c), `www.${domainOf(c)}`]);
      c.vars.cert = leaf.certPem;
      c.vars.key = leaf.keyPem;
      return params;
    },
    bodyOf: (c) => ({ certificatePem: c.vars.cert, keyPem: c.vars.key }),
    status: 201,
    check: (res, c) => {
      const added = res.json as CertificateAdded;
      assert.deepEqual(added.covers, [domainOf(c), `www.${domainOf(c)}`]);
      assert.equal(added.issuer, 'Berth edge TLS test CA');
      assert.doesNotMatch(res.text, /PRIVATE KEY/);
    },
  },
};
