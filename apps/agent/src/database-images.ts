/**
 * The images managed databases run from (`localhost/berth/db-postgres:bookworm`, …): made on this
 * server by `berth images bootstrap` in the build sandbox's base store, and handed to the engine
 * that runs apps the first time one is needed (an `image.resolve` from berthd, or a replica's
 * start after the engine lost the image to a prune). No other image is ever taken from the
 * base store this way: databaseEngineOfImage names the only ones.
 */
import {
  imageLabels,
  type ContainerEngine,
  type EngineHttpClient,
  type ResolvedImage,
  type SandboxedBuilder,
} from '@berth/engine';
import { BerthError, DATABASE_IMAGE_KINDS, databaseBaseImage, databaseEngineOfImage } from '@berth/protocol';

/**
 * The sandbox storage the exports go through: a reserved id (ID_PATTERN's shape, so the builder
 * takes it) whose `sys` prefix no Berth id has. Never a real team's: the export would queue
 * behind that team's builds (one session per team at a time) and leave its layout in that
 * team's directory. One shared id also means one export at a time on the server, which is right:
 * each copies hundreds of MB.
 */
export const DATABASE_IMAGES_SCOPE = 'sys_databaseimagesexport';

/** Measured 9–21 s per image here; a slow disk gets ample room, a stuck sandbox does not hang the loop. */
const EXPORT_TIMEOUT_MS = 10 * 60_000;

export interface DatabaseImagesDeps {
  engine: Pick<ContainerEngine, 'resolveImage'>;
  /** The engine's API, for the exporter's import and a look-up by name that never pulls. */
  engineApi: EngineHttpClient;
  /** The build sandbox, or why it cannot run here. */
  builder: SandboxedBuilder | BerthError;
}

export class DatabaseImages {
  /** Exports under way, by engine reference: concurrent callers wait for the same one. */
  private readonly exports = new Map<string, Promise<string>>();

  constructor(private readonly deps: DatabaseImagesDeps) {}

  /** The `image.resolve` RPC: a database image missing from the engine is exported first. */
  async resolve(ref: string): Promise<ResolvedImage> {
    if (databaseEngineOfImage(ref) !== null && (await imageLabels(this.deps.engineApi, ref)) === null)
      await this.export(ref);
    return this.deps.engine.resolveImage(ref);
  }

  /**
   * Hands the database image `ref` to the engine from the base store; returns its id there.
   * Throws DEPLOY_IMAGE_NOT_FOUND when the server cannot: no bootstrapped image, no sandbox.
   */
  export(ref: string): Promise<string> {
    let running = this.exports.get(ref);
    if (!running) {
      running = this.exportOnce(ref).finally(() => this.exports.delete(ref));
      this.exports.set(ref, running);
    }
    return running;
  }

  private async exportOnce(ref: string): Promise<string> {
    const engine = databaseEngineOfImage(ref);
    if (engine === null)
      throw new BerthError('DEPLOY_IMAGE_NOT_FOUND', `${ref} is not an image of a managed database`);
    const { builder } = this.deps;
    const bootstrap = `berth images bootstrap --only ${DATABASE_IMAGE_KINDS[engine]}`;
    if (builder instanceof BerthError) {
      throw new BerthError(
        'DEPLOY_IMAGE_NOT_FOUND',
        `${ref} is not on this server, and it cannot be made here: the build sandbox cannot run (${builder.message})`,
        { hint: `Fix the build sandbox (berth doctor), then run ${bootstrap}` },
      );
    }
    const image = databaseBaseImage(engine);
    const signal = AbortSignal.timeout(EXPORT_TIMEOUT_MS);
    try {
      return await builder.exportToEngine(DATABASE_IMAGES_SCOPE, {
        image,
        engineRef: ref,
        engine: this.deps.engineApi,
        signal,
      });
    } catch (err) {
      // Told apart by asking the base store (as a build's check of its base images does, without
      // network: a base-store session would need egress), not by reading skopeo's words.
      const present = await builder
        .team(
          DATABASE_IMAGES_SCOPE,
          'none',
          signal,
          async ({ http }) => (await imageLabels(http, image)) !== null,
        )
        .catch(() => true);
      if (present) throw err;
      throw new BerthError(
        'DEPLOY_IMAGE_NOT_FOUND',
        `The database image ${image} is not on this server: its base images were not bootstrapped`,
        { hint: `Run ${bootstrap}, then try again` },
      );
    }
  }
}
