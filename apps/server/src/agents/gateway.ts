import { sealFor } from '@berth/crypto';
import {
  AgentBuildResult,
  AgentToServer,
  BerthError,
  ExecResult,
  type ExecEvent,
  type ExecInput,
  type ExecParams,
  ImageResolveResult,
  ImagesBootstrapResult,
  type AgentBuildParams,
  type ImagesBootstrapRequest,
  isErrorCode,
  type AgentReport,
  type AppReport,
  type LogLine,
  type LogsParams,
  type RolloutFailure,
  parseJsonOrNull,
} from '@berth/protocol';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { KeyHolder } from '../secrets/keys.js';
import { buildDesiredState, sealerFor, type DesiredStateSettings } from './desired-state.js';
import { handshake, type TrustSettings } from './handshake.js';
import { AgentSession } from './session.js';

export type RolloutResult = { phase: 'converged' } | { phase: 'failed'; failure: RolloutFailure };

interface Waiter {
  appId: string;
  revision: string;
  resolve: (r: RolloutResult) => void;
}

export interface AgentGatewayDeps {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  settings: DesiredStateSettings & TrustSettings;
  keys: KeyHolder;
}

export type AgentGateway = ReturnType<typeof createAgentGateway>;

/**
 * berthd's side of the agent link: authenticates agents, pushes desired state, relays RPCs and
 * collects reports. It never touches a container; agents do.
 */
