/**
 * Bridge networks through the Docker Engine API: one per team, made and removed by the agent.
 * Podman's compat service creates them with CNI's `ingressPolicy: same-bridge` (netavark:
 * `isolate`), Docker with its own isolation between bridges: containers on two such networks
 * cannot reach each other; the host firewall (../firewall/) adds what the engines do not.
 */
import { BerthError } from '@berth/protocol';
import { engineMessage } from './engine-http.js';
import type { EngineHttpClient, EngineResponse } from './engine-http.js';
import { asRecord, asString } from './engine-json.js';
import type { NetworkDetails, NetworkSpec } from './types.js';

/** Docker's (and Podman's) rule for network names. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
/** Linux interface names: at most 15 bytes. */
const BRIDGE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;

function networkPath(name: string): string {
  if (!NETWORK_NAME.test(name))
    throw new BerthError('VALIDATION_FAILED', `Invalid network name: ${JSON.stringify(name)}`);
  return `/networks/${encodeURIComponent(name)}`;
}

const failed = (what: string, res: EngineResponse): BerthError =>
  new BerthError('INTERNAL', `${what} failed: the engine answered ${res.status}: ${engineMessage(res.body)}`);

export function toNetworkDetails(body: unknown): NetworkDetails {
  const n = asRecord(body);
  const config = asRecord(n.IPAM).Config;
  const subnets = (Array.isArray(config) ? config : [])
    .map((c: unknown) => asRecord(c))
    .map((c) => ({ subnet: asString(c.Subnet), gateway: asString(c.Gateway) || null }))
    // IPv4 only: Berth's networks have no IPv6 (the firewall drops IPv6 from them).
    .filter((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c.subnet));
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(n.Labels))) if (typeof v === 'string') labels[k] = v;
  return { id: asString(n.Id), name: asString(n.Name), labels, subnets };
}

async function inspectNetwork(api: EngineHttpClient, name: string): Promise<NetworkDetails | null> {
  const res = await api.request({ method: 'GET', path: networkPath(name) });
  if (res.status === 404) return null;
  if (res.status !== 200) throw failed(`Inspecting network ${name}`, res);
  return toNetworkDetails(res.body);
}

export async function ensureNetwork(api: EngineHttpClient, spec: NetworkSpec): Promise<NetworkDetails> {
  if (!BRIDGE_NAME.test(spec.bridge))
    throw new BerthError('VALIDATION_FAILED', `Invalid bridge name: ${JSON.stringify(spec.bridge)}`);
  const existing = await inspectNetwork(api, spec.name);
  if (existing) return requireOurs(existing, spec);
  const created = await api.request({
    method: 'POST',
    path: '/networks/create',
    body: {
      Name: spec.name,
      CheckDuplicate: true,
      Driver: 'bridge',
      Labels: spec.labels,
      // Named by Berth so the host firewall can match traffic by the interface it enters on.
      Options: { 'com.docker.network.bridge.name': spec.bridge },
    },
  });
  // Another creator may have won the race (Docker: 409; Podman: 500 "…already exists").
  const raced = created.status === 409 || /already (exists|used)/i.test(engineMessage(created.body));
  if (created.status !== 201 && created.status !== 200 && !raced)
    throw failed(`Creating network ${spec.name}`, created);
  const details = await inspectNetwork(api, spec.name);
  if (!details) throw new BerthError('INTERNAL', `Network ${spec.name} was created but cannot be found`);
  return requireOurs(details, spec);
}

function requireOurs(details: NetworkDetails, spec: NetworkSpec): NetworkDetails {
  const foreign = Object.entries(spec.labels).some(([k, v]) => details.labels[k] !== v);
  if (foreign) {
    throw new BerthError('INTERNAL', `A network named ${spec.name} exists but was not made by this agent`, {
      hint: `Remove or rename it (podman network rm ${spec.name}), then let the agent make its own.`,
    });
  }
  return details;
}

export async function listNetworks(
  api: EngineHttpClient,
  labels: Record<string, string> = {},
): Promise<NetworkDetails[]> {
  const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const res = await api.request({
    method: 'GET',
    path: '/networks',
    ...(label.length > 0 && { query: { filters: JSON.stringify({ label }) } }),
  });
  if (res.status !== 200) throw failed('Listing networks', res);
  return (Array.isArray(res.body) ? (res.body as unknown[]) : []).map(toNetworkDetails);
}

export async function removeNetwork(
  api: EngineHttpClient,
  name: string,
): Promise<'removed' | 'in-use' | 'absent'> {
  const res = await api.request({ method: 'DELETE', path: networkPath(name) });
  if (res.status === 204 || res.status === 200) return 'removed';
  if (res.status === 404) return 'absent';
  // Docker: 403 "has active endpoints"; Podman: 500 "…is being used".
  if (
    res.status === 403 ||
    res.status === 409 ||
    /in use|being used|active endpoints/i.test(engineMessage(res.body))
  )
    return 'in-use';
  throw failed(`Removing network ${name}`, res);
}
