/**
 * A real S3-compatible server for tests: s3rver (npm), which speaks the S3 REST protocol
 * (multipart uploads, ListObjectsV2, S3's XML errors) and keeps objects in a temp directory,
 * on 127.0.0.1 on a free port, in this process. stop() closes it and removes its directory.
 *
 * s3rver 3 checks only the access key id of a SigV4 request, never its signature (its
 * authentication middleware says V4 is "unimplemented"), so a wrong secret key would pass. In
 * front of it sits sigv4.ts's check, written here from AWS's SigV4 specification: a request
 * whose signature is not the one the account's secret gives is answered like S3 does (403,
 * SignatureDoesNotMatch, in S3's XML error format), everything else goes to s3rver. Every
 * passing test request also proves that check right against the SDK's own signer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { sigV4Matches } from './sigv4.js';

export interface RunningS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Where s3rver keeps the objects (to look at or damage one on purpose). */
  directory: string;
  /** `METHOD /path?query` of every request received, in order (what the client really did). */
  requests: string[];
  /**
   * Holds every request from now on (recorded, not answered) until the returned release: a
   * backup caught mid-upload so, ends only after what the test does meanwhile.
   */
  hold(): () => void;
  stop(): Promise<void>;
}

const ACCOUNT = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const signatureError = (): string =>
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
  '<Message>The request signature we calculated does not match the signature you provided. ' +
  'Check your key and signing method.</Message></Error>';

export async function startS3rver(bucket = 'berth-test'): Promise<RunningS3> {
  const directory = await mkdtemp(join(tmpdir(), 'berth-s3rver-'));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const requests: string[] = [];
  let held: (() => void)[] | null = null;
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (held) held.push(() => answer(req, res));
    else answer(req, res);
  });
  const answer = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (!sigV4Matches(req, ACCOUNT.secretAccessKey)) {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' }).end(signatureError());
      return;
    }
    handle(req, res);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    ...ACCOUNT,
    directory,
    requests,
    hold: () => {
      const queue: (() => void)[] = (held ??= []);
      return () => {
        if (held === queue) held = null;
        for (const go of queue.splice(0)) go();
      };
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}