export function createAgentGateway({ store, clock, log, settings, keys }: AgentGatewayDeps) {
  const sessions = new Map<string, AgentSession>();
  const desiredFor = (s: AgentSession) =>
    buildDesiredState(store, s.serverId, settings, sealerFor(keys, s.sealingKey));
  const waiters = new Set<Waiter>();
  let pushing: Promise<void> = Promise.resolve();

  const anySession = (): AgentSession => {
    const session = [...sessions.values()][0];
    if (!session) {
      throw new BerthError('AGENT_UNAVAILABLE', 'No agent is connected, so nothing can run right now', {
        hint: 'Check that berth up is running; its agent reconnects on its own',
      });
    }
    return session;
  };

  const settle = (report: AppReport): void => {
    for (const w of waiters) {
      if (w.appId !== report.appId || w.revision !== report.revision) continue;
      if (report.phase === 'converged') w.resolve({ phase: 'converged' });
      else if (report.phase === 'failed' && report.failure)
        w.resolve({ phase: 'failed', failure: report.failure });
      else continue;
      waiters.delete(w);
    }
  };

  const onMessage = async (session: AgentSession, raw: string): Promise<void> => {
    const parsed = AgentToServer.safeParse(parseJsonOrNull(raw));
    if (!parsed.success) {
      log.warn({ server: session.serverName }, 'ignored a malformed agent message');
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'report':
        session.report = msg.report;
        msg.report.apps.forEach(settle);
        await store.servers.setLastSeen(session.serverId, clock());
        return;
      case 'event': {
        const e = msg.event;
        if (await store.deployments.get(e.deploymentId)) {
          await store.events.append(e.deploymentId, {
            at: Date.parse(e.at) || clock(),
            level: e.level,
            message: e.message,
          });
        }
        return;
      }
      case 'rpc.result':
        session.settle(msg.id, { result: msg.result });
        return;
      case 'rpc.error':
        session.settle(msg.id, { error: toBerthError(msg.error) });
        return;
      case 'rpc.chunk':
        session.lines(msg.id, msg.lines);
        return;
      case 'rpc.exec':
        session.execEvent(msg.id, msg.event);
        return;
      case 'rpc.end':
        session.settle(msg.id, { result: null });
        return;
      case 'hello':
        return;
    }
  };

  const gateway = {
    /** Serves one WebSocket from an agent, from handshake to disconnect. */
    async accept(socket: WebSocket): Promise<void> {
      const identity = await handshake(socket, store, clock, settings, log, (id) => sessions.has(id));
      if (!identity) return;
      const session = new AgentSession(identity.serverId, identity.serverName, identity.sealingKey, socket);
      sessions.get(identity.serverId)?.close(4000, 'replaced by a newer connection');
      sessions.set(identity.serverId, session);
      log.info({ server: identity.serverName }, 'agent connected');
      socket.on('message', (data: Buffer) => {
        onMessage(session, data.toString('utf8')).catch((err: unknown) =>
          log.error({ err }, 'agent message failed'),
        );
      });
      socket.on('close', () => {
        session.abandon();
        if (sessions.get(identity.serverId) === session) sessions.delete(identity.serverId);
        log.info({ server: identity.serverName }, 'agent disconnected');
      });
      session.send({ type: 'welcome', serverId: identity.serverId, serverName: identity.serverName });
      session.send({ type: 'desired', state: await desiredFor(session) });
    },

    /** Sends the current desired state to every agent; pushes are serialized so none overtakes another. */
    pushDesired(): Promise<void> {
      pushing = pushing.then(async () => {
        if (sessions.size === 0) return;
        for (const s of sessions.values()) s.send({ type: 'desired', state: await desiredFor(s) });
      });
      return pushing.catch((err: unknown) => log.error({ err }, 'pushing desired state failed'));
    },

    async resolveImage(ref: string): Promise<ImageResolveResult> {
      const result = await anySession().call({ method: 'image.resolve', params: { ref } }, 10 * 60_000);
      return ImageResolveResult.parse(result);
    },

    /** Resolves when the agents report the revision converged or failed; the caller bounds the wait. */
    waitForRollout(appId: string, revision: string, signal: AbortSignal): Promise<RolloutResult> {
      return new Promise((resolve, reject) => {
        const w: Waiter = { appId, revision, resolve };
        waiters.add(w);
        signal.addEventListener('abort', () => {
          waiters.delete(w);
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        });
        for (const s of sessions.values()) s.report?.apps.forEach(settle);
      });
    },

    reportFor(appId: string): { serverName: string; app: AppReport }[] {
      return [...sessions.values()].flatMap((s) =>
        (s.report?.apps ?? [])
          .filter((a) => a.appId === appId)
          .map((app) => ({ serverName: s.serverName, app })),
      );
    },

    latestReports(): Map<string, AgentReport | null> {
      return new Map([...sessions.values()].map((s) => [s.serverId, s.report]));
    },

    async streamLogs(
      params: LogsParams,
      onLines: (lines: LogLine[]) => void,
      signal: AbortSignal,
    ): Promise<void> {
      await anySession().stream({ method: 'logs', params }, onLines, signal);
    },

    /**
     * Runs a command in a replica of an app (`berth exec`). The session ends when the agent
     * reports the exit code, or when the signal aborts (then the agent closes the exec, so the
     * command sees its stdin close and no process is left behind); aborted, it resolves null.
     */
    exec(
      params: ExecParams,
      onEvent: (event: ExecEvent) => void,
      signal: AbortSignal,
    ): { done: Promise<ExecResult | null>; input: (input: ExecInput) => void } {
      const call = anySession().exec(params, onEvent, signal);
      const done = call.done.then((r) => (r === undefined ? null : ExecResult.parse(r)));
      return { done, input: call.input };
    },

    /**
     * Runs a build on an agent, its log lines streaming through onLines. `params` gets a sealer
     * for that agent, so credentials travel sealed to the one agent that builds. Aborting the
     * signal cancels the build on the agent and rejects with the signal's reason.
     */
    async build(
      params: (seal: (plain: string, aad: string) => string) => AgentBuildParams,
      onLines: (lines: LogLine[]) => void,
      signal: AbortSignal,
    ): Promise<AgentBuildResult> {
      const session = anySession();
      const seal = (plain: string, aad: string): string => {
        if (!session.sealingKey) throw new BerthError('INTERNAL', 'this agent has no sealing key');
        return sealFor(session.sealingKey, plain, aad);
      };
      const result = await session.stream({ method: 'build', params: params(seal) }, onLines, signal);
      signal.throwIfAborted();
      return AgentBuildResult.parse(result);
    },

    /** Builds the base images on an agent (`berth images bootstrap`), streaming its progress. */
    async bootstrapImages(
      request: ImagesBootstrapRequest,
      onLines: (lines: LogLine[]) => void,
      signal: AbortSignal,
    ): Promise<ImagesBootstrapResult> {
      const result = await anySession().stream(
        { method: 'images.bootstrap', params: request },
        onLines,
        signal,
      );
      signal.throwIfAborted();
      return ImagesBootstrapResult.parse(result);
    },

    isOnline: (serverId: string): boolean => sessions.has(serverId),

    /** Closes the server's live link, if it has one (removed, or its key replaced). */
    disconnect(serverId: string, code: number, reason: string): void {
      sessions.get(serverId)?.close(code, reason);
    },

    close(): void {
      for (const s of sessions.values()) s.close(1001, 'berthd is stopping');
    },
  };
  return gateway;
}

function toBerthError(e: { code: string; message: string; logs?: string[] | undefined }): BerthError {
  return new BerthError(isErrorCode(e.code) ? e.code : 'INTERNAL', e.message, { logs: e.logs ?? [] });
}
