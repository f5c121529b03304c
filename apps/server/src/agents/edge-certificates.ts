import { sealFor } from '@berth/crypto';
import { agentCertificateAad, type DesiredCertificate } from '@berth/protocol';
import type { Store } from '@berth/store';
import { certificateCovers } from '../certificates/parse.js';
import { certificateKeyAad } from '../certificates/sealing.js';
import type { KeyHolder } from '../secrets/keys.js';

/**
 * The certificates every edge serves, each for the names of its own app's domains that it covers
 * and nothing else: a team's certificate is never served for a name another app holds, nor for a
 * name its app no longer holds. Newest first (an edge serves the first that names a host);
 * expired ones left out. Keys are sealed to the agent; one without a sealing key gets none.
 */
export async function edgeCertificates(
  store: Store,
  keys: KeyHolder,
  agentSealingKey: string | null,
  now: number,
): Promise<DesiredCertificate[]> {
  if (agentSealingKey === null) return [];
  const certificates = await store.certificates.list();
  if (certificates.length === 0) return [];
  const names = new Map<string, string[]>();
  for (const d of await store.domains.list()) names.set(d.appId, [...(names.get(d.appId) ?? []), d.name]);
  const out: DesiredCertificate[] = [];
  for (const c of certificates) {
    if (c.notAfter <= now) continue;
    const served = (names.get(c.appId) ?? []).filter((host) =>
      c.names.some((n) => certificateCovers(n, host)),
    );
    if (served.length === 0) continue;
    const keyPem = keys.box.open('certificate-key', c.keySealed, certificateKeyAad(c.id));
    out.push({
      id: c.id,
      names: served,
      chainPem: c.chainPem,
      keySealed: sealFor(agentSealingKey, keyPem, agentCertificateAad(c.id)),
    });
  }
  return out;
}
