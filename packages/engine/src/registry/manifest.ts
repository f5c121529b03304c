/**
 * Reading back what a push stored: GET /v2/<repository>/manifests/<tag> on the registry, with the
 * digest computed from the bytes received (a registry's Docker-Content-Digest header is checked
 * against it, not trusted alone). Podman 4.3's push does not report the digest it produced, and
 * the engine's own RepoDigests name the local manifest, which differs from the pushed one once
 * layers are recompressed.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { BerthError } from '@berth/protocol';
import type { RegistryAccess } from '../container/types.js';

/** Single-image manifests, the kinds a push of one image writes (OCI by Podman, Docker v2 by Docker). */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
/** distribution's own limit on a manifest's size. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface StoredManifest {
  /** `sha256:…` of the manifest's bytes. */
  digest: string;
  /** The config blob's digest: the image id of the image that was pushed. */
  configDigest: string;
}

export interface ManifestLocation {
  /** `host:port` as the image reference names it. */
  registry: string;
  /** The repository within the registry, e.g. `berth/tm_…/web`. */
  repository: string;
  /** A tag or `sha256:…` digest. */
  reference: string;
}

export async function readStoredManifest(
  location: ManifestLocation,
  access: RegistryAccess,
  timeoutMs: number,
): Promise<StoredManifest> {
  const what = `${location.registry}/${location.repository}:${location.reference}`;
  const res = await getManifest(location, access, timeoutMs);
  const body = await readLimited(res, MAX_MANIFEST_BYTES);
  if (res.statusCode === 401) {
    throw new BerthError('REGISTRY_AUTH_FAILED', `Reading ${what}: the registry refused the login`, {
      hint: "Check this server's registry user and password against the registry's htpasswd file.",
    });
  }
  if (res.statusCode !== 200) {
    throw new BerthError(
      'REGISTRY_PUSH_FAILED',
      `Reading the manifest of ${what} after the push: the registry answered ${res.statusCode ?? 0}: ${body.toString('utf8').slice(0, 300)}`,
    );
  }
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const claimed = res.headers['docker-content-digest'];
  if (typeof claimed === 'string' && claimed !== digest) {
    throw new BerthError(
      'REGISTRY_PUSH_FAILED',
      `The registry says ${what} is ${claimed}, but its bytes hash to ${digest}`,
    );
  }
  return { digest, configDigest: toConfigDigest(body, what) };
}

function toConfigDigest(body: Buffer, what: string): string {
  let manifest: unknown;
  try {
    manifest = JSON.parse(body.toString('utf8'));
  } catch {
    manifest = null;
  }
  const config =
    typeof manifest === 'object' && manifest !== null && 'config' in manifest ? manifest.config : null;
  const digest = typeof config === 'object' && config !== null && 'digest' in config ? config.digest : null;
  if (typeof digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new BerthError('REGISTRY_PUSH_FAILED', `The manifest of ${what} names no image config`);
  }
  return digest;
}

function getManifest(
  location: ManifestLocation,
  access: RegistryAccess,
  timeoutMs: number,
): Promise<IncomingMessage> {
  const { registry, repository, reference } = location;
  const url = new URL(`${access.scheme}://${registry}/v2/${repository}/manifests/${reference}`);
  const login = `${access.credentials.username}:${access.credentials.password}`;
  const options = {
    method: 'GET',
    headers: {
      Accept: MANIFEST_TYPES.join(', '),
      Authorization: `Basic ${Buffer.from(login).toString('base64')}`,
    },
    timeout: timeoutMs,
    ...(access.caPem === undefined ? {} : { ca: access.caPem }),
  };
  return new Promise((resolve, reject) => {
    const req = (access.scheme === 'https' ? https : http).request(url, options, resolve);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) =>
      reject(
        new BerthError('REGISTRY_PUSH_FAILED', `Cannot reach the registry at ${url.origin}: ${err.message}`, {
          hint: 'Check that the registry runs and that this server can reach its address.',
          cause: err,
        }),
      ),
    );
    req.end();
  });
}

async function readLimited(res: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.destroy();
      throw new BerthError('REGISTRY_PUSH_FAILED', `The registry sent a manifest larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
