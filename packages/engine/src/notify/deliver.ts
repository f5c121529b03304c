/**
 * Delivering one notification to one webhook: a signed POST with a timeout, redirects not
 * followed, at most a few KiB of the answer read, retried with jittered backoff on 5xx,
 * 408/429, timeouts and network errors (never on other 4xx, which will not change by waiting),
 * and a typed result for the webhook's delivery history.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { backoffDelayMs, type BackoffPolicy } from '@berth/core';
import { isBerthError, NOTIFICATION_HEADERS, type NotificationEnvelope } from '@berth/protocol';
import { checkEgressUrl, pinnedLookup, type Resolver } from '../outbound/index.js';
import { newDeliveryId } from './envelope.js';
import { signNotification } from './signature.js';

export interface NotificationWebhook {
  id: string;
  url: string;
  /** The signing secret(s): the current one, plus the previous one while rotating. */
  secret: string | readonly string[];
  /** An installation owner allowed this webhook to reach private addresses. */
  allowPrivate: boolean;
}

export interface DeliveryAttempt {
  /** 1 for the first try. */
  attempt: number;
  startedAt: number;
  durationMs: number;
  /** The HTTP status, or null when none came (refused, unresolvable, timeout, network error). */
  status: number | null;
  /** Why it did not count as delivered, for a person; null when delivered. */
  error: string | null;
  retryable: boolean;
  /** The start of the answer's body (at most maxResponseBytes, control characters removed). */
  response: string;
}

/**
 * `delivered`: a 2xx. `rejected`: the receiver said no (a 4xx, or a redirect): not retried.
 * `refused`: Berth would not send it (the egress guard, a malformed URL, no secret). `failed`: still
 * failing after every attempt.
 */
export type DeliveryOutcome = 'delivered' | 'rejected' | 'refused' | 'failed';

export interface DeliveryResult {
  deliveryId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  outcome: DeliveryOutcome;
  attempts: DeliveryAttempt[];
}

export interface SendOptions {
  deliveryId: string;
  /** Per attempt, from connect to the answer's status line and body cap. Default 10 s. */
  timeoutMs?: number;
  /** Default 4 KiB: enough for an error message in the history. */
  maxResponseBytes?: number;
  now?: () => number;
  resolve?: Resolver;
}

export interface DeliverOptions extends Omit<SendOptions, 'deliveryId'> {
  deliveryId?: string;
  /** Default 5 (about 30 s of retries with the default backoff). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const NOTIFICATION_BACKOFF: BackoffPolicy = { firstMs: 2000, maxMs: 60_000 };
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 4096;
const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * The wait before retry number `failures` (1 = after the first failure): the shared backoff,
 * with "equal jitter" (half fixed, half random) so webhooks failing together do not retry in step.
 */
export function notificationRetryDelayMs(
  failures: number,
  random: number,
  policy: BackoffPolicy = NOTIFICATION_BACKOFF,
): number {
  const base = backoffDelayMs(failures, policy);
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(base / 2 + (base / 2) * r);
}

/** Sends the notification up to maxAttempts times; resolves (never rejects) with what happened. */
export async function deliverNotification(
  webhook: NotificationWebhook,
  envelope: NotificationEnvelope,
  options: DeliverOptions = {},
): Promise<DeliveryResult> {
  const deliveryId = options.deliveryId ?? newDeliveryId();
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const attempts: DeliveryAttempt[] = [];
  const result = (outcome: DeliveryOutcome): DeliveryResult => ({
    deliveryId,
    webhookId: webhook.id,
    eventId: envelope.id,
    eventType: envelope.type,
    outcome,
    attempts,
  });
  for (let n = 1; ; n += 1) {
    const attempt = await sendNotificationOnce(webhook, envelope, n, { ...options, deliveryId }).catch(
      (err: unknown): DeliveryAttempt => ({
        // A bug or a bad webhook record (no secret), not the receiver: recorded, not retried.
        attempt: n,
        startedAt: (options.now ?? Date.now)(),
        durationMs: 0,
        status: null,
        error: `not sent: ${err instanceof Error ? err.message : String(err)}`,
        retryable: false,
        response: '',
      }),
    );
    attempts.push(attempt);
    if (attempt.error === null) return result('delivered');
    if (!attempt.retryable) return result(attempt.status === null ? 'refused' : 'rejected');
    if (n >= maxAttempts) return result('failed');
    await sleep(notificationRetryDelayMs(n, random(), options.backoff));
  }
}

/**
 * One attempt. For callers that keep retries in a durable job queue instead of in memory:
 * retry later when `retryable`, with notificationRetryDelayMs.
 */
export async function sendNotificationOnce(
  webhook: NotificationWebhook,
  envelope: NotificationEnvelope,
  attempt: number,
  options: SendOptions,
): Promise<DeliveryAttempt> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const done = (
    fields: Pick<DeliveryAttempt, 'status' | 'error' | 'retryable'> & { response?: string },
  ): DeliveryAttempt => ({
    attempt,
    startedAt,
    durationMs: Math.max(0, now() - startedAt),
    response: '',
    ...fields,
  });

