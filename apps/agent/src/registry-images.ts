/**
 * This server's side of the fleet registry: pushing an image it holds when berthd asks (a build
 * or a `localhost/…` image that other servers will run), and pulling a release's image by digest
 * before the first replica of it starts here. The login comes sealed to this agent's key and is
 * opened only for the call.
 */
import type { ContainerEngine, RegistryAccess } from '@berth/engine';
import type { DatabaseImages } from './database-images.js';
import {
  BerthError,
  databaseEngineOfImage,
  registryPasswordAad,
  type FleetRegistryAccess,
  type ImagePushParams,
  type ImagePushResult,
  type ReleaseSpec,
} from '@berth/protocol';

/** Opens a value sealed to this agent's X25519 key. */
export type OpenSealed = (sealed: string, aad: string) => string;

/** A pull that failed on the way (not a refusal) is tried again this many times, a second apart. */
const PULL_ATTEMPTS = 3;
const PULL_RETRY_MS = 1000;

/** Where a release's image is, for the loop that would start a replica of it. */
export type ImageReadiness = 'ready' | 'pull started' | 'pulling';

export class RegistryImages {
  /** Pulls under way, by name. */
  private readonly pulls = new Map<string, Promise<void>>();
  /** Pulls the loop does not wait for, by image id: under way, or failed and not yet told. */
  private readonly background = new Map<string, { error: unknown } | null>();

  constructor(
    private readonly engine: ContainerEngine,
    private readonly openSealed: OpenSealed,
    /** Database images come from this server's base store, never a registry. */
    private readonly databaseImages: Pick<DatabaseImages, 'export'> | null = null,
  ) {}

  private access(access: FleetRegistryAccess): RegistryAccess {
    return {
      credentials: {
        username: access.username,
        password: this.openSealed(access.password, registryPasswordAad(access.username)),
      },
      scheme: access.scheme,
    };
  }

  async push(params: ImagePushParams): Promise<ImagePushResult> {
    if (!params.destination.startsWith(`${params.access.address}/`)) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `${params.destination} is not in the registry at ${params.access.address}`,
      );
    }
    const started = Date.now();
    const pushed = await this.engine.pushImage(params.imageId, params.destination, {
      ...this.access(params.access),
      // zstd: a Debian image pushed in 5 s here, 44 s with gzip.
      compression: 'zstd',
    });
    return { digest: pushed.digest, imageId: pushed.imageId, ms: Date.now() - started };
  }

  /**
   * Whether the release's image is here, without waiting for a pull: one that is needed starts
   * beside the agent's loop (a large image on a slow link would otherwise hold every other app's
   * actions), and `wake` is called when it ends. Its failure is thrown once, to the next call,
   * which fails the rollout as a failed start does.
   */
  async prepare(
    release: ReleaseSpec,
    access: FleetRegistryAccess | undefined,
    wake: () => void,
  ): Promise<ImageReadiness> {
    const key = release.imageId;
    const known = this.background.get(key);
    if (known === null) return 'pulling';
    if (known !== undefined) {
      this.background.delete(key);
      throw known.error;
    }
    if (await this.engine.hasImage(key)) return 'ready';
    this.background.set(key, null);
    this.ensure(release, access).then(
      () => {
        this.background.delete(key);
        wake();
      },
      (error: unknown) => {
        this.background.set(key, { error });
        wake();
      },
    );
    return 'pull started';
  }

  /**
   * Makes sure the store holds the release's image (by id) before a replica of it starts:
   * pulled by digest from the fleet registry when berthd named it there, else (an image of
   * another registry) by its name. Throws DEPLOY_IMAGE_NOT_FOUND when the image is neither here
   * nor anywhere to pull from.
   */
  async ensure(release: ReleaseSpec, access: FleetRegistryAccess | undefined): Promise<void> {
    if (await this.engine.hasImage(release.imageId)) return;
    const databaseImages = this.databaseImages;
    if (databaseImages !== null && databaseEngineOfImage(release.image) !== null) {
      await this.once(release.image, async () => {
        const id = await databaseImages.export(release.image);
        if (id !== release.imageId)
          throw new BerthError(
            'DEPLOY_IMAGE_NOT_FOUND',
            `${release.image} on this server is image ${id.slice(0, 19)}, not the release's ${release.imageId.slice(0, 19)} (its base image was bootstrapped again since)`,
            { hint: 'Restart the database so berthd resolves its image anew.' },
          );
      });
      return;
    }
    const pinned = release.pull?.ref;
    if (pinned !== undefined && access) {
      await this.once(pinned, () => this.pullWithRetries(pinned, access, release.imageId));
      return;
    }
    if (release.image.startsWith('localhost/')) {
      throw new BerthError(
        'DEPLOY_IMAGE_NOT_FOUND',
        `Image ${release.image} (${release.imageId.slice(0, 19)}) is not on this server, and the fleet has no registry to pull it from`,
        {
          hint: 'Run berth up with --registry-listen (the fleet registry), or load the image on every server that runs the app.',
        },
      );
    }
    // An image of another registry, resolved on another server: pulled here by its name, and
    // taken only if the name still gives the image the release was resolved to.
    await this.once(release.image, async () => {
      const found = await this.engine.resolveImage(release.image);
      if (found.imageId !== release.imageId) {
        throw new BerthError(
          'DEPLOY_IMAGE_PULL_FAILED',
          `${release.image} now names image ${found.imageId.slice(0, 19)}, not the release's ${release.imageId.slice(0, 19)} (the tag moved)`,
          { hint: 'Deploy again to resolve the tag anew, or deploy the image by digest (name@sha256:…).' },
        );
      }
    });
  }

  /** One pull per name at a time: replicas of one release starting together share it. */
  private async once(name: string, pull: () => Promise<void>): Promise<void> {
    let running = this.pulls.get(name);
    if (!running) {
      running = pull().finally(() => this.pulls.delete(name));
      this.pulls.set(name, running);
    }
    await running;
  }

  private async pullWithRetries(ref: string, access: FleetRegistryAccess, imageId: string): Promise<void> {
    let pulled: { imageId: string };
    for (let attempt = 1; ; attempt++) {
      try {
        pulled = await this.engine.pullImage(ref, this.access(access));
        break;
      } catch (err) {
        const retryable = err instanceof BerthError && err.code === 'DEPLOY_IMAGE_PULL_FAILED';
        if (!retryable || attempt >= PULL_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, PULL_RETRY_MS));
      }
    }
    // A digest names one manifest, whose config is the image id: this holds unless the push lied.
    if (pulled.imageId !== imageId) {
      throw new BerthError(
        'DEPLOY_IMAGE_PULL_FAILED',
        `${ref} is image ${pulled.imageId.slice(0, 19)}, not the release's ${imageId.slice(0, 19)}`,
      );
    }
  }
}
