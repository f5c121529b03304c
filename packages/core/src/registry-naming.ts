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
  /**
   * The registry as an image reference names it: `host:port` (`10.99.0.254:5000`), with the
   * namespace Berth was given there when it is an external one (`ghcr.io/acme/fleet`).
   */
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

/** A path component as distribution/reference accepts it. */
const NAMESPACE_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** `host[:port]` and the namespace path after it (empty for none). */
export function splitRegistry(registry: string): { host: string; namespace: string } {
  const slash = registry.indexOf('/');
  return slash === -1
    ? { host: registry, namespace: '' }
    : { host: registry.slice(0, slash), namespace: registry.slice(slash + 1) };
}

/** Throws VALIDATION_FAILED unless `registry` is `host[:port]` with an optional namespace path. */
export function checkRegistryHost(registry: string): void {
  const { host, namespace } = splitRegistry(registry);
  const port = host.includes(':') ? Number(host.slice(host.lastIndexOf(':') + 1)) : 0;
  const namespaceOk = namespace === '' || namespace.split('/').every((c) => NAMESPACE_COMPONENT.test(c));
  if (registry.length > 200 || !REGISTRY_HOST.test(host) || port > 65_535 || !namespaceOk) {
    throw invalid(
      'registry',
      registry,
      'must be a lowercase host name or IPv4 address with an optional port and namespace path',
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
  const { host, namespace } = splitRegistry(registry);
  if (parts.registry !== host) return { kind: 'elsewhere' };
  // An external registry's namespace is Berth's whole: any name under it is the fleet's.
  if (namespace !== '' && !parts.path.startsWith(`${namespace}/`)) return { kind: 'elsewhere' };
  const inside = namespace === '' ? parts.path : parts.path.slice(namespace.length + 1);
  const [prefix, teamId, appName, ...rest] = inside.split('/');
  if (prefix !== PREFIX || teamId === undefined || !ID_PATTERN.test(teamId)) return { kind: 'unowned' };
  if (appName === undefined || !APP_NAME_PATTERN.test(appName) || rest.length > 0) return { kind: 'unowned' };
  return { kind: 'team', teamId };
}

/**
 * An external registry as an operator gives it: `https://host[:port][/namespace]` (`http://` for
 * one on a private network). What image names spell (`host[:port]/namespace`) and the scheme;
 * throws VALIDATION_FAILED on anything else (credentials, a query, upper case, a climbing path).
 */
export function parseRegistryUrl(raw: string): { address: string; scheme: 'http' | 'https' } {
  const refuse = (why: string): BerthError =>
    new BerthError('VALIDATION_FAILED', `"${raw}" is not a registry URL: ${why}`, {
      hint: 'For example https://registry.example.com/acme/berth',
    });
  const match = /^(https?):\/\/([^/?#@]+)((?:\/[^/?#]+)*)\/?$/.exec(raw);
  if (!match) throw refuse('write it as http(s)://host[:port][/namespace]');
  const [, scheme, host = '', path = ''] = match;
  const address = `${host}${path}`;
  try {
    checkRegistryHost(address);
  } catch {
    throw refuse('a lowercase host (and port), and a namespace of lowercase path components');
  }
  return { address, scheme: scheme === 'https' ? 'https' : 'http' };
}
