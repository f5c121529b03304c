/**
 * How the issuer's HTTP to the CA is set up. acme-client sends every request through one axios
 * instance shared by the whole process, and turns the CA's problem documents into plain Errors
 * holding only their `detail`. Two interceptors, installed once, work per call through an
 * AsyncLocalStorage context instead of process-wide settings:
 *  - trust: a private CA (Pebble, an internal ACME server) is trusted for that issuer's requests
 *    only, never for other issuers or other HTTPS in the process (no NODE_EXTRA_CA_CERTS);
 *  - problems: every problem document the CA answers within a call is kept, so a failed call can
 *    report the CA's type and subproblems, not just the detail string.
 * A failure below HTTP (refused connection, untrusted certificate, timeout) reaches us from
 * acme-client as a TypeError after its own retries: the directory is then probed directly, so
 * the error says why the CA could not be reached.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import acme from 'acme-client';
import { parseAcmeProblem } from './problem.js';
import type { AcmeProblem } from './types.js';

interface CallContext {
  agent: https.Agent | undefined;
  timeoutMs: number;
  problems: AcmeProblem[];
}

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
    }
    return config;
  });
  acme.axios.interceptors.response.use((response) => {
    const call = current.getStore();
    const problem = response.status >= 400 ? parseAcmeProblem(response.data) : null;
    if (call && problem) call.problems.push(problem);
    return response;
  });
}

/** A failed call to the CA, with the CA's problem document when it sent one. */
export class AcmeCallError extends Error {
  readonly problem: AcmeProblem | null;
  constructor(message: string, problem: AcmeProblem | null, cause: unknown) {
    super(message, { cause });
    this.name = 'AcmeCallError';
    this.problem = problem;
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
    const reason = await probeDirectory(options.directoryUrl, agent, options.timeoutMs);
    if (reason !== null) throw new AcmeCallError(`cannot reach the CA's directory: ${reason}`, null, null);
  };
  return {
    reach,
    async call(fn) {
      const context: CallContext = { agent, timeoutMs: options.timeoutMs, problems: [] };
      try {
        return await current.run(context, fn);
      } catch (e) {
        if (e instanceof AcmeCallError) throw e;
        const message = e instanceof Error ? e.message : String(e);
        const problem = problemBehind(message, context.problems);
        if (problem === null) await reach();
        throw new AcmeCallError(message, problem, e);
      }
    },
  };
}

/** Why the directory cannot be fetched (TLS, connection, status), or null when it can. */
function probeDirectory(
  url: string,
  agent: https.Agent | undefined,
  timeoutMs: number,
): Promise<string | null> {
  return new Promise((resolve) => {
    const req = https.get(url, { ...(agent ? { agent } : {}), timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? null : `HTTP ${status} from ${url}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve(`${e.message} (${url})`));
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
