import { parseEventMessage, reconnectDelay, type EndReason, type Notice } from './live-notices.js';

/**
 * The tab's one connection to berthd's event stream (`GET /events`, server-sent events). It
 * reconnects on its own terms: EventSource gives up for good on an HTTP error (401, 404, 429)
 * and retries a lost connection forever at one pace, so every error closes it here and the
 * next attempt waits longer (reconnectDelay), until a `ready` says it is open again.
 */

/** What a connection tells: each message's data, and errors (the browser's EventSource's events). */
export interface StreamHandlers {
  message: (data: unknown) => void;
  error: () => void;
}

export interface LiveStreamOptions {
  /**
   * Opens the stream at the path, telling `on` of what comes (`new EventSource(path)` in the
   * browser, which sends the session cookie); tests give a stand-in.
   */
  connect: (path: string, on: StreamHandlers) => { close(): void };
  path: string;
  /** A change: read again what it concerns. */
  onNotice: (notice: Notice) => void;
  /** Open (again): anything may have changed while it was not, so read everything older than this. */
  onReady: () => void;
  /**
   * Closed by berthd or lost (`null`: an error, such as no connection or an HTTP error): the
   * session may have ended, which the page learns from `GET /me`.
   */
  onDropped: (reason: EndReason | null) => void;
  /** setTimeout and clearTimeout (tests drive time themselves). */
  timers?: { set: (run: () => void, ms: number) => unknown; clear: (handle: unknown) => void };
  random?: () => number;
}

export interface LiveStream {
  /** Closes it for good (the page left, or the team changed). */
  close(): void;
}

export function openLiveStream(options: LiveStreamOptions): LiveStream {
  const timers = options.timers ?? {
    set: (run: () => void, ms: number) => setTimeout(run, ms),
    clear: (handle: unknown) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
  };
  let source: { close(): void } | null = null;
  let retry: unknown = null;
  let failures = 0;
  let closed = false;

  const drop = (reason: EndReason | null): void => {
    source?.close();
    source = null;
    if (closed) return;
    options.onDropped(reason);
    retry = timers.set(open, reconnectDelay(failures++, options.random));
  };

  function open(): void {
    retry = null;
    if (closed) return;
    // A connection's events count only while it is the current one (a closed one may still speak).
    const current = options.connect(options.path, {
      message: (data) => {
        if (source === current && typeof data === 'string') take(data);
      },
      error: () => {
        if (source === current) drop(null);
      },
    });
    source = current;
  }

  function take(data: string): void {
    const message = parseEventMessage(data);
    if (message === null) return;
    switch (message.kind) {
      case 'ready':
        failures = 0;
        options.onReady();
        return;
      case 'end':
        drop(message.reason);
        return;
      case 'app':
      case 'deployment':
      case 'build':
      case 'build-log':
      case 'replicas':
      case 'audit':
        options.onNotice(message);
    }
  }

  open();
  return {
    close() {
      closed = true;
      if (retry !== null) timers.clear(retry);
      retry = null;
      source?.close();
      source = null;
    },
  };
}
