// The proxy's public surface: the port, the Caddy and nginx edge adapters and what berth up and
// tests need to run Caddy, nginx and the upstream DNS service. Zone names and wire-format
// internals stay private.
export * from './types.js';
export * from './caddy/admin-client.js';
export { createCaddyEdge } from './caddy/caddy-edge.js';
export type { CaddyEdgeOptions } from './caddy/caddy-edge.js';
export * from './caddy/config.js';
export { renderEdgeConfig } from './caddy/edge-config.js';
export type { EdgeSettings, EdgeHttpsSettings } from './caddy/edge-config.js';
export { startEdgeService } from './edge-service/service.js';
export type { EdgeService, EdgeServiceOptions } from './edge-service/service.js';
export * from './caddy/process.js';
export * from './upstream-dns/dns-server.js';
export { startUpstreamDnsService } from './upstream-dns/service.js';
export type { UpstreamDnsServiceOptions } from './upstream-dns/service.js';
export { UPSTREAM_TABLE_FILE } from './upstream-dns/table-file.js';
export { buildQuery, respondTo } from './upstream-dns/dns-message.js';
export type { DnsLookup } from './upstream-dns/dns-message.js';
export { parseDnsResponse } from './upstream-dns/dns-response.js';
export type { DnsResponse } from './upstream-dns/dns-response.js';
export { startInternalDns } from './internal-dns/server.js';
export type { InternalDnsOptions, InternalDnsServer } from './internal-dns/server.js';
export { decideInternalQuery, parseResolvConf } from './internal-dns/answer.js';
export type { TeamNames } from './internal-dns/answer.js';
export * from './edge-certificates/index.js';
export { createNginxEdge } from './nginx/nginx-edge.js';
export type {
  NginxDrift,
  NginxEdge,
  NginxEdgeOptions,
  NginxVersion,
  PublishTiming,
} from './nginx/nginx-edge.js';
export type { NginxSettings } from './nginx/values.js';
export { nginxConfPath, nginxRunCommand, prepareNginxPrefix } from './nginx/process.js';
export type { NginxRunCommand, NginxRunInput } from './nginx/process.js';
export { nginxSettingsFor } from './nginx/listeners.js';
export { HSTS_HEADER, HSTS_MAX_AGE_LIMIT, hstsHeaderValue, isHstsMaxAge } from './hsts.js';
