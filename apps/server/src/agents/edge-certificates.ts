import { toAppHostname } from '@berth/core';
import { sealFor } from '@berth/crypto';
import { agentCertificateAad, type DesiredCertificate } from '@berth/protocol';
import type { Store } from '@berth/store';
import { certificateCovers } from '../certificates/parse.js';
import { certificateKeyAad } from '../certificates/sealing.js';
import type { KeyHolder } from '../secrets/keys.js';

/** A certificate as every edge serves it, its key open: read once per push, sealed per agent. */
export interface EdgeCertificateSource {
  id: string;
  names: string[];
  chainPem: string;
  keyPem: string;
}

/**
 * The certificates every edge serves, each for the names of its own app's domains that it covers
 * and nothing else: a team's certificate is never served for a name another app holds, nor for a
 * name its app no longer holds. Newest first (an edge serves the first that names a host);
 * expired ones left out. Then the installation's wildcard for `baseDomain`, for every app's
 * default hostname (no custom domain lies under the base domain, so the two never overlap).
 */
export async function loadEdgeCertificates(
  store: Store,
  keys: KeyHolder,
  now: number,
  baseDomain: string,
): Promise<EdgeCertificateSource[]> {
  const base = await loadBaseCertificate(store, keys, now, baseDomain);
  const certificates = await store.certificates.list();
  if (certificates.length === 0) return base;
  const names = new Map<string, string[]>();
  for (const d of await store.domains.list()) names.set(d.appId, [...(names.get(d.appId) ?? []), d.name]);
  const out: EdgeCertificateSource[] = [];
  for (const c of certificates) {
    if (c.notAfter <= now) continue;
    const served = (names.get(c.appId) ?? []).filter((host) =>
      c.names.some((n) => certificateCovers(n, host)),
    );
    if (served.length === 0) continue;
    const keyPem = keys.box.open('certificate-key', c.keySealed, certificateKeyAad(c.id));
    out.push({ id: c.id, names: served, chainPem: c.chainPem, keyPem });
  }
  return [...out, ...base];
}

/** The base domain's wildcard, named for the apps' default hostnames it covers (none: not served). */
async function loadBaseCertificate(
  store: Store,
  keys: KeyHolder,
  now: number,
  baseDomain: string,
): Promise<EdgeCertificateSource[]> {
  const c = (await store.baseCertificates.get(baseDomain))?.certificate;
  if (!c || c.notAfter <= now) return [];
  const wildcard = `*.${baseDomain}`;
  const names = (await store.apps.list())
    .map((app) => toAppHostname(app.name, baseDomain))
    .filter((host) => certificateCovers(wildcard, host));
  if (names.length === 0) return [];
  const keyPem = keys.box.open('certificate-key', c.keySealed, certificateKeyAad(c.id));
  return [{ id: c.id, names, chainPem: c.chainPem, keyPem }];
}

/** The same for one agent: keys sealed to it. An agent without a sealing key gets none. */
export function sealEdgeCertificates(
  certificates: readonly EdgeCertificateSource[],
  agentSealingKey: string | null,
): DesiredCertificate[] {
  if (agentSealingKey === null) return [];
  return certificates.map((c) => ({
    id: c.id,
    names: c.names,
    chainPem: c.chainPem,
    keySealed: sealFor(agentSealingKey, c.keyPem, agentCertificateAad(c.id)),
  }));
}
