/**
 * One simulated server for the fleet bench: a real agent identity made and stored as `berth agent
 * join` does, the real join request, and the real `Link` of apps/agent. It runs no containers:
 * every desired state is reported converged at once (as an agent whose replicas start instantly
 * would), an image is "resolved" to a digest of its name, and the report is sent again every 5 s
 * as the real reconciler does when nothing changes. So berthd does all its real work, and the
 * bench measures berthd, not Podman.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { loadOrCreateIdentity, type AgentIdentity } from '@berth/crypto';
import type { AgentReport, DesiredState, RpcRequest } from '@berth/protocol';
import { pino } from 'pino';
import { Link } from '../../apps/agent/src/link.js';
import { AGENT_VERSION } from '../../apps/agent/src/agent.js';
import { withKeptMesh } from '../../apps/agent/src/mesh.js';
import { parseJoinInput } from '../../apps/cli/src/commands/agent/join-input.js';
import { requestJoin } from '../../apps/cli/src/commands/agent/join-request.js';

/** What every simulated server says it has: placement fits replicas by it. */
export const SIM_CAPACITY = { cpuMillis: 2000, memoryMib: 4096 };
/** The reconciler's REPORT_EVERY_MS: an unchanged report is sent again this often. */
const REPORT_EVERY_MS = 5000;

const silent = pino({ level: 'silent' });

/** One desired-state message as this agent received it. */
export interface Arrival {
  at: number;
  version: number;
  /** The deployment of each app in it. */
  deployments: string[];
}

/** Wall-clock milliseconds, comparable across the bench's processes (same machine). */
export const now = (): number => performance.timeOrigin + performance.now();

export class SimAgent {
  private identity: AgentIdentity | null = null;
  private link: Link | null = null;
  private state: DesiredState | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Desired states received since the last mark. */
  arrivals: Arrival[] = [];
  /** The version of the desired state this agent had at the last mark (-1: none yet). */
  markedVersion = -1;
  welcomes = 0;
  /** When the first desired state arrived after start(). */
  firstDesiredAt: number | null = null;

  /** A WireGuard public key and endpoint, as a real agent's hello carries them; null: outside the mesh. */
  private readonly mesh = process.env.BENCH_AGENT_MESH === 'off' ? null : simMeshHello();

  constructor(
    readonly name: string,
    private readonly dataDir: string,
  ) {}

  /** Makes the identity and joins with the token, as `berth agent join` does; returns the ms it took. */
  async join(serverOrigin: string, token: string): Promise<number> {
    const started = now();
    this.identity = await loadOrCreateIdentity(this.dataDir);
    const input = parseJoinInput(serverOrigin, token, { httpPort: 80 });
    await requestJoin(input, this.identity, { agentVersion: AGENT_VERSION, capacity: SIM_CAPACITY });
    return now() - started;
  }

  start(linkUrl: string): void {
    if (!this.identity) throw new Error(`${this.name} has not joined`);
    this.link = new Link(
      { url: linkUrl, fingerprint: null },
      this.identity,
      this.name,
      AGENT_VERSION,
      {
        onConnected: () => {
          this.welcomes += 1;
          this.report();
        },
        onDesired: (state) => this.onDesired(state),
        onRpc: (id, request) => this.onRpc(id, request),
        onRpcCancel: () => undefined,
        onRpcInput: () => undefined,
      },
      silent,
      // In the WireGuard mesh like a real server (BENCH_AGENT_MESH=off: outside it), so each
      // desired state carries its peers: the fleet's other servers.
      () => Promise.resolve({ capacity: SIM_CAPACITY, privateIp: '127.0.0.1', mesh: this.mesh }),
    );
    this.link.start();
    // Spread over the period, as agents that started at different times would be.
    this.timer = setTimeout(() => {
      this.timer = setInterval(() => this.report(), REPORT_EVERY_MS);
    }, Math.random() * REPORT_EVERY_MS);
  }

  /** Starts a new window: arrivals from now on, compared with the version held now. */
  mark(): void {
    this.arrivals = [];
    this.markedVersion = this.state?.version ?? -1;
  }

  get connected(): boolean {
    return this.link?.connected ?? false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.link?.stop();
  }

  private onDesired(state: DesiredState): void {
    const at = now();
    this.firstDesiredAt ??= at;
    this.arrivals.push({ at, version: state.version, deployments: state.apps.map((a) => a.deploymentId) });
    // As the real agent does (withKeptMesh): a push that keeps the mesh keeps the one held.
    this.state = withKeptMesh(state, this.state);
    this.report();
  }

  /** image.resolve answers a digest of the name; nothing else is asked of a server that runs nothing. */
  private onRpc(id: number, request: RpcRequest): void {
    if (request.method === 'image.resolve') {
      const digest = createHash('sha256').update(request.params.ref).digest('hex');
      this.link?.send({
        type: 'rpc.result',
        id,
        result: { imageId: `sha256:${digest}`, pulled: false, builtFor: null },
      });
      return;
    }
    this.link?.send({
      type: 'rpc.error',
      id,
      error: { code: 'INTERNAL', message: `a simulated server does not do ${request.method}` },
    });
  }

  private report(): void {
    if (!this.state || !this.link) return;
    const report: AgentReport = {
      desiredVersion: this.state.version,
      apps: this.state.apps.map((app) => ({
        appId: app.appId,
        revision: app.revision,
        phase: 'converged',
        failure: null,
        replicas: (app.slots ?? Array.from({ length: app.replicas }, (_, i) => i + 1)).map((slot) => ({
          name: `${app.appName}-${slot}`,
          containerId: `sim-${this.name}-${slot}`,
          releaseId: app.release.id,
          slot,
          state: 'serving' as const,
        })),
      })),
      meshSignature: this.state.mesh?.signature ?? null,
      // An edge with nothing to drain has applied the serving set it was sent as soon as it has it.
      edgeEpoch: this.state.edges ? { run: this.state.edges.run, epoch: this.state.edges.epoch } : null,
    };
    this.link.send({ type: 'report', report });
  }
}

function simMeshHello(): { publicKey: string; endpoint: string } {
  const spki = generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' });
  return { publicKey: spki.subarray(-32).toString('base64'), endpoint: '127.0.0.1:51820' };
}
