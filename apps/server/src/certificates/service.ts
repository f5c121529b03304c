import { BerthError, type CertificateUpload } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import { createMutator } from '../deploy/service.js';
import { requireApp } from '../deploy/rollout-steps.js';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import { certificateCovers, parseUploadedCertificate } from './parse.js';
import { certificateKeyAad } from './sealing.js';

export interface CertificatesServiceDeps {
  store: Store;
  clock: () => number;
  keys: KeyHolder;
  onChange: () => void;
}

export type CertificatesService = ReturnType<typeof createCertificatesService>;

/**
 * Certificates of apps' custom domains. An upload is checked (parse.ts), its key sealed with the
 * master key, and the app's domains it covers marked issued, in one transaction with its audit
 * row; every edge then serves it for those names only (desired-state.ts picks them).
 */
export function createCertificatesService({ store, clock, keys, onChange }: CertificatesServiceDeps) {
  const mutate = createMutator(store, clock, onChange);
  return {
    upload: (appName: string, body: CertificateUpload, intent: AuditIntent) => {
      const parsed = parseUploadedCertificate(body.certificatePem, body.keyPem, clock());
      return mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, appName);
        const domains = await tx.domains.listByApp(app.id);
        const covers = domains
          .filter((d) => parsed.names.some((n) => certificateCovers(n, d.name)))
          .map((d) => d.name);
        if (covers.length === 0)
          throw new BerthError(
            'VALIDATION_FAILED',
            `The certificate (for ${parsed.names.join(', ')}) covers none of ${appName}'s domains`,
            {
              issues: [
                {
                  path: 'certificatePem',
                  message: `names ${parsed.names.join(', ')}: none of ${appName}'s domains`,
                },
              ],
              hint: `Add the domain first: berth domains add ${appName} NAME`,
            },
          );
        const id = createId('crt');
        // A new upload for the same names replaces the old one: the edge would prefer it anyway.
        await tx.certificates.removeCovering(app.id, 'uploaded', parsed.names);
        await tx.certificates.add({
          id,
          appId: app.id,
          teamId: app.teamId,
          names: parsed.names,
          source: 'uploaded',
          issuer: parsed.issuer,
          notBefore: parsed.notBefore,
          notAfter: parsed.notAfter,
          chainPem: parsed.chainPem,
          keySealed: keys.box.seal('certificate-key', parsed.keyPem, certificateKeyAad(id)),
          createdAt: now,
        });
        for (const name of covers)
          await tx.domains.setStatus(
            name,
            {
              status: 'issued',
              issuer: `uploaded: ${parsed.issuer}`,
              expiresAt: parsed.notAfter,
              lastError: null,
            },
            now,
          );
        await tx.servers.bumpDesiredVersions();
        return { id, covers, issuer: parsed.issuer, expiresAt: new Date(parsed.notAfter).toISOString() };
      });
    },
  };
}
