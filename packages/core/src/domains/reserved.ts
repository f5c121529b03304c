/**
 * Top-level names a custom domain may not end in. `localhost` and `internal` are Berth's own:
 * every app already answers at `<app>.localhost` (or `<app>.<--domain>`) through the edge, and at
 * `<app>.internal` through the agent's DNS service, so a custom domain there would shadow or be
 * shadowed by them. The others are special-use names (RFC 6761, 6762, 7686, 9476) that public DNS
 * never resolves and no CA will certify. `.test` and `.example` stay allowed: they are what tests
 * and private CAs (Pebble) use.
 */
const RESERVED_TOP_LEVEL: ReadonlyMap<string, string> = new Map([
  ['localhost', 'Berth keeps for itself (every app is already at <app>.localhost)'],
  ['internal', 'Berth keeps for itself (apps reach each other at <app>.internal)'],
  ['local', 'is for multicast DNS on one network (RFC 6762), not for a served domain'],
  ['invalid', 'is guaranteed never to resolve (RFC 6761)'],
  ['onion', 'is for Tor onion services (RFC 7686)'],
  ['arpa', 'is for reverse DNS and infrastructure (RFC 3172), not for a served domain'],
  ['alt', 'is for names outside DNS (RFC 9476)'],
]);

/** Why the name (its ASCII labels) is one Berth will not serve, or null. */
export function reservedNameProblem(labels: readonly string[]): string | null {
  const top = labels[labels.length - 1];
  if (top === undefined) return null;
  const why = RESERVED_TOP_LEVEL.get(top);
  if (why === undefined) return null;
  const what = labels.length === 1 ? `is "${top}", which` : `ends in ".${top}", which`;
  return `${what} ${why}: use a domain you own`;
}

/**
 * Why the name lies in (or is) a domain Berth serves every app under (`berth up --domain`), or
 * null. `web.apps.example.com` is already app web's: a custom domain there would let one team
 * take another team's app name, and `*.apps.example.com` all of them.
 */
export function servedUnderProblem(name: string, bases: readonly string[]): string | null {
  const wildcard = name.startsWith('*.');
  const bare = wildcard ? name.slice(2) : name;
  const inside = bases.find((b) => bare === b || bare.endsWith(`.${b}`));
  if (inside !== undefined) {
    return `is in "${inside}", where Berth already serves every app as <app>.${inside}: use a name outside it`;
  }
  // `*.example.com` covers `apps.example.com` itself, one label below it.
  const covered = wildcard ? bases.find((b) => b.slice(b.indexOf('.') + 1) === bare) : undefined;
  if (covered === undefined) return null;
  return `would cover "${covered}", the domain Berth serves every app under: use a name outside it`;
}
