import type { ContainerEngine } from '@berth/engine';
import { removeVolume } from './volumes.js';
import { createBackup, deleteBackupObject, restoreBackup, type BackupDeps } from './backups.js';
import type { BuildExecutor } from './builder/executor.js';
import { ExecInputs, runExec, type ExecDeps } from './exec.js';
import { runOneOff, type OneOffDeps } from './one-off.js';
import { streamAppLogs, type AppLogsDeps } from './logs/app-logs.js';
import type { RegistryImages } from './registry-images.js';
import type { DatabaseImages } from './database-images.js';
import { databaseSize } from './database-backups.js';
import type { ProxyVersions } from './edge.js';
import {
  BerthError,
  type AgentToServer,
  type ExecInput,
  type ImagesBootstrapRequest,
  type ImagesBootstrapResult,
  type RpcRequest,
} from '@berth/protocol';

/** Base images on this server (`berth images bootstrap`), progress to onLine. */
export type BaseImageBootstrapper = (
  request: ImagesBootstrapRequest,
  onLine: (line: string) => void,
  signal: AbortSignal,
) => Promise<ImagesBootstrapResult>;

/** Calls berthd makes on this agent: resolve an image, stream an app's logs, build, bootstrap. */
/**
 * One call in flight. `cancel` is berthd asking to stop it; `detach` is its connection gone (a
 * new one replaced it, with RPC ids of its own): a detached call sends nothing more, and a build
 * it was watching keeps running for berthd to re-attach to.
 */
/** Sends a message to berthd; `written` is called once it is on the wire (or the link is gone). */
export type SendToServer = (m: AgentToServer, written?: () => void) => void;
type Send = SendToServer;

interface RunningCall {
  cancel: AbortController;
  detach: AbortController;
}

export class RpcHandler {
  private readonly running = new Map<number, RunningCall>();
  /** The stdin of exec sessions in flight, by call id. */
  private readonly inputs = new Map<number, ExecInputs>();

  constructor(
    private readonly engine: ContainerEngine,
    private readonly out: SendToServer,
    private readonly builds: BuildExecutor,
    private readonly bootstrap: BaseImageBootstrapper,
    private readonly logs: AppLogsDeps,
    private readonly exec: ExecDeps,
    private readonly images: Pick<RegistryImages, 'push'>,
    private readonly proxyVersions: ProxyVersions,
    private readonly backups: BackupDeps,
    private readonly oneOff: OneOffDeps | null = null,
    /** A database's image is handed to the engine from the base store when it is missing. */
    private readonly databaseImages: Pick<DatabaseImages, 'resolve'> | null = null,
  ) {}

  /** Streams progress lines of a long call as rpc.chunk messages. */
  private lineSender(send: Send, id: number, replica: string): (line: string) => void {
    return (line) =>
      send({
        type: 'rpc.chunk',
        id,
        lines: [{ at: new Date().toISOString(), replica, stream: 'stdout', line }],
      });
  }

  handle(id: number, request: RpcRequest): void {
    const call: RunningCall = { cancel: new AbortController(), detach: new AbortController() };
    this.running.set(id, call);
    const send: Send = (m, written) => {
      if (!call.detach.signal.aborted) this.out(m, written);
      else written?.();
    };
    const stopped = AbortSignal.any([call.cancel.signal, call.detach.signal]);
    this.dispatch(id, request, { send, stopped, cancel: call.cancel.signal })
      .catch((err: unknown) => {
        const e =
          err instanceof BerthError
            ? err
            : new BerthError('INTERNAL', err instanceof Error ? err.message : String(err));
        if (!stopped.aborted)
          send({ type: 'rpc.error', id, error: { code: e.code, message: e.message, logs: e.logs } });
      })
      .finally(() => {
        if (this.running.get(id) === call) this.running.delete(id);
      });
  }

  cancel(id: number): void {
    this.running.get(id)?.cancel.abort();
  }

  /** More input for a call in flight (an exec session's stdin); none for other calls. */
  input(id: number, input: ExecInput): void {
    this.inputs.get(id)?.push(input);
  }

  /** The link to berthd was replaced: calls of the old one stop sending (builds keep building). */
  detachAll(): void {
    for (const call of this.running.values()) call.detach.abort();
    this.running.clear();
  }

  private async dispatch(
    id: number,
    request: RpcRequest,
    { send, stopped, cancel }: { send: Send; stopped: AbortSignal; cancel: AbortSignal },
  ): Promise<void> {
    const signal = stopped;
    switch (request.method) {
      case 'image.resolve': {
        const { ref } = request.params;
        const result = await (this.databaseImages?.resolve(ref) ?? this.engine.resolveImage(ref));
        send({ type: 'rpc.result', id, result });
        return;
      }
      case 'image.push': {
        const result = await this.images.push(request.params);
        send({ type: 'rpc.result', id, result });
        return;
      }
      case 'logs':
        await streamAppLogs(
          this.logs,
          request.params,
          (lines) => new Promise((resolve) => send({ type: 'rpc.chunk', id, lines }, resolve)),
          signal,
        );
        if (!signal.aborted) send({ type: 'rpc.end', id });
        return;
      case 'build': {
        // Only berthd's cancel stops a build; a lost connection just stops this call watching it.
        const result = await this.builds.run(
          request.params,
          this.lineSender(send, id, 'build'),
          cancel,
          signal,
        );
        send({ type: 'rpc.result', id, result });
        return;
      }
      case 'images.bootstrap': {
        const result = await this.bootstrap(request.params, this.lineSender(send, id, 'bootstrap'), signal);
        send({ type: 'rpc.result', id, result });
        return;
      }
      case 'proxy.history': {
        send({ type: 'rpc.result', id, result: { versions: await this.proxyVersions.history() } });
        return;
      }
      case 'volume.remove': {
        send({
          type: 'rpc.result',
          id,
          result: await removeVolume(this.engine, this.exec.agentId, request.params),
        });
        return;
      }
      case 'backup.create': {
        send({ type: 'rpc.result', id, result: await createBackup(this.backups, request.params) });
        return;
      }
      case 'backup.restore': {
        send({ type: 'rpc.result', id, result: await restoreBackup(this.backups, request.params) });
        return;
      }
      case 'database.size': {
        send({ type: 'rpc.result', id, result: await databaseSize(this.backups, request.params.appId) });
        return;
      }
      case 'backup.delete': {
        send({ type: 'rpc.result', id, result: await deleteBackupObject(this.backups, request.params) });
        return;
      }
      case 'proxy.rollback': {
        const version = await this.proxyVersions.rollback(request.params.version);
        send({ type: 'rpc.result', id, result: { version } });
        return;
      }
      case 'run': {
        if (!this.oneOff) throw new BerthError('INTERNAL', 'this agent cannot run one-off containers');
        // A lost link or berthd's cancel kills the run: nobody would read its output or exit code.
        const result = await runOneOff(
          this.oneOff,
          request.params,
          (lines) => new Promise((resolve) => send({ type: 'rpc.chunk', id, lines }, resolve)),
          signal,
        );
        send({ type: 'rpc.result', id, result });
        return;
      }
      case 'exec': {
        // A session belongs to its link: a lost connection ends it (the command sees its stdin close).
        const inputs = new ExecInputs();
        this.inputs.set(id, inputs);
        try {
          const result = await runExec(
            this.exec,
            request.params,
            inputs,
            (event) => new Promise((resolve) => send({ type: 'rpc.exec', id, event }, resolve)),
            signal,
          );
          send({ type: 'rpc.result', id, result });
        } finally {
          this.inputs.delete(id);
        }
        return;
      }
    }
  }
}
