import { BerthError, type ErrorCode, type Role } from '@berth/protocol';
import type { AppRow, DeploymentRow, InvitationRow, Store, TeamRow } from '@berth/store';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate } from './authenticate.js';
import { can, isInstallationOwner, roleIn, type Permission, type Principal } from './policy.js';

/**
 * Authorization for every route, in one place. Each route declares `config.access`; a route
 * that declares nothing is refused, so a forgotten declaration fails closed. What a principal
 * may not see is answered 404 like what does not exist — never 403 and never its data — while a
 * visible resource it may not change is 403.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'installation' }
  /**
   * A change (any method but GET/HEAD) to the workload app of a managed database is refused
   * (DATABASE_WORKLOAD: `berth db …` owns it) unless the route says `workloads: true` (restart).
   */
  | { kind: 'app'; permission: Permission; workloads?: true }
  | { kind: 'deployment'; permission: Permission }
  | {
      kind: 'team';
      permission: Permission;
      source: 'body' | 'query' | 'param';
      /** Installation owners act as owners of every team here, member or not (team settings). */
      installationOwners?: true;
    }
  /** The caller's own invitation into the team of the `team` path parameter (users only). */
  | { kind: 'invitation' };

/** What the access check found, for the handler to use instead of looking it up again. */
export interface Scope {
  principal: Principal;
  team: TeamRow | null;
  role: Role | null;
  app: AppRow | null;
  deployment: DeploymentRow | null;
  invitation: InvitationRow | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
    scope: Scope | null;
    /** Set when authorization refused the request (for the audit row's outcome). */
    denied: boolean;
  }
}

export interface AccessDeps {
  store: Store;
  clock: () => number;
  defaultTeamId: string;
}

export function registerAccess(app: FastifyInstance, deps: AccessDeps): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('scope', null);
  app.decorateRequest('denied', false);
  app.addHook('onRequest', async (request) => {
    // No route matched: the not-found handler answers; there is nothing to authorize.
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (access?.kind === 'public') return;
    request.principal = await authenticate(request, deps.store, deps.clock(), deps.defaultTeamId);
  });
  app.addHook('preHandler', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (access?.kind === 'public') return;
    const principal = request.principal;
    if (!principal)
      throw new BerthError('UNAUTHENTICATED', 'This request needs an API token or a login session');
    try {
      request.scope = await resolveScope(request, principal, access, deps);
    } catch (err) {
      request.denied = err instanceof BerthError && (err.status === 403 || err.status === 404);
      throw err;
    }
  });
}

async function resolveScope(
  request: FastifyRequest,
  principal: Principal,
  access: Access | undefined,
  deps: AccessDeps,
): Promise<Scope> {
  const scope: Scope = { principal, team: null, role: null, app: null, deployment: null, invitation: null };
  // Set before the checks: a refusal in a team the principal can see is audited in that team.
  request.scope = scope;
  switch (access?.kind) {
    case undefined:
      throw new BerthError('FORBIDDEN', 'This route declares no access rule, so it is refused');
    case 'public':
    case 'authenticated':
      return scope;
    case 'installation':
      if (!isInstallationOwner(principal, deps.defaultTeamId)) {
        throw new BerthError('FORBIDDEN', 'Only an owner of the default team may do this');
      }
      return scope;
    case 'app': {
      const name = field(request.params, 'app');
      const app = name ? await deps.store.apps.getByName(name) : null;
      const found = inTeam(
        scope,
        app ? await deps.store.teams.get(app.teamId) : null,
        access.permission,
        'APP_NOT_FOUND',
        `There is no app named "${name ?? ''}"`,
        { app },
      );
      const changes = request.method !== 'GET' && request.method !== 'HEAD';
      if (app && changes && access.workloads !== true) {
        const database = await deps.store.databases.getByApp(app.id);
        if (database)
          throw new BerthError('DATABASE_WORKLOAD', `${app.name} runs the database "${database.name}"`, {
            hint: `Change it with berth db (berth db show ${database.name}); berth restart ${app.name} and berth logs ${app.name} work`,
          });
      }
      return found;
    }
    case 'deployment': {
      const id = field(request.params, 'id') ?? '';
      const deployment = await deps.store.deployments.get(id);
      const app = deployment ? await deps.store.apps.getById(deployment.appId) : null;
      const team = app ? await deps.store.teams.get(app.teamId) : null;
      return inTeam(scope, team, access.permission, 'DEPLOYMENT_NOT_FOUND', `There is no deployment ${id}`, {
        app,
        deployment,
      });
    }
    case 'team': {
      const source =
        access.source === 'body' ? request.body : access.source === 'query' ? request.query : request.params;
      const name = field(source, 'team');
      const team = name ? await deps.store.teams.getByName(name) : await homeTeam(principal, deps);
      const actsAsOwner =
        access.installationOwners === true && isInstallationOwner(principal, deps.defaultTeamId);
      return inTeam(
        actsAsOwner && team ? { ...scope, principal: asOwnerOf(principal, team) } : scope,
        team,
        access.permission,
        'TEAM_NOT_FOUND',
        `There is no team named "${name ?? ''}"`,
        {},
      );
    }
    case 'invitation':
      return ownInvitation(scope, field(request.params, 'team') ?? '', deps);
  }
}

