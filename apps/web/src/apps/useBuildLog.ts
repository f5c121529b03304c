import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useReducer, useRef, useState } from 'react';
import { api } from '../api/browser.js';
import { openBuildLog } from '../api/build-log.js';
import type { BuildLogEntry } from '../api/paths.js';
import { queryKeys } from '../api/queries.js';
import { isUnauthenticated } from '../problems/problem.js';
import { buildLogReducer, followBuildLog, initialBuildLog, type BuildLogState } from './build-log.js';

/** Lines that arrive together (a long log caught up at once) are put in view together. */
const FLUSH_MS = 100;

/**
 * A build's log, from streamBuildLog. A build under way when the log is first shown is followed
 * until its end line, opened again from the last line after a dropped connection; at the end the
 * app's queries are read again (its builds, deployments and release), so the page shows the
 * outcome at once. A finished one is read once. Leaving (unmount, another build) aborts it.
 */
export interface BuildLogView extends BuildLogState {
  /** The lines come as they are written (the build was under way when its log was first shown). */
  following: boolean;
}

export function useBuildLog(app: string, number: number, running: boolean): BuildLogView {
  const client = useQueryClient();
  // Decided once, when the log is first shown (its component is keyed by the build): when the
  // next poll says it is over, the open stream has already brought the end line.
  const [follow] = useState(running);
  const [state, dispatch] = useReducer(buildLogReducer, initialBuildLog);
  const pending = useRef<BuildLogEntry[]>([]);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    let timer: number | undefined;
    const flush = (): void => {
      timer = undefined;
      dispatch({ type: 'lines', lines: pending.current.splice(0) });
    };
    pending.current = [];
    dispatch({ type: 'reset' });
    followBuildLog({
      open: (after, signal) => openBuildLog(api, app, number, { follow, after, signal }),
      signal,
      onOpen: () => dispatch({ type: 'open' }),
      onLine: (line) => {
        pending.current.push(line);
        timer ??= window.setTimeout(flush, FLUSH_MS);
      },
      onEnd: (build) => {
        window.clearTimeout(timer);
        flush();
        dispatch({ type: 'end', build });
        if (follow) void client.invalidateQueries({ queryKey: queryKeys.app(app) });
      },
      onRetry: (error) => dispatch({ type: 'retry', error }),
    }).catch((error: unknown) => {
      if (signal.aborted) return;
      window.clearTimeout(timer);
      flush();
      dispatch({ type: 'fail', error });
      // A session that ended shows the login page (as a failed query does: see queries.ts).
      if (isUnauthenticated(error)) void client.invalidateQueries({ queryKey: queryKeys.me });
    });
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [app, number, follow, client]);

  return { ...state, following: follow };
}
