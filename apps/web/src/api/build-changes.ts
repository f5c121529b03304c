import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from './browser.js';
import { expectData } from './client.js';
import { queryKeys } from './queries.js';

/**
 * cancelBuild: stop a queued or running build; its deployment fails and the current release
 * keeps serving. Once berthd took it, everything the page shows of the app is read again.
 */
export function useCancelBuild(app: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (number: number) =>
      expectData(
        api.POST('/apps/{app}/builds/{number}/cancel', { params: { path: { app, number: String(number) } } }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.app(app) }),
  });
}
