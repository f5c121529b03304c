import { z } from 'zod';
import { CustomDomainName } from './api-domains.js';

/** `berth certs add`: a certificate chain and its key, PEM, as the user has them. */
export const CertificateUpload = z
  .object({
    /** The server certificate first, then its intermediates. */
    certificatePem: z
      .string()
      .min(1)
      .max(64 * 1024),
    /** Unencrypted PEM (PKCS#8, PKCS#1 or SEC1). Sealed at rest; never returned. */
    keyPem: z
      .string()
      .min(1)
      .max(16 * 1024),
  })
  .strict();
export type CertificateUpload = z.infer<typeof CertificateUpload>;

export const CertificateAdded = z.object({
  id: z.string(),
  /** The app's domains it now serves (the certificate may name more). */
  covers: z.array(CustomDomainName),
  issuer: z.string(),
  expiresAt: z.string().describe('RFC 3339 timestamp'),
});
export type CertificateAdded = z.infer<typeof CertificateAdded>;
