import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useReducer, useRef, useState } from 'react';
import { api } from '../api/browser.js';
import { openAppLogs } from '../api/app-logs.js';
import type { AppLogLine } from '../api/paths.js';
import { queryKeys } from '../api/queries.js';
import { isUnauthenticated } from '../problems/problem.js';
import { initialLogs, logsReducer, type LogsAction, type LogsState } from './log-buffer.js';
import { followLogs } from './log-follow.js';

/** Lines of history per replica asked for when the panel opens. */
export const LOG_TAIL = 200;
/** Lines that arrive together are put in view together, at most this often. */
const FLUSH_MS = 100;

export type LogConnection = 'connecting' | 'open' | 'reconnecting' | 'failed';

export interface AppLogs extends LogsState {
  connection: LogConnection;
  /** Why the stream stopped for good ('failed'), or why it is being opened again ('reconnecting'). */
  error: unknown;
  dispatch: (action: LogsAction) => void;
}

/**
 * An app's log stream, followed while the panel is shown (leaving it aborts the stream): the
 * last LOG_TAIL lines of each replica, then each new line, through dropped connections (see
 * followLogs). Lines are put in view in batches, so a burst renders once. Another app, or
 * asking for health-check lines or not, starts over.
 */
export function useAppLogs(app: string, health: boolean): AppLogs {
  const client = useQueryClient();
  const [state, dispatch] = useReducer(logsReducer, initialLogs);
  const [connection, setConnection] = useState<{ state: LogConnection; error: unknown }>({
    state: 'connecting',
    error: null,
  });
  const pending = useRef<AppLogLine[]>([]);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    let timer: number | undefined;
    const flush = (): void => {
      timer = undefined;
      const lines = pending.current.splice(0);
      dispatch({ type: 'lines', lines });
    };
    pending.current = [];
    dispatch({ type: 'reset' });
    setConnection({ state: 'connecting', error: null });
    followLogs({
      open: (from, signal) => openAppLogs(api, app, { ...from, tail: LOG_TAIL, health, signal }),
      signal,
      onOpen: () => setConnection({ state: 'open', error: null }),
      onLine: (line) => {
        pending.current.push(line);
        timer ??= window.setTimeout(flush, FLUSH_MS);
      },
      onRetry: (error) => setConnection({ state: 'reconnecting', error }),
    }).catch((error: unknown) => {
      if (signal.aborted) return;
      setConnection({ state: 'failed', error });
      // A session that ended shows the login page (as a failed query does: see queries.ts).
      if (isUnauthenticated(error)) void client.invalidateQueries({ queryKey: queryKeys.me });
    });
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [app, health, client]);

  return { ...state, connection: connection.state, error: connection.error, dispatch };
}
