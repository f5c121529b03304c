import { EventStreamMessage, EventStreamQuery } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { recheckTeamAccess, scopeOf, scopeTeam } from '../../access/authorize.js';
import { isInstallationOwner } from '../../access/policy.js';
import type { RouteContext } from '../context.js';
import { EventStreams } from '../event-stream.js';
import { problemResponses, streamLimitResponse } from '../schemas.js';

/** The event stream: one per dashboard tab, so pages update without reading on a timer. */
export const eventRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    const streams = new EventStreams(ctx.events);
    // Before the server waits for open answers to finish: these never would by themselves.
    app.addHook('preClose', (next) => {
      streams.endAll('shutdown');
      next();
    });

    app.get(
      '/events',
      {
        config: { access: { kind: 'team', permission: 'app:read', source: 'query' }, stream: 'events' },
        schema: {
          operationId: 'streamEvents',
          tags: ['events'],
          summary:
            'Server-sent events: {"kind":"ready"}, then a notice (what changed: kind and name, never data) per change in the team',
          description:
            'text/event-stream. Each message is `data: <JSON>`: first `ready` with the team, then notices of the team (an app, a deployment, a build or its log, replicas, the audit log), coalesced for a moment, and `end` with a reason when berthd ends the stream (the session or token ended, the role in the team did, or berthd is stopping). A comment every 15 s keeps it open. A notice says only what to read again through the API.',
          querystring: EventStreamQuery,
          response: {
            200: {
              description: 'Messages as server-sent events, each one JSON value in its data field',
              content: { 'text/event-stream': { schema: EventStreamMessage } },
            },
            ...problemResponses,
            ...streamLimitResponse,
          },
        },
      },
      async (request, reply) => {
        const team = scopeTeam(request);
        const follow = request.query.follow !== 'false' && request.query.follow !== '0';
        const access = { store: ctx.store, clock: ctx.clock, defaultTeamId: ctx.defaults.teamId };
        // Installation owners read audit rows of no team too: their stream hears of those.
        const installation = isInstallationOwner(scopeOf(request).principal, ctx.defaults.teamId);
        return streams.serve(request, reply, {
          team,
          installation,
          follow,
          stillAllowed: () =>
            recheckTeamAccess(request, access, team.id, 'app:read', { installationOwner: installation }),
        });
      },
    );
    done();
  };
