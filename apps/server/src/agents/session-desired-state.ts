import type { DesiredState, EdgeEpoch } from '@berth/protocol';
import type { ServerRow, Store } from '@berth/store';
import type { KeyHolder } from '../secrets/keys.js';
import {
  loadEdgeCertificates,
  sealEdgeCertificates,
  type EdgeCertificateSource,
} from './edge-certificates.js';
import { buildDesiredState, sealerFor, type DesiredStateSettings } from './desired-state.js';
import type { EdgeDrains } from './edge-drains.js';
import { fromIndex, type ServingIndex } from './edge-membership.js';
import type { createFleetPushes } from './fleet-pushes.js';
import { rebuildShare } from './held-share.js';
import type { createImageCalls } from './image-calls.js';
import type { AgentSession } from './session.js';
import type { createStaging } from './staging.js';

/** The serving replicas and their epoch, taken together (gateway.ts's servingNow). */
export interface ServingNow {
  index: ServingIndex;
  at: EdgeEpoch;
}

/** What a push to many reads once and hands to each server's `desiredFor`. */
export interface SharedPushReads {
  servers?: readonly ServerRow[];
  serving?: ServingNow;
  certificates?: readonly EdgeCertificateSource[];
}

export interface DesiredForDeps {
  store: Store;
  keys: KeyHolder;
  settings: DesiredStateSettings;
  clock: () => number;
  /** HTTP-01 answers every edge serves now (see certificates/challenge-board.ts). */
  challenges: () => Record<string, string>;
  staging: Pick<ReturnType<typeof createStaging>, 'hold'>;
  drains: Pick<EdgeDrains, 'releaseFor'>;
  images: Pick<ReturnType<typeof createImageCalls>, 'registryAccess'>;
  pushes: Pick<ReturnType<typeof createFleetPushes>, 'recentServers'>;
  servingNow: () => ServingNow;
}

// What a server runs now decides whether an app it no longer has slots of is still sent (to drain).
const running = (s: AgentSession): ReadonlySet<string> =>
  new Set((s.report?.apps ?? []).filter((a) => a.replicas.length > 0).map((a) => a.appId));

/**
 * The desired state one agent's link is sent: desired-state.ts's, held back by a staged
 * rollout, with the edges' drains, the certificates sealed to its key and the HTTP-01 answers.
 */
export function createDesiredFor({
  store,
  keys,
  settings,
  clock,
  challenges,
  staging,
  drains,
  images,
  pushes,
  servingNow,
}: DesiredForDeps) {
  /**
   * A push to many reads the servers, indexes the serving replicas and opens the certificates
   * once (`shared`). Null: nothing is sent to this server yet (staging.ts).
   */
  return async (s: AgentSession, shared: SharedPushReads = {}): Promise<DesiredState | null> => {
    const serving = shared.serving ?? servingNow();
    const to = { sealSecrets: sealerFor(keys, s.sealingKey), registry: await images.registryAccess(s) };
    const state = await buildDesiredState(
      store,
      s.serverId,
      settings,
      to.sealSecrets,
      running(s),
      (appId, serverId) => fromIndex(serving.index, appId, serverId),
      shared.servers ?? (await pushes.recentServers()),
      to.registry,
    );
    const held = await staging.hold(s.serverId, state, s.report, (appId, revision) =>
      rebuildShare(store, s.serverId, appId, revision, settings, to),
    );
    if (!held) return null;
    const certificates = sealEdgeCertificates(
      shared.certificates ?? (await loadEdgeCertificates(store, keys, clock(), settings.domain)),
      s.sealingKey,
    );
    const answers = challenges();
    return {
      ...held,
      edges: drains.releaseFor(s.serverId, serving.at),
      ...(certificates.length > 0 && { certificates }),
      ...(Object.keys(answers).length > 0 && { challenges: answers }),
    };
  };
}