  let checked;
  try {
    checked = await checkEgressUrl(webhook.url, {
      allowPrivate: webhook.allowPrivate,
      what: 'webhook URL',
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
  } catch (err) {
    const retryable = isBerthError(err) && err.retryable;
    return done({ status: null, error: err instanceof Error ? err.message : String(err), retryable });
  }

  const body = JSON.stringify(envelope);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cap = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const answer = await post(
    checked.url,
    body,
    {
      'content-type': 'application/json',
      'user-agent': 'Berth-Notifications/1',
      [NOTIFICATION_HEADERS.event]: envelope.type,
      [NOTIFICATION_HEADERS.delivery]: options.deliveryId,
      [NOTIFICATION_HEADERS.signature]: signNotification(webhook.secret, body, now()),
    },
    { lookup: pinnedLookup(checked), hostname: checked.host, timeoutMs, cap },
  );

  if (answer.status === null) return done({ status: null, error: answer.error, retryable: true });
  const { status } = answer;
  const response = printable(answer.body);
  if (status >= 200 && status < 300) return done({ status, error: null, retryable: false, response });
  if (status >= 300 && status < 400)
    return done({
      status,
      error: `the webhook answered ${status} (a redirect${answer.location ? ` to ${answer.location}` : ''}); Berth does not follow redirects: give the final URL`,
      retryable: false,
      response,
    });
  const retryable = status >= 500 || status === 408 || status === 429;
  return done({ status, error: `the webhook answered ${status}`, retryable, response });
}

type Answer = { status: number; body: Buffer; location: string | null } | { status: null; error: string };

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  how: { lookup: ReturnType<typeof pinnedLookup>; hostname: string; timeoutMs: number; cap: number },
): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    let response: { status: number; chunks: Buffer[]; size: number; location: string | null } | null = null;
    const finish = (answer: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const answerSoFar = (): Answer =>
      response
        ? {
            status: response.status,
            body: Buffer.concat(response.chunks).subarray(0, how.cap),
            location: response.location,
          }
        : { status: null, error: `no answer within ${how.timeoutMs} ms` };

    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      {
        protocol: url.protocol,
        hostname: how.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: how.lookup,
        // A fresh connection each time: no pooled socket to an address checked earlier.
        agent: false,
      },
      (res: IncomingMessage) => {
        const location = typeof res.headers.location === 'string' ? res.headers.location.slice(0, 300) : null;
        response = { status: res.statusCode ?? 0, chunks: [], size: 0, location };
        const r = response;
        res.on('data', (chunk: Buffer) => {
          r.chunks.push(chunk);
          r.size += chunk.length;
          // Enough: the rest of a huge or endless body is never read.
          if (r.size >= how.cap) finish(answerSoFar());
        });
        res.on('end', () => finish(answerSoFar()));
        res.on('error', () => finish(answerSoFar()));
      },
    );
    // A status that came before the timeout counts; a body still dripping is cut off.
    const timer = setTimeout(() => finish(answerSoFar()), how.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (response) finish(answerSoFar());
      else finish({ status: null, error: `could not send: ${err.code ?? err.message}` });
    });
    req.end(body);
  });
}

// Control characters (except tab and newline) removed: the text goes to terminals and logs.
const printable = (bytes: Buffer): string =>
  bytes.toString('utf8').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
