/**
 * Berth's ACME client: one account, orders for a set of names, the challenges answered through
 * the caller's ports, the certificate returned with its key. Built on acme-client's step-by-step
 * API rather than `auto()` so every step's failure carries the CA's problem document (which
 * challenge failed for which name, and why) into a BerthError a person can act on.
 */
import acme from 'acme-client';
import type { Authorization, Order } from 'acme-client';
import { BerthError } from '@berth/protocol';
import {
  assertPortsCanAnswer,
  chooseChallenge,
  publishAnswer,
  withdrawAll,
  type ChallengeKind,
  type ChosenChallenge,
  type PublishedAnswer,
} from './challenges.js';
import { AcmeCaError, type AcmeCaErrorCode } from './ca-error.js';
import { createCertificateKeyPem, createCsrPem, readIssued } from './certificate.js';
import { formatAcmeProblem, hintForProblem, parseAcmeProblem } from './problem.js';
import { AcmeCallError, createAcmeTransport, type AcmeTransport } from './transport.js';
import type {
  AcmeIssuer,
  AcmeIssuerOptions,
  AcmePolling,
  AcmeProblem,
  IssuedCertificate,
  OrderRequest,
} from './types.js';

/** About a minute and a half of polling before an authorization or order counts as stuck. */
const DEFAULT_POLLING: AcmePolling = { attempts: 10, minMs: 1000, maxMs: 15_000 };
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const UNREACHABLE_HINT =
  'Check the ACME directory URL and, for a private CA, the CA certificate given to trust it.';
const EMAIL = /^[^\s@<>()"',;:]{1,64}@[a-z0-9.-]{1,253}$/i;

interface OrderContext {
  client: acme.Client;
  transport: AcmeTransport;
}

export async function createAcmeIssuer(options: AcmeIssuerOptions): Promise<AcmeIssuer> {
  if (!EMAIL.test(options.email))
    throw new BerthError(
      'VALIDATION_FAILED',
      `Not an email address for the ACME account: ${JSON.stringify(options.email)}`,
    );
  const polling = { ...DEFAULT_POLLING, ...options.polling };
  const transport = createAcmeTransport({
    directoryUrl: options.directoryUrl,
    ...(options.caCertPem ? { caCertPem: options.caCertPem } : {}),
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  });
  const client = new acme.Client({
    directoryUrl: options.directoryUrl,
    accountKey: options.accountKeyPem,
    backoffAttempts: polling.attempts,
    backoffMin: polling.minMs,
    backoffMax: polling.maxMs,
  });
  const refused = (e: unknown): never => {
    throw caError(
      'ACME_ACCOUNT_FAILED',
      `Registering the ACME account at ${options.directoryUrl} failed`,
      e,
      [],
      UNREACHABLE_HINT,
    );
  };
  // Checked first: acme-client retries an unreachable CA for over a minute, and then loses the reason.
  await transport.reach().catch(refused);
  // Created, or found when the CA already knows the key (HTTP 200): the same account either way.
  await transport
    .call(() => client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${options.email}`] }))
    .catch(refused);
  const context: OrderContext = { client, transport };
  return { accountUrl: client.getAccountUrl(), order: (request) => runOrder(context, request) };
}

async function runOrder(context: OrderContext, request: OrderRequest): Promise<IssuedCertificate> {
  const names = [...new Set(request.names)];
  if (names.length === 0) throw new BerthError('VALIDATION_FAILED', 'An ACME order needs at least one name.');
  assertPortsCanAnswer(names, request.challenge);
  const published: PublishedAnswer[] = [];
  try {
    const issued = await issue(context, request, names, published);
    return { ...issued, warnings: await withdrawAll(published) };
  } catch (e) {
    const warnings = await withdrawAll(published);
    if (e instanceof BerthError) e.logs.push(...warnings);
    throw e;
  }
}

async function issue(
  { client, transport }: OrderContext,
  request: OrderRequest,
  names: string[],
  published: PublishedAnswer[],
): Promise<Omit<IssuedCertificate, 'warnings'>> {
  const step = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    transport.call(fn).catch((e: unknown) => {
      throw caError('ACME_ORDER_FAILED', `ACME order for ${names.join(', ')}: ${what} failed`, e, names);
    });
  const order = await step('creating the order', () =>
    client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) }),
  );
  const authorizations = await step('reading its authorizations', () => client.getAuthorizations(order));
  // An authorization the account proved recently may be valid already: nothing to answer.
  const pending = authorizations
    .filter((a) => a.status !== 'valid')
    .map((a) => chooseChallenge(a, request.challenge));
  for (const chosen of pending) {
    const keyAuthorization = await step('deriving a key authorization', () =>
      client.getChallengeKeyAuthorization(chosen.challenge),
    );
    published.push(await publishAnswer(chosen, keyAuthorization, request.challenge));
  }
  const http01 = request.challenge.http01;
  if (http01?.ready && pending.some((c) => c.kind === 'http-01'))
    await http01.ready().catch((e: unknown) => {
      throw new BerthError(
        'ACME_ORDER_FAILED',
        `Publishing the HTTP-01 answers for ${names.join(', ')} failed: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    });
  await validateAll({ client, transport }, order, pending, names);
  const keyPem = createCertificateKeyPem();
  const csr = await createCsrPem(names, keyPem);
  const finalized = await step('finalizing', () => client.finalizeOrder(order, csr));
  const chainPem = await transport
    .call(() => client.getCertificate(finalized))
    .catch(async (e: unknown) => {
      throw await orderFailure({ client, transport }, order, names, e);
    });
  return readIssued(chainPem, keyPem, names);
}

