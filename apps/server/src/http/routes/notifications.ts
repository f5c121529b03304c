import {
  NotificationChannelCreate,
  NotificationChannelCreated,
  NotificationChannelList,
  NotificationChannelParams,
  NotificationDelivery,
  NotificationDeliveryList,
  NotificationDeliveryQuery,
  TeamQuery,
} from '@berth/protocol';
import type { FastifyRequest } from 'fastify';
import type { TeamRow } from '@berth/store';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf, scopeTeam } from '../../access/authorize.js';
import { teamsWith } from '../../access/policy.js';
import { intentOf } from '../../audit/intent.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

/**
 * A team's notification webhooks: `berth notify add|list|remove|test|deliveries`. Managed by the
 * team's admins (team:manage), scoped like volumes: created in the team of the body (or the
 * caller's), removed and tested in the team of `?team=` (or the caller's); listed for every team
 * the caller manages. The signing secret is in the create answer only.
 */
export const notificationRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    const managedTeams = async (request: FastifyRequest): Promise<TeamRow[]> => {
      const teams: TeamRow[] = [];
      for (const id of teamsWith(scopeOf(request).principal, 'team:manage')) {
        const team = await ctx.store.teams.get(id);
        if (team) teams.push(team);
      }
      return teams;
    };

    app.get(
      '/notifications/channels',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listNotificationChannels',
          tags: ['notifications'],
          summary: 'The notification webhooks of the teams the caller manages (never their secrets)',
          response: { 200: NotificationChannelList, ...problemResponses },
        },
      },
      async (request) => ({ channels: await ctx.notify.list(await managedTeams(request)) }),
    );

    app.post(
      '/notifications/channels',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'body' },
          audit: 'notification.channel.create',
        },
        schema: {
          operationId: 'createNotificationChannel',
          tags: ['notifications'],
          summary:
            'Add a webhook; the answer holds its signing secret, shown this once. Private addresses only with allowPrivate, which only installation owners may set',
          body: NotificationChannelCreate,
          response: { 201: NotificationChannelCreated, ...problemResponses },
        },
      },
      async (request, reply) => {
        const created = await ctx.notify.create(
          request.body,
          scopeTeam(request),
          scopeOf(request).principal.installationOwner,
          intentOf(request, 'notify:webhook', { url: request.body.url.slice(0, 300) }),
        );
        request.audited = true;
        return reply.status(201).send(created);
      },
    );

    app.delete(
      '/notifications/channels/:id',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'query' },
          audit: 'notification.channel.delete',
        },
        schema: {
          operationId: 'deleteNotificationChannel',
          tags: ['notifications'],
          summary: 'Remove a webhook and its delivery history',
          params: NotificationChannelParams,
          querystring: TeamQuery,
          response: { 204: z.null().describe('Deleted'), ...problemResponses },
        },
      },
      async (request, reply) => {
        await ctx.notify.remove(
          scopeTeam(request),
          request.params.id,
          intentOf(request, `notify:${request.params.id}`),
        );
        request.audited = true;
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/notifications/channels/:id/test',
      {
        config: {
          access: { kind: 'team', permission: 'team:manage', source: 'query' },
          audit: 'notification.channel.test',
        },
        schema: {
          operationId: 'testNotificationChannel',
          tags: ['notifications'],
          summary: 'Send a notification.test event now (one attempt) and answer with its outcome',
          params: NotificationChannelParams,
          querystring: TeamQuery,
          response: { 200: NotificationDelivery, ...problemResponses },
        },
      },
      async (request) => ctx.notify.test(scopeTeam(request), request.params.id),
    );

    app.get(
      '/notifications/deliveries',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          operationId: 'listNotificationDeliveries',
          tags: ['notifications'],
          summary: 'What was sent to the webhooks of the teams the caller manages, newest first',
          querystring: NotificationDeliveryQuery,
          response: { 200: NotificationDeliveryList, ...problemResponses },
        },
      },
      async (request) => ({
        deliveries: await ctx.notify.deliveries(await managedTeams(request), request.query.limit ?? 50),
      }),
    );
    done();
  };
