import { sealFor } from '@berth/crypto';
import {
  AgentBuildResult,
  BerthError,
  ExecResult,
  ImagesBootstrapResult,
  ProxyHistoryResult,
  ProxyRollbackResult,
  type ProxyVersion,
  type AgentBuildParams,
  type ExecEvent,
  type ExecInput,
  type ExecParams,
  type ImagesBootstrapRequest,
  type LogLine,
  type VolumeRemoveParams,
  VolumeRemoveResult,
  BackupCreateResult,
  BackupRestoreResult,
  BackupDeleteResult,
  DatabaseSizeResult,
  type BackupDeleteParams,
  type BackupCreateParams,
  type BackupRestoreParams,
} from '@berth/protocol';
import type { Store } from '@berth/store';
import { buildSession, firstOf, runningSlot } from './routing.js';
import type { AgentSession } from './session.js';

/** Reading the versions is a directory listing; a rollback is an `nginx -t` and a reload. */
const PROXY_HISTORY_TIMEOUT_MS = 10_000;
const PROXY_ROLLBACK_TIMEOUT_MS = 30_000;
/** Removing a volume is one engine call (its data is unlinked by the engine). */
const VOLUME_REMOVE_TIMEOUT_MS = 60_000;
/** A backup or its verification streams a whole volume through the target: bounded, but generously. */
const BACKUP_TIMEOUT_MS = 2 * 60 * 60_000;
const BACKUP_DELETE_TIMEOUT_MS = 60_000;
/** `db show` waits this long for a size, then shows none. */
const DATABASE_SIZE_TIMEOUT_MS = 3_000;

/** Seals a value to one agent (its X25519 sealing key), bound to `aad`. */
export type SealForAgent = (plain: string, aad: string) => string;

/**
 * The gateway's calls that run work on one agent and stream it back: a command in a replica
 * (`berth exec`), a build and the base images' bootstrap (on the server that builds), and the
 * edge's config versions of one server (`berth proxy history/rollback`).
 */