/** Tells the CA every answer is published, then waits for each; all failures reported together. */
async function validateAll(
  context: OrderContext,
  order: Order,
  pending: readonly ChosenChallenge[],
  names: readonly string[],
): Promise<void> {
  const results = await Promise.allSettled(
    pending.map(async (chosen) => {
      await context.transport.call(() => context.client.completeChallenge(chosen.challenge));
      await context.transport.call(() => context.client.waitForValidStatus(chosen.authorization));
    }),
  );
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' && pending[i] ? [{ chosen: pending[i], reason: r.reason as unknown }] : [],
  );
  if (failed.length === 0) return;
  const reports = await Promise.all(failed.map((f) => challengeReport(context, order, f.chosen, f.reason)));
  const first = reports.find((r) => r.problem !== null);
  const failedNames = failed.map((f) => f.chosen.name);
  const waits = failed.flatMap((f) => retryAfterOf(f.reason) ?? []);
  throw new AcmeCaError(
    'ACME_ORDER_FAILED',
    `ACME order for ${names.join(', ')} failed: the CA could not validate ${reports.map((r) => r.text).join('; ')}`,
    {
      ...(first?.problem ? { hint: hintForProblem(first.problem, failedNames, first.kind) } : {}),
      logs: [`order: ${order.url}`],
      cause: failed[0]?.reason,
      retryAfterMs: waits.length > 0 ? Math.max(...waits) : undefined,
    },
  );
}

/** `x.test (http-01): unauthorized: …` from the challenge's error as the CA now reports it. */
async function challengeReport(
  context: OrderContext,
  order: Order,
  chosen: ChosenChallenge,
  reason: unknown,
): Promise<{ text: string; problem: AcmeProblem | null; kind: ChallengeKind }> {
  const label = `${chosen.name} (${chosen.kind})`;
  const kind = chosen.kind;
  const fresh = await context.transport
    .call(() => context.client.getAuthorizations({ ...order, authorizations: [chosen.authorization.url] }))
    .then((list): Authorization | undefined => list[0])
    .catch(() => undefined);
  const challenge = fresh?.challenges.find((c) => c.url === chosen.challenge.url);
  const problem =
    parseAcmeProblem(challenge?.error) ?? (reason instanceof AcmeCallError ? reason.problem : null);
  if (problem) return { text: `${label}: ${formatAcmeProblem(problem)}`, problem, kind };
  const status = fresh ? `authorization ${fresh.status}` : 'no answer';
  return {
    text: `${label}: ${reason instanceof Error ? reason.message : String(reason)} (${status})`,
    problem: null,
    kind,
  };
}

/** The order's own error document (RFC 8555 §7.1.3), when finalization or download failed. */
async function orderFailure(
  context: OrderContext,
  order: Order,
  names: readonly string[],
  reason: unknown,
): Promise<BerthError> {
  const fresh = await context.transport.call(() => context.client.getOrder(order)).catch(() => null);
  const problem = parseAcmeProblem(fresh?.error) ?? (reason instanceof AcmeCallError ? reason.problem : null);
  const prefix = `ACME order for ${names.join(', ')} failed at issuance (order ${fresh?.status ?? 'unknown'})`;
  return caError(
    'ACME_ORDER_FAILED',
    prefix,
    problem ? new AcmeCallError('', problem, reason, retryAfterOf(reason) ?? null) : reason,
    names,
  );
}

/** `fallbackHint` where the CA gave no problem document to hint from. */
function caError(
  code: AcmeCaErrorCode,
  prefix: string,
  e: unknown,
  names: readonly string[],
  fallbackHint?: string,
): BerthError {
  if (e instanceof BerthError) return e;
  const problem = e instanceof AcmeCallError ? e.problem : null;
  const said = problem ? formatAcmeProblem(problem) : e instanceof Error ? e.message : String(e);
  const hint = problem ? hintForProblem(problem, names) : fallbackHint;
  return new AcmeCaError(code, `${prefix}: ${said}`, {
    ...(hint ? { hint } : {}),
    cause: e,
    retryAfterMs: retryAfterOf(e),
  });
}

const retryAfterOf = (e: unknown): number | undefined =>
  e instanceof AcmeCallError && e.retryAfterMs !== null ? e.retryAfterMs : undefined;
