import {
  Build,
  BuildList,
  BuildLogStreamLine,
  Deployment,
  ImagesBootstrapStreamLine,
  WebhookInfo,
  type GitRef,
  type ImagesBootstrapRequest,
} from '@berth/protocol';
import type { Transport } from './transport.js';

/** Builds from source: deploys of a ref or an uploaded directory, builds, their logs, webhooks. */
export function buildsApi({ call, json, lines }: Transport) {
  const app = (name: string) => ({ path: { app: name } });
  // The spec types a build's number in the path as text, as every path parameter is.
  const build = (name: string, n: number) => ({ path: { app: name, number: String(n) } });
  const idem = (key: string | undefined): Record<string, string> => (key ? { 'idempotency-key': key } : {});

  return {
    deployRef: (name: string, ref: GitRef, key?: string) =>
      json(Deployment, 'POST', '/apps/{app}/deployments', {
        ...app(name),
        body: { ref },
        headers: idem(key),
      }),

    /** Deploys a directory, given as a tar archive. */
    deployUpload: (name: string, tar: Uint8Array, key?: string) =>
      json(Deployment, 'POST', '/apps/{app}/uploads', {
        ...app(name),
        body: tar,
        headers: { 'content-type': 'application/x-tar', ...idem(key) },
      }),

    listBuilds: async (name: string) =>
      (await json(BuildList, 'GET', '/apps/{app}/builds', app(name))).builds,
    getBuild: (name: string, n: number) => json(Build, 'GET', '/apps/{app}/builds/{number}', build(name, n)),
    cancelBuild: (name: string, n: number) =>
      json(Build, 'POST', '/apps/{app}/builds/{number}/cancel', build(name, n)),

    async *buildLog(
      name: string,
      n: number,
      opts: { follow: boolean; after?: number; signal?: AbortSignal },
    ): AsyncGenerator<BuildLogStreamLine> {
      const res = await call('GET', '/apps/{app}/builds/{number}/logs', {
        ...build(name, n),
        query: { follow: opts.follow ? 'true' : 'false', after: opts.after ?? 0 },
        stream: { signal: opts.signal },
      });
      for await (const line of lines(res, opts.signal)) yield BuildLogStreamLine.parse(line);
    },

    webhook: (name: string) => json(WebhookInfo, 'GET', '/apps/{app}/webhook', app(name)),
    rotateWebhook: (name: string) => json(WebhookInfo, 'POST', '/apps/{app}/webhook/rotate', app(name)),

    async *bootstrapImages(
      request: ImagesBootstrapRequest,
      signal?: AbortSignal,
    ): AsyncGenerator<ImagesBootstrapStreamLine> {
      const res = await call('POST', '/images/bootstrap', { body: request, stream: { signal } });
      for await (const line of lines(res, signal)) yield ImagesBootstrapStreamLine.parse(line);
    },
  };
}
