import { canonicalImageRef, fleetRegistryOwner, imageOrigin, parseImageRef } from '@berth/core';
import { BerthError, databaseEngineOfImage } from '@berth/protocol';
import type { Repos, TeamRow } from '@berth/store';

/**
 * Which images a team may run. Images from registries: any team (what a registry serves, it
 * serves to whoever asks). Images Berth built (`localhost/berth/<app>:<tag>`): only the team
 * whose app's build made them. Other images of the host's engine (`localhost/…`: `podman
 * build`, `import`, `load`): only teams an installation owner allows. Image ids never get here:
 * the API refuses them as input (DEPLOY_IMAGE_REF_PATTERN), and the agent resolves only the
 * exact name it is given. The answer is the same whether another team's app exists or not.
 * The engine images of managed databases (`localhost/berth/db-<engine>:bookworm`) are Berth's:
 * any team's may run them.
 * Names in the fleet's own registry (`fleetRegistry`, its address): none. berthd puts images
 * there and names them itself (each team's under its own prefix); a person never needs to, and
 * a name there must not reach another team's image.
 */
export async function checkImageUse(
  repos: Repos,
  team: TeamRow,
  ref: string,
  fleetRegistry: string | null = null,
): Promise<void> {
  const parts = parseImageRef(ref);
  if (!parts) throw new BerthError('VALIDATION_FAILED', `Invalid image reference: ${JSON.stringify(ref)}`);
  if (fleetRegistry !== null) {
    if (fleetRegistryOwner(ref, fleetRegistry).kind !== 'elsewhere') {
      throw new BerthError(
        'IMAGE_NOT_ALLOWED',
        `${ref} names the fleet's own registry, which Berth alone names`,
        {
          hint: 'Deploy the image by the name it was built or loaded under; Berth moves it between servers itself.',
        },
      );
    }
  }
  const origin = imageOrigin(parts);
  switch (origin.kind) {
    case 'registry':
      return;
    case 'berth': {
      // A managed database's engine image: Berth's own, from Debian's packages, no team's data.
      if (databaseEngineOfImage(canonicalImageRef(parts)) !== null) return;
      const owners = await repos.builds.appIdsWithImage(canonicalImageRef(parts));
      for (const id of owners) if ((await repos.apps.getById(id))?.teamId === team.id) return;
      throw notBuiltHere(ref, team);
    }
    case 'local':
      if ((await repos.teamSettings.get(team.id)).allowLocalImages) return;
      throw new BerthError(
        'IMAGE_NOT_ALLOWED',
        `Team ${team.name} may not deploy images of the host's engine (${ref})`,
        {
          hint: `Push the image to a registry, or ask an installation owner to run: berth teams allow-local-images ${team.name}`,
        },
      );
  }
}

/**
 * After the agent resolved an image: one that Berth built (its `berth.app` label) runs only in
 * the team of that app, under whatever name it was found. Labels of a registry's image are its
 * publisher's to choose, so this can only refuse, never allow.
 */
export async function checkResolvedImage(
  repos: Repos,
  team: TeamRow,
  ref: string,
  builtFor: string | null | undefined,
): Promise<void> {
  if (!builtFor) return;
  if ((await repos.apps.getById(builtFor))?.teamId === team.id) return;
  throw notBuiltHere(ref, team);
}

const notBuiltHere = (ref: string, team: TeamRow): BerthError =>
  new BerthError('IMAGE_NOT_ALLOWED', `${ref} is not an image built for an app of team ${team.name}`, {
    hint: 'Images Berth builds belong to the team of their app: deploy one of your apps from source, or name an image of a registry',
  });
