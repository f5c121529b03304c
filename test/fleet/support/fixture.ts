/**
 * One fleet per test file, shared by its scenarios: started (and images seeded) once in
 * `before`, stopped in `after` — which node:test runs when a test fails too.
 *
 *   const fleet = useFleet({ id: 'j', servers: 3, images: [HELLO_V1] });
 *   test('…', async () => { fleet().server(1).exec(…) });
 */
import { after, before } from 'node:test';
import { startFleet, type Fleet, type FleetOptions } from './harness.js';

export interface UseFleetOptions extends FleetOptions {
  /** Host images to copy into the servers' storage once (see Fleet.seedImage). */
  images?: readonly string[];
  /** The servers (numbers) that get `images`; every one by default, the others pull them. */
  imagesOn?: readonly number[];
  /** Called before the fleet starts (e.g. to build the images). */
  prepare?: () => Promise<void>;
}

export function useFleet(options: UseFleetOptions): () => Fleet {
  let fleet: Fleet | null = null;
  before(
    async () => {
      await options.prepare?.();
      fleet = await startFleet(options);
      for (const ref of options.images ?? []) await fleet.seedImage(ref, options.imagesOn);
    },
    { timeout: 120_000 },
  );
  after(async () => {
    await fleet?.stop();
  });
  return () => {
    if (fleet === null)
      throw new Error('the fleet is not started (useFleet must be called at the top of a test file)');
    return fleet;
  };
}
