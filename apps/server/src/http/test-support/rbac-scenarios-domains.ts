import assert from 'node:assert/strict';
import { createTestPki, type TestPki } from '../../../../../test/support/tls-edge.js';
import { API } from './http.js';
import type { Call, Scenario } from './rbac-scenarios.js';
import type { World } from './rbac-world.js';

/** The RBAC matrix's calls on custom domains and certificates (see rbac-scenarios.ts). */

async function addDomainVia(w: World, app: string, name: string): Promise<void> {
  const res = await w.client.send({
    method: 'POST',
    url: `${API}/apps/${app}/domains`,
    body: { name },
    token: w.root.token,
  });
  assert.equal(res.status, 201, res.text);
}

let pki: Promise<TestPki> | null = null;
const certificateFor = async (name: string): Promise<{ certificatePem: string; keyPem: string }> => {
  const leaf = await (await (pki ??= createTestPki())).issue([name]);
  return { certificatePem: leaf.certPem, keyPem: leaf.keyPem };
};

/** B's app, and a ghost app, for the refused cells: the app is checked before anything else. */
const onB = (w: World, call: Omit<Call, 'params'>, name?: string) => ({
  call: { params: { app: w.appB.name, ...(name && { name }) }, ...call },
  ghost: { params: { app: 'ghost-app', ...(name && { name }) }, ...call },
  swap: [w.appB.name, 'ghost-app'] as [string, string],
});

/** A call naming one of the app's domains, added fresh for the cell. */
const onDomain = (prefix: string): Scenario => {
  const fresh = async (w: World, app: string, n: number): Promise<Call> => {
    const name = `${prefix}-${n}.example.test`;
    await addDomainVia(w, app, name);
    return { params: { app, name } };
  };
  return {
    own: (w, { n }) => fresh(w, w.appA.name, n),
    other: (w) => onB(w, {}, `${prefix}.example.test`),
    otherFresh: (w, { n }) => fresh(w, w.appB.name, n),
  };
};

const withCertificate = async (w: World, app: string, n: number): Promise<Call> => {
  const name = `crt-${n}.example.test`;
  await addDomainVia(w, app, name);
  return { params: { app }, body: await certificateFor(name) };
};

export const DOMAIN_SCENARIOS: Record<string, Scenario> = {
  listDomains: { own: (w) => ({ params: { app: w.appA.name } }), other: (w) => onB(w, {}) },
  addDomain: {
    own: (w, { n }) => ({ params: { app: w.appA.name }, body: { name: `add-${n}.example.test` } }),
    other: (w) => onB(w, { body: { name: 'add-b.example.test' } }),
    otherFresh: (w, { n }) => ({ params: { app: w.appB.name }, body: { name: `add-b-${n}.example.test` } }),
  },
  checkDomain: onDomain('check'),
  renewDomain: onDomain('renew'),
  removeDomain: onDomain('rm'),
  addCertificate: {
    own: (w, { n }) => withCertificate(w, w.appA.name, n),
    other: (w) => onB(w, { body: { certificatePem: 'not yet', keyPem: 'not yet' } }),
    otherFresh: (w, { n }) => withCertificate(w, w.appB.name, n),
  },
};
