import type { Deployment } from '../api/paths.js';

/**
 * What a change to an app did, in a sentence for the page's status line: a deployed app rolls
 * the change out at once (berthd answers the deployment); one not deployed yet keeps it.
 */
export const changeNote = (done: string, deployment: Pick<Deployment, 'releaseVersion'> | null): string =>
  deployment === null
    ? `${done}. It applies when the app is deployed.`
    : `${done}. Deployment of v${deployment.releaseVersion} started.`;
