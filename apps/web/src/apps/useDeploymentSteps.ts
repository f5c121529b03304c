import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useReducer, useRef, useState } from 'react';
import { api } from '../api/browser.js';
import { openDeploymentEvents } from '../api/deployment-events.js';
import type { DeploymentEvent } from '../api/paths.js';
import { queryKeys } from '../api/queries.js';
import { isUnauthenticated } from '../problems/problem.js';
import { followDeployment, initialSteps, stepsReducer, type StepsState } from './deployment-steps.js';

export interface DeploymentSteps extends StepsState {
  /** The steps come as they happen (the deployment was running when they were first asked for). */
  following: boolean;
}

/**
 * A deployment's steps, from streamDeploymentEvents. A running deployment's stream is followed
 * until its end line, opened again from the last step after a dropped connection; at the end
 * the app's queries are read again, so the rest of the page shows the outcome at once. A finished
 * one is read once. Leaving (unmount, another id) aborts the stream.
 *
 * `running` is the page's view of the deployment (read again on the team's event notices):
 * whether to follow is decided by it once per deployment (when it says the deployment is over,
 * the open stream has normally brought the end line already). Should it say so and the end line
 * still not have come within STUCK_MS, the connection died without a word (a laptop that slept):
 * the stream is opened again from the last step.
 */
const STUCK_MS = 5_000;

export function useDeploymentSteps(id: string, running: boolean): DeploymentSteps {
  const client = useQueryClient();
  const [target, setTarget] = useState({ id, follow: running, attempt: 0 });
  const [state, dispatch] = useReducer(stepsReducer, initialSteps);
  const lastSeq = useRef(0);
  if (target.id !== id) {
    // Another deployment: start over (in this render, so no step of the last one shows).
    setTarget({ id, follow: running, attempt: 0 });
    dispatch({ type: 'reset' });
  }

  const stuck = target.follow && !running && state.ended === null && state.connection === 'open';
  useEffect(() => {
    if (!stuck) return;
    const timer = window.setTimeout(() => setTarget((t) => ({ ...t, attempt: t.attempt + 1 })), STUCK_MS);
    return () => window.clearTimeout(timer);
  }, [stuck]);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    // A new deployment starts from its first step; the same one again, after its last one seen.
    if (target.attempt === 0) lastSeq.current = 0;
    followDeployment({
      open: (after, signal) => openDeploymentEvents(api, target.id, { follow: target.follow, after, signal }),
      after: lastSeq.current,
      signal,
      onOpen: () => dispatch({ type: 'open' }),
      onEvent: (event) => {
        lastSeq.current = Math.max(lastSeq.current, event.seq);
        dispatch({ type: 'events', events: [event] });
      },
      onEnd: (deployment) => {
        dispatch({ type: 'end', deployment });
        if (!target.follow) return;
        void client.invalidateQueries({ queryKey: queryKeys.app(deployment.appName) });
        void client.invalidateQueries({ queryKey: queryKeys.apps, exact: true });
      },
      onRetry: (error) => dispatch({ type: 'retry', error }),
    }).catch((error: unknown) => {
      if (signal.aborted) return;
      dispatch({ type: 'fail', error });
      // A session that ended shows the login page (as a failed query does: see queries.ts).
      if (isUnauthenticated(error)) void client.invalidateQueries({ queryKey: queryKeys.me });
    });
    return () => controller.abort();
  }, [target, client]);

  useLaterSteps(id, target.follow ? (state.ended?.appName ?? null) : null, lastSeq, dispatch);

  return { ...state, following: target.follow };
}

/**
 * The steps berthd writes after a followed deployment's end line (an old replica removed once it
 * drained): the stream has ended by then, so they are read after the last step seen whenever the
 * team's event stream says the deployment changed (its notice reads again every query under the
 * app's deployments: api/live-notices.ts). Not read at the end itself: nothing is new yet.
 */
function useLaterSteps(
  id: string,
  appName: string | null,
  lastSeq: { current: number },
  dispatch: (action: { type: 'events'; events: readonly DeploymentEvent[] }) => void,
): void {
  const later = useQuery({
    queryKey: [...queryKeys.deployments(appName ?? ''), id, 'later-steps'],
    enabled: appName !== null,
    initialData: [] as DeploymentEvent[],
    staleTime: Infinity,
    queryFn: async ({ signal }) => {
      const events: DeploymentEvent[] = [];
      for await (const line of await openDeploymentEvents(api, id, {
        follow: false,
        after: lastSeq.current,
        signal,
      }))
        if (line.type === 'event') events.push(line.event);
      return events;
    },
  });
  useEffect(() => {
    if (later.data.length === 0) return;
    for (const event of later.data) lastSeq.current = Math.max(lastSeq.current, event.seq);
    dispatch({ type: 'events', events: later.data });
  }, [later.data, lastSeq, dispatch]);
}
