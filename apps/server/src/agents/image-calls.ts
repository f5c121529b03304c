import { sealFor } from '@berth/crypto';
import {
  BerthError,
  ImagePushResult,
  ImageResolveResult,
  registryPasswordAad,
  type FleetRegistryAccess,
} from '@berth/protocol';
import type { FleetRegistry } from '../registry/fleet-registry.js';
import { preferredSession } from './routing.js';
import type { AgentSession } from './session.js';

const IMAGE_CALL_TIMEOUT_MS = 10 * 60_000;

const isNotFound = (err: unknown): boolean =>
  err instanceof BerthError && err.code === 'DEPLOY_IMAGE_NOT_FOUND';

/**
 * The gateway's calls about images: resolving a name on the servers, having the server that
 * holds an image push it to the fleet registry, and each server's registry login.
 */
export function createImageCalls({
  sessions,
  localServer,
  registry,
}: {
  sessions: ReadonlyMap<string, AgentSession>;
  localServer: () => Promise<string | null>;
  registry: FleetRegistry | null;
}) {
  /** The session's own registry login, its password sealed to the agent; null without a registry. */
  const registryAccess = async (s: AgentSession): Promise<FleetRegistryAccess | null> => {
    if (!registry || !s.sealingKey) return null;
    await registry.ensureUser(s.serverId);
    const login = registry.loginFor(s.serverId);
    return {
      address: registry.address,
      scheme: registry.scheme,
      username: login.name,
      password: sealFor(s.sealingKey, login.password, registryPasswordAad(login.name)),
    };
  };

  /** The agent's answer, and which server gave it (for the deployment's events). */
  type Resolved = ImageResolveResult & { serverName: string };
  const resolveOn = async (s: AgentSession, ref: string): Promise<Resolved> => ({
    ...ImageResolveResult.parse(
      await s.call({ method: 'image.resolve', params: { ref } }, IMAGE_CALL_TIMEOUT_MS),
    ),
    serverName: s.serverName,
  });

  return {
    registryAccess,

    /** The fleet registry's address, or null when berthd runs none. */
    registryAddress: (): string | null => registry?.address ?? null,

    /**
     * Resolves an image on the first connected one of `serverIds` (the servers that will run it),
     * else on the local agent's server, else any. A host's own image (`localhost/…`) that server
     * does not hold is looked for on every other connected server when the fleet has a registry:
     * the one that holds it pushes it there for the others (deploy/image-distribution.ts).
     */
    resolveImage: async (ref: string, serverIds: readonly string[] = []): Promise<Resolved> => {
      const first = await preferredSession(sessions, serverIds, localServer);
      try {
        return await resolveOn(first, ref);
      } catch (err) {
        if (registry === null || !ref.startsWith('localhost/') || !isNotFound(err)) throw err;
      }
      const local = await localServer();
      const others = [...sessions.values()]
        .filter((s) => s !== first)
        .sort((a, b) => Number(b.serverId === local) - Number(a.serverId === local));
      for (const s of others) {
        try {
          return await resolveOn(s, ref);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      throw new BerthError('DEPLOY_IMAGE_NOT_FOUND', `No connected server holds image ${ref}`, {
        hint: 'Build or load it on one of the servers (podman build -t NAME …, or podman load -i FILE), or deploy an image from a registry.',
      });
    },

    /**
     * Has a server that holds the image (by id) push it to the fleet registry as `destination`:
     * the servers of `candidates` first, then every other connected one. The first that holds it
     * pushes; a server without it answers DEPLOY_IMAGE_NOT_FOUND and the next is asked.
     */
    pushImage: async (
      imageId: string,
      destination: string,
      candidates: readonly string[],
    ): Promise<ImagePushResult & { serverName: string }> => {
      let asked = 0;
      for (const id of new Set([...candidates, ...sessions.keys()])) {
        const s = sessions.get(id);
        const access = s ? await registryAccess(s) : null;
        if (!s || !access) continue;
        asked += 1;
        try {
          const result = await s.call(
            { method: 'image.push', params: { imageId, destination, access } },
            IMAGE_CALL_TIMEOUT_MS,
          );
          return { ...ImagePushResult.parse(result), serverName: s.serverName };
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      throw asked > 0
        ? new BerthError('DEPLOY_IMAGE_NOT_FOUND', `No connected server holds image ${imageId}`, {
            hint: 'Connect the server that built or loaded the image (or deploy an image from a registry).',
          })
        : new BerthError('AGENT_UNAVAILABLE', `No connected server can push image ${imageId}`);
    },
  };
}
