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
  const app = (name: string) => ({ path: { app: name } });
  // The spec calls the domain `name` and its app `app`.
  const domainOf = (appName: string, domain: string) => ({ path: { app: appName, name: domain } });
  return {
    listDomains: async (name: string) =>
      (await json(DomainList, 'GET', '/apps/{app}/domains', app(name))).domains,
    addDomain: async (name: string, body: DomainCreate) =>
      (await json(DomainsAdded, 'POST', '/apps/{app}/domains', { ...app(name), body })).domains,
    removeDomain: async (name: string, domain: string) =>
      (await json(DomainsRemoved, 'DELETE', '/apps/{app}/domains/{name}', domainOf(name, domain))).removed,
    checkDomain: (name: string, domain: string) =>
      json(DomainCheck, 'POST', '/apps/{app}/domains/{name}/check', domainOf(name, domain)),
    renewDomain: (name: string, domain: string) =>
      json(Domain, 'POST', '/apps/{app}/domains/{name}/renew', domainOf(name, domain)),
    addCertificate: (name: string, body: CertificateUpload) =>
      json(CertificateAdded, 'POST', '/apps/{app}/certificates', { ...app(name), body }),
  };
}
