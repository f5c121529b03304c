import { QueryCache, QueryClient, useQuery } from '@tanstack/react-query';
import { ApiError, isUnauthenticated } from '../problems/problem.js';
import { api, csrfTokens } from './browser.js';
import { expectData } from './client.js';

/**
 * How often a page re-reads what it shows without being told to: a safety net only. A change
 * comes as a notice on the team's event stream, which reads again the queries it concerns
 * (api/use-live-updates.ts); a running deployment's steps come from its own stream
 * (apps/useDeploymentSteps.ts).
 */
export const POLL_MS = 60_000;

export const queryKeys = {
  me: ['me'] as const,
  apps: ['apps'] as const,
  app: (app: string) => ['apps', app] as const,
  deployments: (app: string) => ['apps', app, 'deployments'] as const,
  releases: (app: string) => ['apps', app, 'releases'] as const,
  secrets: (app: string) => ['apps', app, 'secrets'] as const,
  builds: (app: string) => ['apps', app, 'builds'] as const,
  domains: (app: string) => ['apps', app, 'domains'] as const,
  webhook: (app: string) => ['apps', app, 'webhook'] as const,
  teams: ['teams'] as const,
  tokens: (team: string) => ['tokens', team] as const,
  servers: ['servers'] as const,
};

/** A client error will not change on retry; a lost connection or a 5xx may. */
const retry = (failures: number, error: unknown): boolean =>
  failures < 2 && !(error instanceof ApiError && error.status < 500);

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: { queries: { retry, refetchOnWindowFocus: true } },
    queryCache: new QueryCache({
      // A session that ends (expired, revoked, logged out elsewhere) shows the login page.
      onError: (error, query) => {
        if (isUnauthenticated(error) && query.queryKey[0] !== queryKeys.me[0]) {
          void client.invalidateQueries({ queryKey: queryKeys.me });
        }
      },
    }),
  });
  return client;
}

export const useMe = (enabled: boolean) =>
  useQuery({
    queryKey: queryKeys.me,
    queryFn: async () => {
      const me = await expectData(api.GET('/me'));
      // A tab opened after the login learns its session's CSRF token here.
      if (me.csrfToken !== null) csrfTokens.set(me.csrfToken);
      return me;
    },
    enabled,
    staleTime: 30_000,
    refetchInterval: 60_000,
  });

export const useApps = () =>
  useQuery({
    queryKey: queryKeys.apps,
    queryFn: () => expectData(api.GET('/apps')),
    select: (answer) => answer.apps,
    refetchInterval: POLL_MS,
  });

export const useApp = (app: string) =>
  useQuery({
    queryKey: queryKeys.app(app),
    queryFn: () => expectData(api.GET('/apps/{app}', { params: { path: { app } } })),
    refetchInterval: POLL_MS,
  });

export const useDeployments = (app: string) =>
  useQuery({
    queryKey: queryKeys.deployments(app),
    queryFn: () => expectData(api.GET('/apps/{app}/deployments', { params: { path: { app } } })),
    select: (answer) => answer.deployments,
    refetchInterval: POLL_MS,
  });

export const useReleases = (app: string) =>
  useQuery({
    queryKey: queryKeys.releases(app),
    queryFn: () => expectData(api.GET('/apps/{app}/releases', { params: { path: { app } } })),
    select: (answer) => answer.releases,
    refetchInterval: POLL_MS,
  });

/** The names (and mount paths) of an app's secrets: berthd never answers their values. */
export const useSecrets = (app: string) =>
  useQuery({
    queryKey: queryKeys.secrets(app),
    queryFn: () => expectData(api.GET('/apps/{app}/secrets', { params: { path: { app } } })),
    select: (answer) => answer.secrets,
    refetchInterval: POLL_MS,
  });

/** The teams the user acts in (an installation owner: all), with its role in each. */
export const useTeams = () =>
  useQuery({
    queryKey: queryKeys.teams,
    queryFn: () => expectData(api.GET('/teams')),
    select: (answer) => answer.teams,
    staleTime: 30_000,
  });

/** A team's API tokens, revoked ones too; only who manages the team may list them. */
export const useTokens = (team: string) =>
  useQuery({
    queryKey: queryKeys.tokens(team),
    queryFn: () => expectData(api.GET('/tokens', { params: { query: { team } } })),
    select: (answer) => answer.tokens,
    refetchInterval: POLL_MS,
  });

/**
 * The fleet (GET /servers: any signed-in principal may list it). No notice of the event stream
 * concerns servers (a server is no team's: api/live-notices.ts), so this re-reads itself every
 * 30 s, often enough to see an agent drop off or a drain begin while the page is open.
 */
export const SERVERS_POLL_MS = 30_000;

export const useServers = () =>
  useQuery({
    queryKey: queryKeys.servers,
    queryFn: () => expectData(api.GET('/servers')),
    select: (answer) => answer.servers,
    refetchInterval: SERVERS_POLL_MS,
  });

/** An app's builds from source, newest first (berthd lists the last 100). */
export const useBuilds = (app: string) =>
  useQuery({
    queryKey: queryKeys.builds(app),
    queryFn: () => expectData(api.GET('/apps/{app}/builds', { params: { path: { app } } })),
    select: (answer) => answer.builds,
    refetchInterval: POLL_MS,
  });

/** An app's domains with their certificates' state (its default name first, when it has one). */
export const useDomains = (app: string) =>
  useQuery({
    queryKey: queryKeys.domains(app),
    queryFn: () => expectData(api.GET('/apps/{app}/domains', { params: { path: { app } } })),
    select: (answer) => answer.domains,
    refetchInterval: POLL_MS,
  });

/**
 * The app's push webhook (URLs and secret); only who may change the app may read it. Read once
 * a page: it changes only when rotated. Its secret is kept only while the page shows it.
 */
export const useWebhook = (app: string) =>
  useQuery({
    queryKey: queryKeys.webhook(app),
    queryFn: () => expectData(api.GET('/apps/{app}/webhook', { params: { path: { app } } })),
    staleTime: Infinity,
    gcTime: 0,
  });
