import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { NewAppRequest } from '../apps/new-app.js';
import { api } from './browser.js';
import { expectData } from './client.js';
import type { App } from './paths.js';
import { queryKeys } from './queries.js';

export interface CreateAppVariables {
  request: NewAppRequest;
  /** Start its first deployment once it exists (deployApp of the image it was created with). */
  deploy: boolean;
}

/**
 * What createApp, then deployApp, came to. The app may exist while its deployment failed to
 * start: that failure is kept apart from createApp's (which leaves nothing behind), so the page
 * says the app was made and sends the user to it rather than to create it again.
 */
export interface CreateAppResult {
  app: App;
  /** The version of the release its first deployment rolls out; null when none was started. */
  deployedVersion: number | null;
  deployError: unknown;
}

/** createApp in the team, then optionally deployApp; the overview's list is read again. */
export function useCreateApp(team: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ request, deploy }: CreateAppVariables): Promise<CreateAppResult> => {
      const app = await expectData(api.POST('/apps', { body: { ...request, team } }));
      if (!deploy) return { app, deployedVersion: null, deployError: null };
      try {
        const deployment = await expectData(
          api.POST('/apps/{app}/deployments', { params: { path: { app: app.name } }, body: {} }),
        );
        return { app, deployedVersion: deployment.releaseVersion, deployError: null };
      } catch (error) {
        return { app, deployedVersion: null, deployError: error };
      }
    },
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.apps, exact: true }),
  });
}
