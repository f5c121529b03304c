/**
 * This server's end of the fleet's WireGuard mesh: the interface with the address berthd gave it
 * and every other server as a peer, made to match each desired state. Replicas are published on
 * the mesh address once the interface is up, so other servers' edges reach them through the
 * tunnel (encrypted, and only from members) rather than over the plain private network.
 *
 * With berthd gone the interface stays as it is (it lives in the kernel or in wireguard-go, not
 * in the agent), so replicas keep serving across servers; the cached desired state rebuilds it
 * after a reboot.
 */
import { join } from 'node:path';
import {
  createWireGuard,
  ensureMeshKeyPair,
  findWireGuardTools,
  type MeshKeyPair,
  type WireGuard,
} from '@berth/engine';
import { meshPlanFor } from '@berth/core';
import type { DesiredState, MeshSpec } from '@berth/protocol';
import type { Logger } from 'pino';

/** A failed apply is tried again after this long (a wireguard-go that will not start, a busy `ip`). */
const RETRY_MS = 5_000;

export interface MeshSettings {
  interfaceName: string;
  listenPort: number;
  /** Where the key pair lives (0700; the private key 0600 and never sent). */
  keyDir: string;
  runDir: string;
  toolPath: string;
}

export class MeshInterface {
  private applied = '';
  private up: string | null = null;
  private failedAt = 0;

  private constructor(
    private readonly settings: MeshSettings,
    private readonly keys: MeshKeyPair,
    private readonly wg: WireGuard,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {}

  /**
   * The key pair is made (or read) now; the tools are looked for now: a server without them says
   * so at start (it then runs outside the mesh, its replicas on its private address).
   */
  static async create(
    settings: MeshSettings,
    log: Logger,
    clock: () => number,
    onLost: () => void,
  ): Promise<MeshInterface | null> {
    let tools;
    try {
      tools = await findWireGuardTools(settings.toolPath);
    } catch (err) {
      log.warn({ err }, 'no WireGuard tools: this server stays out of the mesh');
      return null;
    }
    const keys = await ensureMeshKeyPair(settings.keyDir);
    const mesh: { self: MeshInterface | null } = { self: null };
    const wg = createWireGuard({
      tools,
      runDir: settings.runDir,
      onUnexpectedExit: (name, code, signal) => {
        log.warn({ interface: name, code, signal }, 'wireguard-go exited: making the interface again');
        mesh.self?.lost();
        onLost();
      },
    });
    mesh.self = new MeshInterface(settings, keys, wg, log, clock);
    return mesh.self;
  }

  /** What the hello tells berthd: the public key, and where peers dial this server. */
  hello(privateIp: string | null): { publicKey: string; endpoint: string | null } {
    const host = privateIp === null ? null : privateIp.includes(':') ? `[${privateIp}]` : privateIp;
    return {
      publicKey: this.keys.publicKey,
      endpoint: host === null ? null : `${host}:${this.settings.listenPort}`,
    };
  }

  /** The mesh address while the interface is up as last desired; null before (or without) it. */
  address(): string | null {
    return this.up;
  }

  private lost(): void {
    this.applied = '';
    this.up = null;
  }

  /**
   * Makes the interface match the fleet's mesh when it changed (or a failed apply is due again):
   * this server is the member with its public key, the others its peers. Without a mesh, or not
   * a member, the interface is left as it is: replicas published on it keep serving, new ones
   * go to the private address.
   */
  async sync(spec: MeshSpec | undefined): Promise<void> {
    const self = spec?.members.find((m) => m.publicKey === this.keys.publicKey);
    if (!spec || !self) {
      this.up = null;
      return;
    }
    if (spec.signature === this.applied) return;
    if (this.failedAt !== 0 && this.clock() - this.failedAt < RETRY_MS) return;
    const name = this.settings.interfaceName;
    try {
      const plan = meshPlanFor(self.id, spec.members, spec.subnet);
      if (!plan) return;
      const kind = await this.wg.ensureInterface({
        name,
        privateKeyFile: this.keys.privateKeyFile,
        listenPort: this.settings.listenPort,
        address: plan.address,
      });
      await this.wg.setPeers(name, plan.peers);
      if (this.applied === '')
        this.log.info(
          { interface: name, address: plan.address, peers: plan.peers.length, kind: kind.kind },
          'mesh interface up',
        );
      this.applied = spec.signature;
      this.failedAt = 0;
      this.up = self.meshIp;
    } catch (err) {
      this.failedAt = this.clock();
      this.log.error({ err, interface: name }, 'could not set up the mesh interface: trying again soon');
    }
  }
}

/**
 * A push that says the mesh is unchanged (`meshKept`) keeps the one held. Held under another
 * signature (a push was missed), it is still the best there is: the report says which one is
 * held, and berthd sends the mesh again.
 */
export function withKeptMesh(state: DesiredState, held: DesiredState | null): DesiredState {
  if (state.mesh || state.meshKept === undefined) return state;
  const { meshKept: _kept, ...rest } = state;
  return held?.mesh ? { ...rest, mesh: held.mesh } : rest;
}

/** What apps may not reach: the other servers' private addresses, and every mesh member's. */
export const fleetPeers = (state: DesiredState): string[] => [
  ...(state.peers ?? []),
  ...(state.mesh?.members.map((m) => m.meshIp) ?? []),
];

export const meshKeyDir = (dataDir: string): string => join(dataDir, 'mesh');