/**
 * An invitation is the invited account's alone: anyone else, and a token, finds none (404), as
 * for a team that does not exist. Accepting or declining is recorded in the inviting team.
 */
async function ownInvitation(scope: Scope, teamName: string, deps: AccessDeps): Promise<Scope> {
  const team = await deps.store.teams.getByName(teamName);
  const invitation =
    team && scope.principal.kind === 'user'
      ? await deps.store.invitations.get(team.id, scope.principal.name, deps.clock())
      : null;
  if (!team || !invitation) {
    throw new BerthError('INVITATION_NOT_FOUND', `You have no invitation to team "${teamName}"`, {
      hint: 'List yours with: berth invitations list',
    });
  }
  return { ...scope, team, invitation };
}

const NOT_FOUND_HINTS: Partial<Record<ErrorCode, string>> = {
  APP_NOT_FOUND: 'List apps with: berth apps list',
  TEAM_NOT_FOUND: 'List your teams with: berth teams list',
  DEPLOYMENT_NOT_FOUND: 'List deployments with: berth deployments list APP',
};

function inTeam(
  scope: Scope,
  team: TeamRow | null,
  permission: Permission,
  notFound: ErrorCode,
  message: string,
  found: Partial<Pick<Scope, 'app' | 'deployment'>>,
): Scope {
  const role = team ? roleIn(scope.principal, team.id) : null;
  if (!team || !role) throw new BerthError(notFound, message, { hint: NOT_FOUND_HINTS[notFound] });
  // Visible to the principal: the team's admins may read that it was refused here. (A team it
  // cannot see is never recorded: that would tell the other team who probed it.)
  scope.team = team;
  scope.role = role;
  if (!can(role, permission)) {
    throw new BerthError('FORBIDDEN', `Your role in team ${team.name} (${role}) does not allow this`, {
      hint: 'Ask an owner or admin of the team for a role that does',
    });
  }
  return {
    ...scope,
    team,
    role,
    app: found.app ?? null,
    deployment: found.deployment ?? null,
    invitation: null,
  };
}

/** The principal with the owner role in `team` added, for what installation owners may do in any team. */
const asOwnerOf = (principal: Principal, team: TeamRow): Principal => ({
  ...principal,
  roles: new Map([...principal.roles, [team.id, 'owner']]),
});

/** The team a request means when it names none: the token's team, or the user's default/first. */
async function homeTeam(principal: Principal, deps: AccessDeps): Promise<TeamRow | null> {
  const ids = [...principal.memberships.keys()];
  const id = ids.includes(deps.defaultTeamId) ? deps.defaultTeamId : ids.sort()[0];
  return id ? deps.store.teams.get(id) : null;
}

function field(source: unknown, key: string): string | null {
  if (typeof source !== 'object' || source === null) return null;
  const v = (source as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : null;
}

/**
 * Whether the request's credentials still hold `permission` in the team (and, with
 * `installationOwner`, still own the installation), by the same checks as the access hook: a
 * long-lived answer (the event stream) asks again when a session, token or membership may have
 * ended, and ends when the answer is no longer `ok`.
 */
export async function recheckTeamAccess(
  request: FastifyRequest,
  deps: AccessDeps,
  teamId: string,
  permission: Permission,
  { installationOwner }: { installationOwner: boolean },
): Promise<'ok' | 'unauthenticated' | 'forbidden'> {
  let principal: Principal;
  try {
    principal = await authenticate(request, deps.store, deps.clock(), deps.defaultTeamId);
  } catch (err) {
    if (err instanceof BerthError && err.code === 'UNAUTHENTICATED') return 'unauthenticated';
    throw err;
  }
  if (installationOwner && !isInstallationOwner(principal, deps.defaultTeamId)) return 'forbidden';
  const team = await deps.store.teams.get(teamId);
  const role = team ? roleIn(principal, team.id) : null;
  return role !== null && can(role, permission) ? 'ok' : 'forbidden';
}

/** The scope the access hook resolved; routes that declared a scope can rely on it. */
export function scopeOf(request: FastifyRequest): Scope {
  if (!request.scope) throw new BerthError('INTERNAL', 'the access hook did not run for this route');
  return request.scope;
}

export function scopeApp(request: FastifyRequest): AppRow {
  const app = scopeOf(request).app;
  if (!app) throw new BerthError('INTERNAL', 'this route has no app scope');
  return app;
}

export function scopeTeam(request: FastifyRequest): TeamRow {
  const team = scopeOf(request).team;
  if (!team) throw new BerthError('INTERNAL', 'this route has no team scope');
  return team;
}

export function scopeRole(request: FastifyRequest): Role {
  const role = scopeOf(request).role;
  if (!role) throw new BerthError('INTERNAL', 'this route has no role in scope');
  return role;
}

/**
 * Whether the request's principal may read log output in its scope: the one rule for the log
 * routes and for the log lines a deployment's or build's error carries.
 */
export function mayReadLogs(request: FastifyRequest): { logs: boolean } {
  const role = scopeOf(request).role;
  return { logs: role !== null && can(role, 'app:logs') };
}
