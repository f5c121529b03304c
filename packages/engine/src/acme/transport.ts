/**
 * How the issuer's HTTP to the CA is set up. acme-client sends every request through one axios
 * instance shared by the whole process, and turns the CA's problem documents into plain Errors
 * holding only their `detail`. Two interceptors, installed once, work per call through an
 * AsyncLocalStorage context instead of process-wide settings:
 *  - trust: a private CA (Pebble, an internal ACME server) is trusted for that issuer's requests
 *    only, never for other issuers or other HTTPS in the process (no NODE_EXTRA_CA_CERTS);
 *  - problems: every problem document the CA answers within a call is kept, so a failed call can
 *    report the CA's type and subproblems, not just the detail string;
 *  - Retry-After: the latest one of an error answer is kept, so the caller does not come back
 *    sooner than the CA asked. acme-client itself retries a 429 or 5xx in-process, sleeping the
 *    whole Retry-After (5 times over): a rate limit of hours would hold an order job for hours.
 *    Past a few seconds the answer is handed back instead, and Berth's own backoff waits.
 * A failure below HTTP (refused connection, untrusted certificate, timeout) reaches us from
 * acme-client as a TypeError after its own retries: the directory is then probed directly, so
 * the error says why the CA could not be reached.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import acme from 'acme-client';
import { parseAcmeProblem } from './problem.js';
import { parseRetryAfter } from './retry-after.js';
import type { AcmeProblem } from './types.js';

interface CallContext {
  agent: https.Agent | undefined;
  timeoutMs: number;
  problems: AcmeProblem[];
  retryAfterMs: number | null;
}

/** axios's response transformers, named through acme-client's instance (axios is its dependency, not ours). */
type ResponseTransforms = NonNullable<typeof acme.axios.defaults.transformResponse>;
type ResponseTransform = Exclude<ResponseTransforms, readonly unknown[]>;

/** The longest Retry-After acme-client may sleep through in-process; longer ones fail the call. */
const IN_PROCESS_WAIT_MAX_MS = 10_000;

const current = new AsyncLocalStorage<CallContext>();
let installed = false;

function installInterceptors(): void {
  if (installed) return;
  installed = true;
  acme.axios.interceptors.request.use((config) => {
    const call = current.getStore();
    if (call) {
      if (call.agent) config.httpsAgent = call.agent;
      config.timeout = call.timeoutMs;
      config.transformResponse = withTransform(config.transformResponse, refuseLongWaits);
    }
    return config;
  });
  acme.axios.interceptors.response.use((response) => {
    const call = current.getStore();
    if (call && response.status >= 400) {
      const problem = parseAcmeProblem(response.data);
      if (problem) call.problems.push(problem);
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
      if (retryAfterMs !== undefined) call.retryAfterMs = retryAfterMs;
    }
    return response;
  });
}

/**
 * Runs on every answer before acme-client's retry interceptor sees it (axios transforms the
 * response first): for a Retry-After too long to sleep through, acme-client's retry counter is
 * spent, so it hands the answer back at once. `retryAttempt` is acme-client's own field (5.x,
 * src/axios.js); were it renamed, the long-wait integration test would take minutes and time out.
 */
const refuseLongWaits: ResponseTransform = function (data: unknown, headers, status) {
  const waitMs =
    status !== undefined && status >= 400 ? parseRetryAfter(headers['retry-after'], Date.now()) : undefined;
  if (waitMs !== undefined && waitMs > IN_PROCESS_WAIT_MAX_MS)
    Object.assign(this, { retryAttempt: Number.MAX_SAFE_INTEGER });
  return data;
};

/** `transforms` plus `extra`, once: a retried request comes through the interceptor again. */
function withTransform(
  transforms: ResponseTransforms | undefined,
  extra: ResponseTransform,
): ResponseTransform[] {
  const list = transforms === undefined ? [] : Array.isArray(transforms) ? transforms : [transforms];
  return list.includes(extra) ? list : [...list, extra];
}

/** A failed call to the CA, with the CA's problem document and Retry-After when it sent them. */
export class AcmeCallError extends Error {
  readonly problem: AcmeProblem | null;
  /** The latest Retry-After of an error answer within the call, in ms (0: now). */
  readonly retryAfterMs: number | null;
  constructor(
    message: string,
    problem: AcmeProblem | null,
    cause: unknown,
    retryAfterMs: number | null = null,
  ) {
    super(message, { cause });
    this.name = 'AcmeCallError';
    this.problem = problem;
    this.retryAfterMs = retryAfterMs;
  }
}

export interface AcmeTransport {
  /** Runs `fn` (calls of an acme-client Client) with this issuer's trust, timeout and problem capture. */
  call<T>(fn: () => Promise<T>): Promise<T>;
  /** Throws, with the reason, when the CA's directory cannot be fetched. */
  reach(): Promise<void>;
}

export interface AcmeTransportOptions {
  directoryUrl: string;
  caCertPem?: string;
  timeoutMs: number;
}

export function createAcmeTransport(options: AcmeTransportOptions): AcmeTransport {
  installInterceptors();
  const agent = options.caCertPem
    ? new https.Agent({ ca: [...rootCertificates, options.caCertPem], keepAlive: true })
    : undefined;
  const reach = async (): Promise<void> => {
    const probe = await probeDirectory(options.directoryUrl, agent, options.timeoutMs);
    if (probe !== null)
      throw new AcmeCallError(
        `cannot reach the CA's directory: ${probe.reason}`,
        null,
        null,
        probe.retryAfterMs,
      );
  };
  return {
    reach,
    async call(fn) {
      const context: CallContext = { agent, timeoutMs: options.timeoutMs, problems: [], retryAfterMs: null };
      try {
        return await current.run(context, fn);
      } catch (e) {
        if (e instanceof AcmeCallError) throw e;
        const message = e instanceof Error ? e.message : String(e);
        const problem = problemBehind(message, context.problems);
        if (problem === null)
          await reach().catch((unreachable: unknown) => {
            // The directory's own Retry-After, else the one the failed request got.
            throw unreachable instanceof AcmeCallError && unreachable.retryAfterMs === null
              ? new AcmeCallError(unreachable.message, null, unreachable.cause, context.retryAfterMs)
              : unreachable;
          });
        throw new AcmeCallError(message, problem, e, context.retryAfterMs);
      }
    },
  };
}

interface Unreachable {
  reason: string;
  /** The directory's own Retry-After (a CA down for maintenance answers 503 with one). */
  retryAfterMs: number | null;
}

/** Why the directory cannot be fetched (TLS, connection, status), or null when it can. */
function probeDirectory(
  url: string,
  agent: https.Agent | undefined,
  timeoutMs: number,
): Promise<Unreachable | null> {
  return new Promise((resolve) => {
    const req = https.get(url, { ...(agent ? { agent } : {}), timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return resolve(null);
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now()) ?? null;
      resolve({ reason: `HTTP ${status} from ${url}`, retryAfterMs });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ reason: `${e.message} (${url})`, retryAfterMs: null }));
  });
}

/**
 * The problem document acme-client's error came from: the latest one whose detail is the
 * message (acme-client strips newlines). A badNonce that acme-client retried by itself does not
 * match a later, different error.
 */
function problemBehind(message: string, problems: readonly AcmeProblem[]): AcmeProblem | null {
  for (let i = problems.length - 1; i >= 0; i--) {
    const problem = problems[i];
    if (problem && problem.detail.replace(/\n/g, '') === message) return problem;
  }
  return null;
}
