import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api } from './browser.js';
import { expectData } from './client.js';
import { queryKeys } from './queries.js';

/**
 * The changes the app page makes. Each one, once berthd took it, has everything the page shows
 * of the app read again (its keys all start with the app's: spec, deployments, releases,
 * secrets) and the overview's list; the mutation stays pending until that is done, so a button
 * comes back when the page already shows the result.
 */
async function reread(client: QueryClient, app: string): Promise<void> {
  await Promise.all([
    client.invalidateQueries({ queryKey: queryKeys.app(app) }),
    client.invalidateQueries({ queryKey: queryKeys.apps, exact: true }),
  ]);
}

export interface VariablesPatch {
  set?: Record<string, string>;
  unset?: string[];
}

/** patchEnv: set and unset environment variables (a deployed app rolls out a new release). */
export function usePatchEnv(app: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: VariablesPatch) =>
      expectData(api.PATCH('/apps/{app}/env', { params: { path: { app } }, body: patch })),
    onSuccess: () => reread(client, app),
  });
}

/**
 * patchSecrets: set and unset secrets. The value sent is kept nowhere after the answer: the
 * form clears it, and the mutation is dropped from the cache as soon as nothing watches it.
 */
export function usePatchSecrets(app: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: VariablesPatch) =>
      expectData(api.PATCH('/apps/{app}/secrets', { params: { path: { app } }, body: patch })),
    onSuccess: () => reread(client, app),
    gcTime: 0,
  });
}

/** scaleApp: the number of replicas. */
export function useScale(app: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (replicas: number) =>
      expectData(api.POST('/apps/{app}/scale', { params: { path: { app } }, body: { replicas } })),
    onSuccess: () => reread(client, app),
  });
}

/** deployApp: a new release of the given image, or of the app's current spec when null. */
export function useDeploy(app: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (image: string | null) =>
      expectData(
        api.POST('/apps/{app}/deployments', {
          params: { path: { app } },
          body: image === null ? {} : { image },
        }),
      ),
    onSuccess: () => reread(client, app),
  });
}

/** rollbackApp: make an earlier release current again. */
export function useRollback(app: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (toVersion: number) =>
      expectData(api.POST('/apps/{app}/rollback', { params: { path: { app } }, body: { toVersion } })),
    onSuccess: () => reread(client, app),
  });
}
