import type { EdgeCertificate } from '@berth/engine';
import { agentCertificateAad, type DesiredState } from '@berth/protocol';
import type { Logger } from 'pino';

/** What the edge serves besides routes: certificates (keys opened here) and HTTP-01 answers. */
export interface EdgeTls {
  certificates: EdgeCertificate[];
  challenges: Record<string, string>;
}

export const noEdgeTls = (): EdgeTls => ({ certificates: [], challenges: {} });

/**
 * Opens the certificates of a desired state (the one from berthd, or the cached one after a
 * restart, so the edge keeps its certificates while berthd is away). Asked every tick: a key is
 * opened once per sealed value. A key that does not open is left out with an error logged: that
 * name falls back to plain HTTP, the others carry on.
 */
export function createEdgeTlsOpener(
  open: (sealed: string, aad: string) => string,
  log: Pick<Logger, 'error'>,
): (state: DesiredState) => EdgeTls {
  let opened = new Map<string, string | null>();
  return (state) => {
    const next = new Map<string, string | null>();
    const certificates: EdgeCertificate[] = [];
    for (const c of state.certificates ?? []) {
      const cacheKey = `${c.id}\n${c.keySealed}`;
      let keyPem = opened.get(cacheKey);
      if (keyPem === undefined) {
        try {
          keyPem = open(c.keySealed, agentCertificateAad(c.id));
        } catch (err) {
          keyPem = null;
          log.error(
            { err, certificate: c.id },
            'a certificate key did not open; its names are served over plain HTTP',
          );
        }
      }
      next.set(cacheKey, keyPem);
      if (keyPem !== null) certificates.push({ names: [...c.names], chainPem: c.chainPem, keyPem });
    }
    opened = next;
    return { certificates, challenges: { ...(state.challenges ?? {}) } };
  };
}
