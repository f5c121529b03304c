/**
 * SQLite runs on one connection: while a transaction holds it, a query on the store itself (not
 * on the transaction's `tx`) waits for the transaction to end. If the transaction's callback
 * awaits that query, neither ever ends, and berthd stops answering with no error anywhere.
 * This guard makes the mistake loud: a call on the store's own repositories from inside an open
 * transaction (same async context) is reported with its stack, once per call site. It does not
 * throw: a fire-and-forget task started inside a transaction is allowed to queue behind it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface OpenTransaction {
  open: boolean;
}

const context = new AsyncLocalStorage<OpenTransaction>();
const reported = new Set<string>();

export type ReentrancyReporter = (message: string) => void;

const defaultReporter: ReentrancyReporter = (message) =>
  process.emitWarning(message, { code: 'BERTH_STORE_REENTRANCY' });

/**
 * A transaction open this long holds every other store call up (one SQLite connection): berthd
 * looks hung. Said once, with where it was opened, so the hang names its cause in the log.
 */
export const SLOW_TRANSACTION_MS = 10_000;

const defaultSlowReporter: ReentrancyReporter = (message) =>
  process.emitWarning(message, { code: 'BERTH_STORE_SLOW_TRANSACTION' });

/**
 * Runs fn as an open transaction's body: store calls made from it (not via tx) are reported,
 * and so is the transaction itself when it is still open after SLOW_TRANSACTION_MS.
 */
export async function insideTransaction<T>(
  fn: () => Promise<T>,
  reportSlow: ReentrancyReporter = defaultSlowReporter,
  slowAfterMs = SLOW_TRANSACTION_MS,
): Promise<T> {
  const marker: OpenTransaction = { open: true };
  // Captured now (cheap: V8 formats it only when read), read only if the transaction is slow.
  const opened = new Error('opened');
  const timer = setTimeout(() => {
    const stack = opened.stack?.split('\n').slice(2, 10).join('\n') ?? '';
    reportSlow(
      `A store transaction has been open for ${Math.round(slowAfterMs / 1000)} s: every other store call waits for it. It was opened at:\n${stack}`,
    );
  }, slowAfterMs);
  timer.unref();
  try {
    return await context.run(marker, fn);
  } finally {
    clearTimeout(timer);
    marker.open = false;
  }
}

/** Reports a call made from inside an open transaction (a nested store.transaction, say). */
export function reportIfInsideTransaction(what: string, report: ReentrancyReporter = defaultReporter): void {
  if (context.getStore()?.open !== true) return;
  const stack = new Error().stack?.split('\n').slice(2, 8).join('\n') ?? '';
  if (reported.has(stack)) return;
  reported.add(stack);
  report(
    `${what} was called while a transaction is open in the same task; ` +
      `if the transaction awaits it, both wait forever on SQLite. Use the transaction's tx.\n${stack}`,
  );
}

/** Wraps each repository's methods so a call from inside an open transaction is reported. */
export function guardAgainstReentrancy<R extends object>(
  repos: R,
  report: ReentrancyReporter = defaultReporter,
): R {
  const guarded: Record<string, unknown> = {};
  for (const [name, repo] of Object.entries(repos)) {
    guarded[name] =
      typeof repo === 'object' && repo !== null ? guardRepo(name, repo as object, report) : repo;
  }
  return guarded as R;
}

function guardRepo(repoName: string, repo: object, report: ReentrancyReporter): object {
  const out: Record<string, unknown> = {};
  for (const [method, value] of Object.entries(repo)) {
    if (typeof value !== 'function') {
      out[method] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    const what = `store.${repoName}.${method}()`;
    out[method] = (...args: unknown[]): unknown => {
      reportIfInsideTransaction(what, report);
      const result = fn.apply(repo, args);
      if (result instanceof Promise) waitingCalls.track(what, result);
      return result;
    };
  }
  return out;
}

const defaultSlowCallReporter: ReentrancyReporter = (message) =>
  process.emitWarning(message, { code: 'BERTH_STORE_SLOW_CALL' });

/**
 * Store calls still unanswered after `slowAfterMs`: one SQLite connection serves them all, so a
 * call that waits this long waits for the connection (a transaction or a query holding it), and
 * every request that reads the store waits with it. Each is said once, by name, so a berthd that
 * stops answering says which calls were stuck. Checked on a timer that runs only while calls are
 * in flight.
 */
export function createWaitingCalls(
  report: ReentrancyReporter = defaultSlowCallReporter,
  slowAfterMs = SLOW_TRANSACTION_MS,
  clock: () => number = Date.now,
) {
  const inFlight = new Map<number, { what: string; at: number; said: boolean }>();
  let next = 0;
  let timer: NodeJS.Timeout | null = null;
  const check = (): void => {
    const now = clock();
    const stuck = [...inFlight.values()].filter((c) => !c.said && now - c.at >= slowAfterMs);
    if (stuck.length === 0) return;
    for (const c of stuck) c.said = true;
    const names = [...new Set(stuck.map((c) => c.what))].join(', ');
    report(
      `${stuck.length} store call(s) unanswered for ${Math.round(slowAfterMs / 1000)} s or more, waiting for SQLite's one connection: ${names}`,
    );
  };
  return {
    track(what: string, result: Promise<unknown>): void {
      const id = next++;
      inFlight.set(id, { what, at: clock(), said: false });
      if (!timer) {
        timer = setInterval(check, Math.max(1, Math.floor(slowAfterMs / 4)));
        timer.unref();
      }
      const done = (): void => {
        inFlight.delete(id);
        if (inFlight.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
      result.then(done, done);
    },
  };
}

const waitingCalls = createWaitingCalls();
