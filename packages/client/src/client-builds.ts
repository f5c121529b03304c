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
  const app = (name: string): string => `/apps/${encodeURIComponent(name)}`;
  const idem = (key: string | undefined): Record<string, string> => (key ? { 'idempotency-key': key } : {});

  return {
    deployRef: (name: string, ref: GitRef, key?: string) =>
      json(Deployment, 'POST', `${app(name)}/deployments`, { ref }, idem(key)),

    /** Deploys a directory, given as a tar archive. */
    deployUpload: (name: string, tar: Uint8Array, key?: string) =>
      json(Deployment, 'POST', `${app(name)}/uploads`, tar, {
        'content-type': 'application/x-tar',
        ...idem(key),
      }),

    listBuilds: async (name: string) => (await json(BuildList, 'GET', `${app(name)}/builds`)).builds,
    getBuild: (name: string, n: number) => json(Build, 'GET', `${app(name)}/builds/${n}`),
    cancelBuild: (name: string, n: number) => json(Build, 'POST', `${app(name)}/builds/${n}/cancel`),

    async *buildLog(
      name: string,
      n: number,
      opts: { follow: boolean; after?: number; signal?: AbortSignal },
    ): AsyncGenerator<BuildLogStreamLine> {
      const res = await call(
        'GET',
        `${app(name)}/builds/${n}/logs?follow=${opts.follow}&after=${opts.after ?? 0}`,
        undefined,
        {},
        { signal: opts.signal },
      );
      for await (const line of lines(res, opts.signal)) yield BuildLogStreamLine.parse(line);
    },

    webhook: (name: string) => json(WebhookInfo, 'GET', `${app(name)}/webhook`),
    rotateWebhook: (name: string) => json(WebhookInfo, 'POST', `${app(name)}/webhook/rotate`),

    async *bootstrapImages(
      request: ImagesBootstrapRequest,
      signal?: AbortSignal,
    ): AsyncGenerator<ImagesBootstrapStreamLine> {
      const res = await call('POST', '/images/bootstrap', request, {}, { signal });
      for await (const line of lines(res, signal)) yield ImagesBootstrapStreamLine.parse(line);
    },
  };
}
