import type { Release } from '../api/paths.js';

/** Newest first, as the deployments are listed. */
export const newestFirst = (releases: readonly Release[]): Release[] =>
  [...releases].sort((a, b) => b.version - a.version);

/**
 * Whether berthd can make the release current again (rollbackApp): not the current one, and one
 * whose image was resolved (a release whose deploy never got that far has nothing to run).
 */
export const mayRollBackTo = (release: Pick<Release, 'current' | 'imageId'>): boolean =>
  !release.current && release.imageId !== null;
