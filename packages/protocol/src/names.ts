import { z } from 'zod';

/**
 * Every value a user can name is checked here, at the boundary, against a strict pattern.
 * These values end up in container names, DNS names, proxy configs and argv arrays:
 * a pattern that is too loose is an injection waiting to happen.
 */

/** An app name is a DNS label: it becomes `<name>.<domain>` and part of container names. */
export const APP_NAME_PATTERN = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
export const AppName = z
  .string()
  .regex(APP_NAME_PATTERN, {
    message:
      'must be 1-32 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen',
  })
  .refine((s) => !s.includes('--'), { message: 'must not contain two hyphens in a row' });

export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const EnvKey = z.string().regex(ENV_KEY_PATTERN, {
  message: 'must be letters, digits and underscores (not starting with a digit), at most 128 characters',
});

/** Env values reach the container's environment only; NUL cannot be represented there. */
export const EnvValue = z
  .string()
  .max(32 * 1024, { message: 'must be at most 32 KiB' })
  .refine((s) => !s.includes('\0'), { message: 'must not contain NUL characters' });

export const Env = z
  .record(EnvKey, EnvValue)
  .refine((e) => Object.keys(e).length <= 256, { message: 'at most 256 variables' });

/**
 * Docker/OCI image reference: [registry[:port]/]path[:tag][@sha256:digest].
 * The grammar follows distribution/reference, restricted to lowercase registries.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?';
const IMAGE_REF = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?`;
export const IMAGE_REF_PATTERN = new RegExp(`^${IMAGE_REF}$`);
export const ImageRef = z
  .string()
  .max(255, { message: 'must be at most 255 characters' })
  .regex(IMAGE_REF_PATTERN, {
    message:
      'must be an image reference like "nginx:1.27", "localhost/hello:1" or "ghcr.io/acme/api@sha256:…"',
  });

/**
 * An image a person names to deploy: a reference, never an image id. The engine takes
 * `sha256:<hex>` and any bare string of hex digits (two are enough) as the id, or a prefix of the
 * id, of whatever image is in its store, whoever built it.
 */
export const DEPLOY_IMAGE_REF_PATTERN = new RegExp(`^(?!sha256:)(?![0-9a-f]+$)${IMAGE_REF}$`);
export const DeployImageRef = z
  .string()
  .max(255, { message: 'must be at most 255 characters' })
  .regex(DEPLOY_IMAGE_REF_PATTERN, {
    message:
      'must be an image reference like "nginx:1.27", "localhost/hello:1" or "ghcr.io/acme/api@sha256:…", not an image id (sha256:… or hex digits)',
  });

/** A health-check path: an absolute URL path with an optional simple query. */
export const HTTP_PATH_PATTERN = /^\/[A-Za-z0-9\-._~/%]*(?:\?[A-Za-z0-9\-._~=&%]*)?$/;
export const HttpPath = z
  .string()
  .max(256, { message: 'must be at most 256 characters' })
  .regex(HTTP_PATH_PATTERN, {
    message:
      'must be an absolute path like "/" or "/healthz" (letters, digits, - . _ ~ / % and a simple query)',
  });

export const Port = z.number().int().min(1).max(65535);
export const Replicas = z.number().int().min(0).max(64);

/** A container command: argv, never a shell string. */
export const Command = z
  .array(
    z
      .string()
      .min(1)
      .max(4096)
      .refine((s) => !s.includes('\0'), { message: 'must not contain NUL characters' }),
  )
  .min(1)
  .max(64);

/** Ids are opaque, random and not guessable: a short kind prefix, an underscore, 20 base32 characters. */
export const ID_PATTERN = /^[a-z]{2,4}_[a-z2-7]{20}$/;
export const Id = z.string().regex(ID_PATTERN, { message: 'is not a valid id' });

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const IdempotencyKey = z.string().regex(IDEMPOTENCY_KEY_PATTERN, {
  message: 'must be 1-128 characters of letters, digits and . _ : -',
});

/** The base domain apps are served under: lowercase DNS labels. */
export const DOMAIN_PATTERN =
  /^(?=.{1,200}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const DomainName = z.string().regex(DOMAIN_PATTERN, { message: 'must be a lowercase DNS name' });

/** Team and project names are labels like app names (they may appear in hostnames later). */
export const TeamName = AppName;
export const ProjectName = AppName;

export const TOKEN_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
export const TokenName = z.string().regex(TOKEN_NAME_PATTERN, {
  message:
    'must be 1-64 characters of lowercase letters, digits and . _ -, starting and ending with a letter or digit',
});

/**
 * Deliberately plain: local part and domain of printable ASCII, no quotes, comments or IP
 * literals. Any case is accepted (spelled out, not with a flag, so the JSON schema in openapi.yaml says the
 * same); Berth stores and compares emails lowercased.
 */
export const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const Email = z
  .string()
  .max(254, { message: 'must be at most 254 characters' })
  .regex(EMAIL_PATTERN, { message: 'must be an email address like ada@example.com' });

export const Password = z
  .string()
  .min(10, { message: 'must be at least 10 characters' })
  .max(1024, { message: 'must be at most 1024 characters' });

export const ROLES = ['owner', 'admin', 'operator', 'viewer'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** A master key id, as the keyring names them. */
export const KeyId = z
  .string()
  .regex(/^mk_[0-9a-f]{12}$/, { message: 'is not a key id (mk_ and 12 hex digits)' });

/**
 * A WireGuard public key as `wg` prints it: 32 bytes of Curve25519 in standard base64. The last
 * character before the padding carries only 4 bits, so it is one of 16 letters.
 */
export const WIREGUARD_KEY_PATTERN = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
export const WireGuardKey = z.string().regex(WIREGUARD_KEY_PATTERN);
