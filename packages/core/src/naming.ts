/**
 * How runtime objects are named and labelled. Names are for people (`podman ps`); labels are for
 * Berth: the agent finds its own containers by label, and anything labelled by this agent
 * that no desired replica claims is an orphan.
 */

export const LABELS = {
  managed: 'berth.managed',
  agent: 'berth.agent',
  app: 'berth.app',
  appName: 'berth.app.name',
  release: 'berth.release',
  releaseVersion: 'berth.release.version',
  deployment: 'berth.deployment',
  slot: 'berth.slot',
  /** The restart (deployment id) that made it, on replicas made by `berth restart` since. */
  restart: 'berth.restart',
  /** On replicas and on team networks: the team whose network it is on. */
  team: 'berth.team',
} as const;

/** The random part of an id (`rel_k2x9m4…` → `k2x9m4…`). */
const idTail = (id: string): string => id.slice(id.indexOf('_') + 1);

/**
 * `berth-<app>-v<version>-<6 chars of the release id>-<slot>`, e.g. `berth-web-v3-k2x9m4-1`.
 * The release id part keeps two Berth installations sharing one engine from colliding. Replicas
 * made by a restart carry 6 characters of its id too (`berth-web-v3-k2x9m4-r7hd2ka-1`): they run
 * beside the ones they replace, in the same slots.
 */
export function toContainerName(
  appName: string,
  release: { id: string; version: number },
  slot: number,
  restartId: string | null = null,
): string {
  const restart = restartId ? `-r${idTail(restartId).slice(0, 6)}` : '';
  return `berth-${appName}-v${release.version}-${idTail(release.id).slice(0, 6)}${restart}-${slot}`;
}

/**
 * One network per team on each server: `berth-t-<team id>`. Team ids are random, so two Berth
 * installations on one engine never share a network.
 */
export const toTeamNetworkName = (teamId: string): string => `berth-t-${teamId}`;

/**
 * The host-side bridge of a team network, named by Berth (not left to the engine) so the host
 * firewall can name it: `bt-` and 12 characters of the team id's random part. Linux interface
 * names have at most 15 characters.
 */
export const toTeamBridgeName = (teamId: string): string => `bt-${idTail(teamId).slice(0, 12)}`;

export interface ReplicaLabelsInput {
  /** The agent that made it: only that agent ever collects it as an orphan. */
  agentId: string;
  appId: string;
  appName: string;
  releaseId: string;
  releaseVersion: number;
  deploymentId: string;
  slot: number;
  teamId: string;
  restartId?: string | null;
}

export function toReplicaLabels(input: ReplicaLabelsInput): Record<string, string> {
  return {
    ...(input.restartId && { [LABELS.restart]: input.restartId }),
    [LABELS.team]: input.teamId,
    [LABELS.managed]: 'true',
    [LABELS.agent]: input.agentId,
    [LABELS.app]: input.appId,
    [LABELS.appName]: input.appName,
    [LABELS.release]: input.releaseId,
    [LABELS.releaseVersion]: String(input.releaseVersion),
    [LABELS.deployment]: input.deploymentId,
    [LABELS.slot]: String(input.slot),
  };
}

export interface ParsedReplicaLabels {
  agentId: string;
  appId: string;
  appName: string;
  releaseId: string;
  releaseVersion: number | null;
  deploymentId: string | null;
  slot: number;
  restartId: string | null;
}

/** Reads back what toReplicaLabels wrote; null when the container is not a Berth replica. */
export function parseReplicaLabels(labels: Record<string, string | undefined>): ParsedReplicaLabels | null {
  const agentId = labels[LABELS.agent];
  const appId = labels[LABELS.app];
  const releaseId = labels[LABELS.release];
  const slot = Number(labels[LABELS.slot]);
  if (!agentId || !appId || !releaseId || !Number.isInteger(slot) || slot < 1) return null;
  const version = Number(labels[LABELS.releaseVersion]);
  return {
    agentId,
    appId,
    appName: labels[LABELS.appName] ?? '',
    releaseId,
    releaseVersion: Number.isInteger(version) ? version : null,
    deploymentId: labels[LABELS.deployment] ?? null,
    slot,
    restartId: labels[LABELS.restart] ?? null,
  };
}

/** The hostname an app is served at under the base domain. */
export const toAppHostname = (appName: string, domain: string): string => `${appName}.${domain}`;

export function toAppUrl(
  appName: string,
  domain: string,
  httpPort: number,
  scheme: 'http' | 'https' = 'http',
): string {
  const defaultPort = scheme === 'http' ? 80 : 443;
  const port = httpPort === defaultPort ? '' : `:${httpPort}`;
  return `${scheme}://${toAppHostname(appName, domain)}${port}/`;
}
