import { z } from 'zod';

/**
 * How Berth writes the TXT records of ACME DNS-01 challenges (issue 11: wildcards). Settings are
 * data, validated strictly here: every value reaches a DNS message, an HTTP request or an argument
 * array, never a shell or a config file. Secrets (`secret`, `apiToken`) are plain fields of the
 * type; berthd stores them sealed, and no message of Berth (log, error, validation issue) ever
 * carries them: zod's messages below name the rule, never the value.
 */

/** Lower-case LDH labels, no trailing dot (a TSIG key's name or a zone). */
const LABEL = '(?!-)[a-z0-9-]{1,63}(?<!-)';
const DNS_NAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
const IPV4 = '(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])';
const PORT = '(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
/** `192.0.2.1`, `192.0.2.1:5353`, `[2001:db8::1]:53`, `ns1.example.com`, `ns1.example.com:5353`. */
const SERVER = new RegExp(`^(?:${IPV4}|\\[[0-9a-f:.]{2,45}\\]|(?:${LABEL}\\.)*${LABEL})(?::${PORT})?$`);

const dnsName = () =>
  z
    .string()
    .max(253, { message: 'must be at most 253 characters' })
    .regex(DNS_NAME, { message: 'must be a lower-case DNS name like "example.com", without a final dot' });

export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
export const TsigAlgorithm = z.enum(TSIG_ALGORITHMS);
export type TsigAlgorithm = z.infer<typeof TsigAlgorithm>;

/** Standard base64 (what `tsig-keygen` prints), 16 to 128 bytes of key. */
const TSIG_SECRET = /^(?:[A-Za-z0-9+/]{4}){5,43}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;

export const Rfc2136Settings = z
  .object({
    kind: z.literal('rfc2136'),
    /** The zone's primary server: an IP or host name, with `:port` when not 53. */
    server: z.string().max(260).regex(SERVER, {
      message: 'must be an IPv4 address, [IPv6] or lower-case host name, with an optional :port',
    }),
    /** The zone to update; found by SOA queries to `server` when left out. */
    zone: dnsName().optional(),
    keyName: dnsName(),
    algorithm: TsigAlgorithm.default('hmac-sha256'),
    secret: z.string().max(180).regex(TSIG_SECRET, {
      message: 'must be a base64 TSIG key (16 bytes or more), as tsig-keygen prints it',
    }),
  })
  .strict();
export type Rfc2136Settings = z.infer<typeof Rfc2136Settings>;

export const CLOUDFLARE_API_URL = 'https://api.cloudflare.com/client/v4';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** HTTPS; plain HTTP only to this machine (a local stand-in), so the token never crosses a network in clear. */
const isAcceptableApiUrl = (value: string): boolean => {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username || url.password || url.search || url.hash) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
};

export const CloudflareSettings = z
  .object({
    kind: z.literal('cloudflare'),
    /** An API token with Zone:DNS:Edit on the zone (and Zone:Read when `zoneId` is left out). */
    apiToken: z
      .string()
      .max(256)
      .regex(/^[A-Za-z0-9_-]{20,256}$/, {
        message: 'must be a Cloudflare API token (letters, digits, _ and -)',
      }),
    /** The zone's id; found by name (the longest suffix of the record's name Cloudflare knows) when left out. */
    zoneId: z
      .string()
      .regex(/^[a-f0-9]{32}$/, { message: 'must be 32 lower-case hex digits' })
      .optional(),
    apiUrl: z
      .string()
      .max(2048)
      .refine(isAcceptableApiUrl, {
        message: 'must be an https:// URL without credentials, query or fragment (http:// only to localhost)',
      })
      .default(CLOUDFLARE_API_URL),
  })
  .strict();
export type CloudflareSettings = z.infer<typeof CloudflareSettings>;

/** Absolute, normalized (no `.` or `..` segments, no doubled slashes), of plain path characters. */
const PROGRAM = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._+-]+)+$/;

export const ExecSettings = z
  .object({
    kind: z.literal('exec'),
    /** Run as `program ...args present|cleanup <fqdn> <value>` (lego's exec convention), never through a shell. */
    program: z
      .string()
      .max(1024)
      .regex(PROGRAM, { message: 'must be an absolute path like "/usr/local/bin/dns-hook"' }),
    args: z
      .array(
        z
          .string()
          .max(1024, { message: 'each argument must be at most 1024 characters' })
          .refine((s) => !s.includes('\0'), { message: 'an argument must not contain a NUL byte' }),
      )
      .max(32, { message: 'at most 32 arguments' })
      .default([]),
    timeoutMs: z.number().int().min(1000).max(600_000).default(60_000),
  })
  .strict();
export type ExecSettings = z.infer<typeof ExecSettings>;

export const DnsProviderSettings = z.discriminatedUnion('kind', [
  Rfc2136Settings,
  CloudflareSettings,
  ExecSettings,
]);
/** Parsed settings (defaults filled in). */
export type DnsProviderSettings = z.infer<typeof DnsProviderSettings>;
/** Settings as a person writes them (defaults may be left out). */
export type DnsProviderSettingsInput = z.input<typeof DnsProviderSettings>;
export type DnsProviderKind = DnsProviderSettings['kind'];

/** What may be shown of the settings (logs, API answers): everything but the secrets. */
export function describeDnsProvider(settings: DnsProviderSettings): string {
  switch (settings.kind) {
    case 'rfc2136':
      return `rfc2136 ${settings.server} (key ${settings.keyName}, ${settings.algorithm}${settings.zone ? `, zone ${settings.zone}` : ''})`;
    case 'cloudflare':
      return `cloudflare ${settings.apiUrl}${settings.zoneId ? ` (zone ${settings.zoneId})` : ''}`;
    case 'exec':
      return `exec ${settings.program}`;
  }
}
