import { APP_NAME_PATTERN, BerthError, ID_PATTERN } from '@berth/protocol';
import { parseImageRef } from './image-ref.js';

/**
 * The names under which a fleet's registry holds a release's image:
 * `<registry>/berth/<team id>/<app name>:<release id>`, pinned as
 * `<registry>/berth/<team id>/<app name>@sha256:<digest>` once pushed. Every component is a value
 * Berth made or validated (ids are `[a-z]{2,4}_[a-z2-7]{20}`, app names `[a-z0-9-]`), so a name
 * can never climb out of its team's prefix (`..`, `/`, upper case and the like are refused here,
 * not trusted to the registry). The team id comes before the app name so that a registry scope
 * or an audit can name one team's images by prefix.
 */

export interface RegistryImageInput {
  /** The registry's address as an image reference names it: `host:port`, `10.99.0.254:5000`. */
  registry: string;
  teamId: string;
  appName: string;
  releaseId: string;
}

/** A lowercase DNS name or IPv4 address, with an optional port (what distribution/reference accepts, minus IPv6). */
const REGISTRY_HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::(?:[1-9][0-9]{0,4}))?$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const PREFIX = 'berth';

function invalid(what: string, value: string, rule: string): BerthError {
  return new BerthError(
    'VALIDATION_FAILED',
    `Invalid ${what} for a registry image name: ${JSON.stringify(value)}`,
    {
      issues: [{ path: what, message: rule }],
    },
  );
}

function checkRegistryHost(registry: string): void {
  const port = registry.includes(':') ? Number(registry.slice(registry.lastIndexOf(':') + 1)) : 0;
  if (registry.length > 253 || !REGISTRY_HOST.test(registry) || port > 65_535) {
    throw invalid(
      'registry',
      registry,
      'must be a lowercase host name or IPv4 address with an optional port',
    );
  }
}

/** `<registry>/berth/<team id>/<app name>`: the repository of one app's images. */
export function toRegistryRepository(input: Omit<RegistryImageInput, 'releaseId'>): string {
  checkRegistryHost(input.registry);
  if (!ID_PATTERN.test(input.teamId)) throw invalid('teamId', input.teamId, 'must be a Berth id');
  if (!APP_NAME_PATTERN.test(input.appName)) throw invalid('appName', input.appName, 'must be an app name');
  return `${input.registry}/${PREFIX}/${input.teamId}/${input.appName}`;
}

/** The tagged name a release's image is pushed under: `<repository>:<release id>`. */
export function toRegistryImageRef(input: RegistryImageInput): string {
  if (!ID_PATTERN.test(input.releaseId)) throw invalid('releaseId', input.releaseId, 'must be a Berth id');
  return `${toRegistryRepository(input)}:${input.releaseId}`;
}

/**
 * The name other servers pull: the repository at the pushed manifest's digest, never a tag, so a
 * tag moved later (by anyone who can push) cannot change what a release runs.
 */
export function toPinnedRegistryRef(input: Omit<RegistryImageInput, 'releaseId'>, digest: string): string {
  if (!DIGEST.test(digest)) throw invalid('digest', digest, 'must be sha256:<64 hex digits>');
  return `${toRegistryRepository(input)}@${digest}`;
}

/** The repository prefix all of a team's images share in the registry (`berth/<team id>/`). */
export function toTeamRegistryPrefix(teamId: string): string {
  if (!ID_PATTERN.test(teamId)) throw invalid('teamId', teamId, 'must be a Berth id');
  return `${PREFIX}/${teamId}/`;
}

/**
 * Whose image a reference names in the fleet's registry (at `registry`, as image names spell its
 * address): `elsewhere` for any other registry, `team` for `<registry>/berth/<team id>/…`, and
 * `unowned` for any other path there, which no team may deploy. For the image rule: a team may
 * deploy only its own (berthd names them itself after a push; a person never needs to).
 */
export type FleetRegistryOwner =
  { kind: 'elsewhere' } | { kind: 'team'; teamId: string } | { kind: 'unowned' };

export function fleetRegistryOwner(ref: string, registry: string): FleetRegistryOwner {
  const parts = parseImageRef(ref);
  if (parts === null) return { kind: 'unowned' };
  if (parts.registry !== registry) return { kind: 'elsewhere' };
  const [prefix, teamId, appName, ...rest] = parts.path.split('/');
  if (prefix !== PREFIX || teamId === undefined || !ID_PATTERN.test(teamId)) return { kind: 'unowned' };
  if (appName === undefined || !APP_NAME_PATTERN.test(appName) || rest.length > 0) return { kind: 'unowned' };
  return { kind: 'team', teamId };
}