export function createWorkCalls({
  store,
  sessions,
  localServer,
  clock,
}: {
  store: Store;
  sessions: ReadonlyMap<string, AgentSession>;
  localServer: () => Promise<string | null>;
  clock: () => number;
}) {
  const connected = (server: { id: string; name: string }): AgentSession => {
    const session = sessions.get(server.id);
    if (!session)
      throw new BerthError('AGENT_UNAVAILABLE', `The agent on ${server.name} is not connected`, {
        hint: `Check it with: berth servers show ${server.name}`,
      });
    return session;
  };
  const sealerOf =
    (session: AgentSession): SealForAgent =>
    (plain, aad) => {
      if (!session.sealingKey) throw new BerthError('INTERNAL', 'this agent has no sealing key');
      return sealFor(session.sealingKey, plain, aad);
    };
  return {
    /**
     * Removes a volume's engine volume on its server (`berth volumes delete`, after berthd checked
     * that no app mounts it). AGENT_UNAVAILABLE when its agent is not connected: nothing is removed.
     */
    async removeVolume(
      server: { id: string; name: string },
      params: VolumeRemoveParams,
    ): Promise<VolumeRemoveResult> {
      const result = await connected(server).call(
        { method: 'volume.remove', params },
        VOLUME_REMOVE_TIMEOUT_MS,
      );
      return VolumeRemoveResult.parse(result);
    },

    /**
     * Runs one backup call on the volume's server. `params` gets a sealer for that agent, so S3
     * credentials and a backup's data key travel sealed to the one agent that uses them.
     */
    async backupCreate(
      server: { id: string; name: string },
      params: (seal: SealForAgent) => BackupCreateParams,
    ): Promise<BackupCreateResult> {
      const session = connected(server);
      const result = await session.call(
        { method: 'backup.create', params: params(sealerOf(session)) },
        BACKUP_TIMEOUT_MS,
      );
      return BackupCreateResult.parse(result);
    },

    async backupRestore(
      server: { id: string; name: string },
      params: (seal: SealForAgent) => BackupRestoreParams,
    ): Promise<BackupRestoreResult> {
      const session = connected(server);
      const result = await session.call(
        { method: 'backup.restore', params: params(sealerOf(session)) },
        BACKUP_TIMEOUT_MS,
      );
      return BackupRestoreResult.parse(result);
    },

    /** What a database's data takes on its server (`du` in its container); a slow agent is not waited for. */
    async databaseSize(server: { id: string; name: string }, appId: string): Promise<number | null> {
      const result = await connected(server).call(
        { method: 'database.size', params: { appId } },
        DATABASE_SIZE_TIMEOUT_MS,
      );
      return DatabaseSizeResult.parse(result).bytes;
    },

    /** Deletes one backup object on the server (a directory target only that server reaches). */
    async backupDelete(
      server: { id: string; name: string },
      params: (seal: SealForAgent) => BackupDeleteParams,
    ): Promise<void> {
      const session = connected(server);
      BackupDeleteResult.parse(
        await session.call(
          { method: 'backup.delete', params: params(sealerOf(session)) },
          BACKUP_DELETE_TIMEOUT_MS,
        ),
      );
    },

    /** The edge's config versions on one server, oldest first (PROXY_NO_HISTORY on Caddy). */
    async proxyHistory(server: { id: string; name: string }): Promise<ProxyVersion[]> {
      const result = await connected(server).call(
        { method: 'proxy.history', params: {} },
        PROXY_HISTORY_TIMEOUT_MS,
      );
      return ProxyHistoryResult.parse(result).versions;
    },

    /** Serves an earlier config version again on one server's edge, as a new version. */
    async proxyRollback(server: { id: string; name: string }, version: number): Promise<ProxyVersion> {
      const result = await connected(server).call(
        { method: 'proxy.rollback', params: { version } },
        PROXY_ROLLBACK_TIMEOUT_MS,
      );
      return ProxyRollbackResult.parse(result).version;
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
      const session =
        runningSlot(sessions.values(), params.appId, params.replica) ?? firstOf(sessions.values());
      const call = session.exec(params, onEvent, signal);
      const done = call.done.then((r) => (r === undefined ? null : ExecResult.parse(r)));
      return { done, input: call.input };
    },

    /**
     * Runs a build on an agent, its log lines streaming through onLines. `params` gets a sealer
     * for that agent, so credentials travel sealed to the one agent that builds. Aborting the
     * signal cancels the build on the agent and rejects with the signal's reason. The result
     * names the server that built (in a fleet, the only one that holds the image until it is pushed).
     */
    async build(
      params: (seal: (plain: string, aad: string) => string) => AgentBuildParams,
      onLines: (lines: LogLine[]) => void,
      signal: AbortSignal,
    ): Promise<AgentBuildResult & { serverName: string }> {
      const session = await buildSession(store, sessions, localServer);
      const seal = (plain: string, aad: string): string => {
        if (!session.sealingKey) throw new BerthError('INTERNAL', 'this agent has no sealing key');
        return sealFor(session.sealingKey, plain, aad);
      };
      const result = await session.stream({ method: 'build', params: params(seal) }, onLines, signal);
      signal.throwIfAborted();
      return { ...AgentBuildResult.parse(result), serverName: session.serverName };
    },

    /** Builds the base images on an agent (`berth images bootstrap`), streaming its progress. */
    async bootstrapImages(
      request: ImagesBootstrapRequest,
      onLines: (lines: LogLine[]) => void,
      signal: AbortSignal,
    ): Promise<ImagesBootstrapResult> {
      const session = await buildSession(store, sessions, localServer);
      // Only the server that builds uses base images: say which one got them.
      onLines([
        {
          at: new Date(clock()).toISOString(),
          replica: 'bootstrap',
          stream: 'berth',
          line: `Base images on ${session.serverName}, where builds run`,
        },
      ]);
      const result = await session.stream({ method: 'images.bootstrap', params: request }, onLines, signal);
      signal.throwIfAborted();
      return ImagesBootstrapResult.parse(result);
    },
  };
}
