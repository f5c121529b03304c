import { randomBytes } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import { BerthError } from '@berth/protocol';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyServerFactory,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { registerAccess } from '../access/authorize.js';
import { registerAuditHook } from '../audit/hook.js';
import { createRouteContext, type RouteContext } from './context.js';
import { loadDashboard, registerDashboard } from './dashboard.js';
import { sendProblem } from './problem.js';
import { registerStreamGuard } from './stream-guard.js';
import { watchSlowRequests } from './slow-requests.js';
import { StreamSlots } from './stream-slots.js';
import { domainRoutes } from './routes/domains.js';
import { volumeRoutes } from './routes/volumes.js';
import { databaseRoutes } from './routes/databases.js';
import { notificationRoutes } from './routes/notifications.js';
import { runRoutes } from './routes/runs.js';
import { cronRoutes } from './routes/cron.js';
import { backupRoutes } from './routes/backups.js';
import { certificateRoutes } from './routes/certificates.js';
import { appConfigRoutes } from './routes/app-config.js';
import { identityRoutes } from './routes/identity.js';
import { secretAndAuditRoutes } from './routes/secrets-audit.js';
import { teamSettingsRoutes } from './routes/team-settings.js';
import { tokenAndTeamRoutes } from './routes/tokens-teams.js';
import { userRoutes } from './routes/users.js';
import { invitationRoutes } from './routes/invitations.js';
import { appRoutes } from './routes/apps.js';
import { deploymentRoutes } from './routes/deployments.js';
import { systemRoutes, VERSION } from './routes/system.js';
import { serverRoutes } from './routes/servers.js';
import { proxyRoutes } from './routes/proxy.js';
import { buildRoutes } from './routes/builds.js';
import { imageRoutes } from './routes/images.js';
import { execRoutes } from './routes/exec.js';
import { eventRoutes } from './routes/events.js';
import { webhookRoutes } from './routes/webhooks.js';
import { API_PREFIX } from './paths.js';
import { refusePlainBeyondLoopback } from '../tls/listener.js';

export { API_PREFIX, AGENT_LINK_PATH } from './paths.js';
const BODY_LIMIT = 1024 * 1024;

export type HttpDeps = Omit<RouteContext, 'appView' | 'appViews' | 'deploymentView'>;

export interface HttpAppOptions {
  /** berthd serves HTTPS: plain HTTP that did not arrive at loopback is refused. */
  tls?: boolean;
  /** The server to run on (berthd's HTTPS one, see tls/listener.ts); Fastify's own otherwise. */
  serverFactory?: FastifyServerFactory;
}

/** The HTTP API: one Fastify instance, every route under /api/v1, every error problem+json. */
export async function createHttpApp(
  deps: HttpDeps,
  logger: FastifyBaseLogger,
  options: HttpAppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    genReqId: () => `req_${randomBytes(8).toString('hex')}`,
    requestIdHeader: false,
    // Per-request lines would drown the terminal of berth up; errors are still logged by sendProblem.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    // Errors the router meets before any route (a bad %-escape, an over-long parameter) are problems too.
    frameworkErrors: (error, request, reply) => void sendProblem(reply, request, error),
    ...(options.serverFactory && { serverFactory: options.serverFactory }),
  }).withTypeProvider<ZodTypeProvider>();
  // JSON only: Fastify's default text/plain parser would hand a string to the body schema (a 400
  // "expected object") where the answer is 415.
  app.removeContentTypeParser('text/plain');
  // First of all hooks: a plain request from the network is refused before auth or anything else.
  if (options.tls) refusePlainBeyondLoopback(app, deps.config.publicUrl);
  watchSlowRequests(app, app.log);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Berth API',
        version: VERSION,
        description:
          'Deploy and run applications on servers you own. Errors are application/problem+json (RFC 9457) with a stable `code`.',
      },
      servers: [{ url: 'http://127.0.0.1:7070' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 4 * 1024 * 1024 } });

  const ctx = createRouteContext(deps);
  registerAccess(app, { store: deps.store, clock: deps.clock, defaultTeamId: deps.defaults.teamId });
  registerAuditHook(app, { store: deps.store, clock: deps.clock });
  registerStreamGuard(app, {
    slots: new StreamSlots({
      perPrincipal: deps.config.maxStreamsPerPrincipal,
      total: deps.config.maxStreams,
    }),
    store: deps.store,
    clock: deps.clock,
  });
  app.addHook('preValidation', (request, _reply, done) => {
    // Fastify hands validators null for "no body", so optional bodies accept null; a body that
    // is literally JSON null is still not an object.
    if (request.body === null && hasBody(request)) {
      done(
        new BerthError('VALIDATION_FAILED', 'Invalid body: expected an object', {
          issues: [{ path: 'body', message: 'expected an object' }],
        }),
      );
      return;
    }
    done(unknownQueryError(request));
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error, request, reply) => sendProblem(reply, request, error));
  registerDashboard(app, await loadDashboard(deps.config.webDir));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      new BerthError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`, {
        hint: `The API lives under ${API_PREFIX}; see openapi.yaml`,
      }),
    ),
  );

  await app.register(
    async (api) => {
      await api.register(systemRoutes(ctx));
      await api.register(serverRoutes(ctx));
      await api.register(proxyRoutes(ctx));
      await api.register(appRoutes(ctx));
      await api.register(deploymentRoutes(ctx));
      await api.register(appConfigRoutes(ctx));
      await api.register(domainRoutes(ctx));
      await api.register(volumeRoutes(ctx));
      await api.register(databaseRoutes(ctx));
      await api.register(notificationRoutes(ctx));
      await api.register(runRoutes(ctx));
      await api.register(cronRoutes(ctx));
      await api.register(backupRoutes(ctx));
      await api.register(certificateRoutes(ctx));
      await api.register(identityRoutes(ctx));
      await api.register(userRoutes(ctx));
      await api.register(invitationRoutes(ctx));
      await api.register(tokenAndTeamRoutes(ctx));
      await api.register(teamSettingsRoutes(ctx));
      await api.register(secretAndAuditRoutes(ctx));
      await api.register(buildRoutes(ctx));
      await api.register(webhookRoutes(ctx));
      await api.register(imageRoutes(ctx));
      await api.register(execRoutes(ctx));
      await api.register(eventRoutes(ctx));
      api.get(
        '/agent/connect',
        { websocket: true, config: { access: { kind: 'public' } }, schema: { hide: true } },
        (socket) => {
          deps.agents.accept(socket).catch((err: unknown) => api.log.error({ err }, 'agent link failed'));
        },
      );
    },
    { prefix: API_PREFIX },
  );
  return app;
}

/**
 * A route without a querystring schema takes no query. An unknown parameter is a 400 naming it,
 * like an unknown body field: `GET /apps?name=web` must not quietly answer with every app.
 */
function unknownQueryError(request: FastifyRequest): BerthError | undefined {
  if (request.is404 || request.routeOptions.schema?.querystring !== undefined) return undefined;
  const keys = Object.keys(request.query as Record<string, unknown>);
  if (keys.length === 0) return undefined;
  return new BerthError('VALIDATION_FAILED', `Unknown query parameter(s): ${keys.join(', ')}`, {
    issues: keys.map((key) => ({ path: `querystring.${key}`, message: 'is not a parameter of this route' })),
  });
}

const hasBody = (request: FastifyRequest): boolean =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? '0') > 0;
