/**
 * A backup target on S3-compatible storage (AWS, MinIO, Ceph, Garage, R2…) through
 * @aws-sdk/client-s3: a custom endpoint, path-style addressing (most self-hosted servers have
 * no per-bucket DNS names), multipart upload of streams of any length (@aws-sdk/lib-storage).
 *
 * - Checksums only WHEN_REQUIRED: the SDK's default flexible checksums send `aws-chunked`
 *   bodies that many S3-compatible servers (s3rver, older MinIO and Ceph) do not understand.
 *   Integrity is Berth's own anyway: the object's sha256 is computed here as it goes out and
 *   the backup format authenticates every chunk.
 * - An object appears only when its PutObject or CompleteMultipartUpload succeeds: a killed
 *   agent leaves at most an incomplete multipart upload, invisible to get() and list() (a
 *   bucket lifecycle rule `AbortIncompleteMultipartUpload` removes its parts). A failed upload is
 *   aborted.
 * - Every connection goes through the SSRF guard's lookup (a name that resolves to a private or
 *   metadata address is refused, also after DNS changes); an IP-literal endpoint is checked here.
 * - Connect and idle timeouts, and few SDK retries: the job queue retries whole backups.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { parseListPrefix, parseObjectKey, parseObjectPrefix, parseOutboundUrl } from '@berth/core';
import { BerthError } from '@berth/protocol';
import { createGuardedAgents } from '../outbound/index.js';
import { toS3Error } from './s3-errors.js';
import type { BackupTarget, ListedObject, StoredObject } from './target.js';

export interface S3TargetOptions {
  /** `https://s3.example.com` or `http://10.0.0.5:9000`: scheme, host and port only. */
  endpoint: string;
  bucket: string;
  /** Empty or ending in `/` (`berth/`): every key is stored under it. */
  prefix?: string;
  /** Default us-east-1, which most S3-compatible servers accept whatever they are. */
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Endpoints on loopback or private addresses too (an installation owner's choice). */
  allowPrivate?: boolean;
  /** Default 5 s to connect, 60 s of silence on a connection. */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Attempts per request by the SDK; default 2. */
  maxAttempts?: number;
  /** Multipart part size (at least 5 MiB, S3's minimum); default 8 MiB. Memory ≈ partBytes × queueSize. */
  partBytes?: number;
  queueSize?: number;
}

const MIB = 1024 * 1024;
const BUCKET = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,32}$/;
const ACCESS_KEY_ID = /^[\x21-\x7e]{1,128}$/;
const SECRET = /^[\x20-\x7e]{1,256}$/;

function invalid(path: string, message: string): BerthError {
  return new BerthError('VALIDATION_FAILED', `${path} ${message}`, { issues: [{ path, message }] });
}

function checkOptions(options: S3TargetOptions): { endpoint: string; prefix: string; region: string } {
  const url = parseOutboundUrl(options.endpoint, 'endpoint', { allowPrivate: options.allowPrivate === true });
  if (url.pathname !== '/' || url.search !== '') {
    throw invalid('endpoint', 'must be scheme, host and port only (the bucket is a separate setting)');
  }
  if (!BUCKET.test(options.bucket)) {
    throw invalid(
      'bucket',
      'must be 3–63 lowercase letters, digits, "." or "-", starting and ending with a letter or digit',
    );
  }
  const region = options.region ?? 'us-east-1';
  if (!REGION.test(region)) throw invalid('region', 'must be lowercase letters, digits and "-"');
  if (!ACCESS_KEY_ID.test(options.accessKeyId))
    throw invalid('accessKeyId', 'must be 1–128 printable characters');
  // The secret itself never appears in a message.
  if (!SECRET.test(options.secretAccessKey))
    throw invalid('secretAccessKey', 'must be 1–256 printable characters');
  const partBytes = options.partBytes ?? 8 * MIB;
  if (!Number.isInteger(partBytes) || partBytes < 5 * MIB || partBytes > 512 * MIB) {
    throw invalid('partBytes', 'must be from 5 MiB to 512 MiB');
  }
  return { endpoint: url.href.replace(/\/$/, ''), prefix: parseObjectPrefix(options.prefix ?? ''), region };
}

export function createS3Target(options: S3TargetOptions): BackupTarget {
  const { endpoint, prefix, region } = checkOptions(options);
  const agents = createGuardedAgents('the S3 endpoint', { allowPrivate: options.allowPrivate === true });
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? 5000,
      // An idle-socket timeout, not a whole-request one: a large part may take long, but silence may not.
      socketTimeout: options.idleTimeoutMs ?? 60_000,
      httpAgent: agents.httpAgent,
      httpsAgent: agents.httpsAgent,
    },
  });
  const bucket = options.bucket;
  const description = `s3 ${endpoint}/${bucket}/${prefix}`;
  const partBytes = options.partBytes ?? 8 * MIB;
  const queueSize = options.queueSize ?? 2;

  return {
    description,

    async put(rawKey, body): Promise<StoredObject> {
      const key = parseObjectKey(rawKey);
      const hash = createHash('sha256');
      let bytes = 0;
      const counting = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          bytes += chunk.length;
          callback(null, chunk);
        },
      });
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: prefix + key, Body: counting },
        partSize: partBytes,
        queueSize,
        leavePartsOnError: false,
      });
      // The source's own failure wins over what the upload reports after it (an aborted body).
      let sourceError: unknown;
      const feeding = pipeline(body, counting).catch((e: unknown) => {
        sourceError = e;
        void upload.abort().catch(() => undefined);
      });
      try {
        await upload.done();
        await feeding;
      } catch (e) {
        await feeding;
        throw toS3Error(description, 'write', key, sourceError ?? e);
      }
      if (sourceError !== undefined) throw toS3Error(description, 'write', key, sourceError);
      return { bytes, sha256: hash.digest('hex') };
    },

    async get(rawKey): Promise<Readable> {
      const key = parseObjectKey(rawKey);
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
        if (!(response.Body instanceof Readable)) {
          throw new BerthError('BACKUP_TARGET_FAILED', `${description}: ${key} came back without a body`);
        }
        return response.Body;
      } catch (e) {
        throw toS3Error(description, 'read', key, e);
      }
    },

    async delete(rawKey): Promise<void> {
      const key = parseObjectKey(rawKey);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: prefix + key }));
      } catch (e) {
        throw toS3Error(description, 'delete', key, e);
      }
    },

    async list(rawPrefix = ''): Promise<ListedObject[]> {
      const listPrefix = parseListPrefix(rawPrefix);
      const found: ListedObject[] = [];
      let token: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix + listPrefix,
              ContinuationToken: token,
            }),
          );
        } catch (e) {
          throw toS3Error(description, 'list', listPrefix === '' ? '(everything)' : `${listPrefix}*`, e);
        }
        for (const item of page.Contents ?? []) {
          const key = item.Key?.slice(prefix.length);
          // Objects someone else put there under names Berth never makes are not Berth's.
          if (key === undefined || !isObjectKey(key)) continue;
          found.push({ key, bytes: item.Size ?? 0, modifiedAt: item.LastModified?.getTime() ?? 0 });
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    close(): void {
      client.destroy();
      agents.destroy();
    },
  };
}

function isObjectKey(key: string): boolean {
  try {
    parseObjectKey(key);
    return true;
  } catch {
    return false;
  }
}
