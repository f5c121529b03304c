/**
 * The join itself: one POST to berthd, over TLS that trusts only the CA the token names (the
 * chain is checked before the token is sent: see @berth/client's createBerthdFetch), signed
 * with the new server's identity key so berthd binds the token to that key.
 */
import { ApiError, createTransport } from '@berth/client';
import type { AgentIdentity } from '@berth/crypto';
import { AgentJoined, agentJoinPayload, type AgentJoin } from '@berth/protocol';
import { z } from 'zod';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import type { JoinInput } from './join-input.js';

export type JoinAnswer = AgentJoined;

export interface JoinFacts {
  agentVersion: string;
  capacity: { cpuMillis: number; memoryMib: number } | null;
}

export async function requestJoin(
  input: JoinInput,
  identity: AgentIdentity,
  facts: JoinFacts,
): Promise<JoinAnswer> {
  const transport = createTransport({
    url: input.serverUrl,
    token: null,
    fingerprint: input.token.fingerprint,
    timeoutMs: 30_000,
  });
  try {
    // The identity key signs the token, so a token seen in transit cannot bind another key.
    const body: AgentJoin = {
      token: input.token.text,
      publicKey: identity.publicKey,
      sealingKey: identity.sealingKey,
      signature: identity.sign(agentJoinPayload(input.token.text)),
      agentVersion: facts.agentVersion,
      capacity: facts.capacity,
      privateIp: input.privateIp,
    };
    return await transport.json(AgentJoined, 'POST', '/agent/join', { body });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'JOIN_TOKEN_INVALID')
      throw new CliError(
        `berthd refused the join token: ${err.message}`,
        EXIT.userError,
        'A token works once and expires (24 h by default): ask an admin for a new one: berth servers add NAME',
      );
    if (err instanceof ApiError && err.code === 'UNREACHABLE')
      throw new CliError(
        err.message,
        EXIT.unreachable,
        "Check the URL berth servers add printed, and that this server reaches berthd's port (a firewall?)",
      );
    if (err instanceof z.ZodError)
      throw new CliError(
        `berthd at ${input.serverUrl} did not answer the join as expected (is it a berthd of this version?)`,
        EXIT.internal,
      );
    throw err;
  }
}
