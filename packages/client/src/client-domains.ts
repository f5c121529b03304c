import {
  CertificateAdded,
  Domain,
  DomainCheck,
  DomainList,
  DomainsAdded,
  DomainsRemoved,
  type CertificateUpload,
  type DomainCreate,
} from '@berth/protocol';
import type { Transport } from './transport.js';

/** Custom domains of apps and their certificates. */
export function domainsApi({ json }: Transport) {
  const app = (name: string): string => `/apps/${encodeURIComponent(name)}`;
  return {
    listDomains: async (name: string) => (await json(DomainList, 'GET', `${app(name)}/domains`)).domains,
    addDomain: async (name: string, body: DomainCreate) =>
      (await json(DomainsAdded, 'POST', `${app(name)}/domains`, body)).domains,
    removeDomain: async (name: string, domain: string) =>
      (await json(DomainsRemoved, 'DELETE', `${app(name)}/domains/${encodeURIComponent(domain)}`)).removed,
    checkDomain: (name: string, domain: string) =>
      json(DomainCheck, 'POST', `${app(name)}/domains/${encodeURIComponent(domain)}/check`),
    renewDomain: (name: string, domain: string) =>
      json(Domain, 'POST', `${app(name)}/domains/${encodeURIComponent(domain)}/renew`),
    addCertificate: (name: string, body: CertificateUpload) =>
      json(CertificateAdded, 'POST', `${app(name)}/certificates`, body),
  };
}
