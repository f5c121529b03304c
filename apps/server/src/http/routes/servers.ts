import {
  AgentJoin,
  AgentJoined,
  ServerCreate,
  ServerDetail,
  ServerJoinCommand,
  ServerLabelsPatch,
  ServerListing,
  ServerParams,
} from '@berth/protocol';
import type { ServerRow } from '@berth/store';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { intentOf } from '../../audit/intent.js';
import { CLOSE_REFUSED } from '../../agents/handshake.js';
import { joinAgent } from '../../fleet/agent-join.js';
import { createJoinToken } from '../../fleet/join-tokens.js';
import {
  approveServerKey,
  findServer,
  patchServerLabels,
  removeServer,
  setDraining,
  toPendingJoin,
  toServerDetail,
} from '../../fleet/servers.js';
import type { RouteContext } from '../context.js';
import { problemResponse, problemResponses } from '../schemas.js';

/** A join is a few keys and a token: anything bigger is not one. */
const JOIN_BODY_LIMIT = 16 * 1024;

/**
 * The fleet: servers are the installation's, so only installation owners add, remove, approve
 * and drain them; every principal may list them (apps show which server a replica runs on).
 * An agent joins with its one-time token, without any other credential.
 */
export const serverRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    const detail = (s: ServerRow) => toServerDetail(s, ctx.agents.isOnline(s.id));
    const publicUrl = (request: FastifyRequest): string =>
      (ctx.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
    const target = (request: { params: { name: string } }) => `server:${request.params.name}`;

    app.get(
      '/servers',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listServers',
          tags: ['servers'],
          summary: 'Servers that are not removed, and joins not yet used (names and expiry, never tokens)',
          response: { 200: ServerListing, ...problemResponses },
        },
      },
      async () => {
        const now = ctx.clock();
        const servers = (await ctx.store.servers.list()).filter((s) => s.state !== 'removed');
        return {
          servers: servers.map(detail),
          pending: (await ctx.store.joinTokens.listPending(now)).map(toPendingJoin),
        };
      },
    );

    app.post(
      '/servers',
      {
        config: { access: { kind: 'installation' }, audit: 'server.add' },
        schema: {
          operationId: 'createServer',
          tags: ['servers'],
          summary:
            'A one-time join token for a new server (and the command to run there); its value is in this answer only',
          body: ServerCreate,
          response: { 201: ServerJoinCommand, ...problemResponses },
        },
      },
      async (request, reply) => {
        const created = await createJoinToken(
          ctx.store,
          ctx.clock(),
          request.body,
          { publicUrl: publicUrl(request), caFingerprint: ctx.caFingerprint },
          intentOf(request, `server:${request.body.name}`),
        );
        request.audited = true;
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/servers/:name',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'getServer',
          tags: ['servers'],
          params: ServerParams,
          response: { 200: ServerDetail, ...problemResponses },
        },
      },
      async (request) => detail(await findServer(ctx.store, request.params.name)),
    );

    app.delete(
      '/servers/:name',
      {
        config: { access: { kind: 'installation' }, audit: 'server.remove' },
        schema: {
          operationId: 'removeServer',
          tags: ['servers'],
          summary: 'Remove a server (its key is refused from then on) or withdraw its pending join',
          params: ServerParams,
          response: { 204: z.null().describe('Removed'), ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = await removeServer(
          ctx.store,
          ctx.clock(),
          request.params.name,
          intentOf(request, target(request)),
        );
        request.audited = true;
        if (id) ctx.agents.disconnect(id, CLOSE_REFUSED, `server ${request.params.name} was removed`);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/servers/:name/approve',
      {
        config: { access: { kind: 'installation' }, audit: 'server.approve' },
        schema: {
          operationId: 'approveServer',
          tags: ['servers'],
          summary: 'Make the new key that claimed a server its key (a paused server is active again)',
          params: ServerParams,
          response: { 200: ServerDetail, ...problemResponses },
        },
      },
      async (request) => {
        const before = await approveServerKey(
          ctx.store,
          ctx.clock(),
          request.params.name,
          intentOf(request, target(request)),
        );
        request.audited = true;
        // A link made with the old key is no longer this server's.
        ctx.agents.disconnect(before.id, CLOSE_REFUSED, `the key of server ${before.name} was replaced`);
        return detail(await findServer(ctx.store, request.params.name));
      },
    );

    app.patch(
      '/servers/:name/labels',
      {
        config: { access: { kind: 'installation' }, audit: 'server.labels' },
        schema: {
          operationId: 'patchServerLabels',
          tags: ['servers'],
          summary: "Set and remove a server's labels (what app constraints match)",
          params: ServerParams,
          body: ServerLabelsPatch,
          response: { 200: ServerDetail, ...problemResponses },
        },
      },
      async (request) =>
        detail(
          await patchServerLabels(
            ctx.store,
            ctx.clock(),
            request.params.name,
            request.body,
            intentOf(request, target(request)),
          ),
        ),
    );

    for (const [verb, draining] of [
      ['drain', true],
      ['undrain', false],
    ] as const) {
      app.post(
        `/servers/:name/${verb}`,
        {
          config: { access: { kind: 'installation' }, audit: `server.${verb}` },
          schema: {
            operationId: `${verb}Server`,
            tags: ['servers'],
            summary: draining
              ? 'Drain a server: placement gives it nothing new, and its replicas move away by rolling deploys'
              : 'Put a drained (or paused) server back to active; a paused one keeps its old key',
            params: ServerParams,
            response: { 200: ServerDetail, ...problemResponses },
          },
        },
        async (request) => {
          const server = await setDraining(
            ctx.store,
            ctx.agents,
            ctx.clock(),
            request.params.name,
            draining,
            intentOf(request, target(request)),
          );
          ctx.service.changed();
          return detail(server);
        },
      );
    }

    app.post(
      '/agent/join',
      {
        bodyLimit: JOIN_BODY_LIMIT,
        config: { access: { kind: 'public' }, audit: 'agent.join' },
        schema: {
          operationId: 'joinServer',
          tags: ['servers'],
          summary: "A new server's agent registers its keys with a one-time join token (berth agent join)",
          security: [],
          body: AgentJoin,
          response: {
            201: AgentJoined,
            ...problemResponses,
            401: problemResponse('JOIN_TOKEN_INVALID: unknown, used or expired token, or a bad signature'),
            429: problemResponse('Too many failed joins from this address: wait for the window to pass'),
          },
        },
      },
      async (request, reply) => {
        const joined = await joinAgent(
          ctx.store,
          ctx.clock(),
          request.body,
          request.ip,
          intentOf(request, null),
        );
        request.audited = true;
        return reply.status(201).send(joined);
      },
    );
    done();
  };
