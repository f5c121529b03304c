// The proxy's public surface; wire-format internals of the DNS service stay private.
export * from './types.js';
export * from './caddy/admin-client.js';
export * from './caddy/caddy-proxy.js';
export * from './caddy/config.js';
export * from './caddy/process.js';
export * from './upstream-dns/dns-server.js';
export * from './upstream-dns/table-file.js';
export { buildQuery, respondTo } from './upstream-dns/dns-message.js';
export type { DnsLookup } from './upstream-dns/dns-message.js';
export { parseDnsResponse } from './upstream-dns/dns-response.js';
export type { DnsResponse } from './upstream-dns/dns-response.js';
