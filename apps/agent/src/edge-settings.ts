import { certificateEndpointUrls, type EdgeSettings } from '@berth/engine';
import type { AgentConfig } from './config.js';

/**
 * Caddy's settings for this run: its listeners, and the edge service's addresses berth up chose
 * (the same for the whole run, so Caddy's config never changes; HSTS too, for that reason: it is
 * an edge setting, not a per-domain one). The ACME sink is a path of the
 * responder that answers 404: were Caddy ever to try ACME itself, it would fail there, locally.
 */
export function toEdgeSettings(config: AgentConfig): EdgeSettings {
  const { edgeService } = config;
  return {
    httpListen: config.httpListen,
    dnsSocket: config.dnsSocket,
    upstreamRefreshMs: config.upstreamRefreshMs,
    responderDial: `127.0.0.1:${edgeService.responderPort}`,
    https:
      config.httpsListen === null
        ? null
        : {
            listen: config.httpsListen,
            ...certificateEndpointUrls(edgeService.certificatePort, edgeService.certificateSecret),
            acmeSinkUrl: `http://127.0.0.1:${edgeService.responderPort}/no-acme-here`,
            ...(config.hstsMaxAge !== null && { hstsMaxAge: config.hstsMaxAge }),
          },
  };
}
