import type { App } from '../api/paths.js';
import { lastDeployOutcome, lastDeployWho } from './last-deploy.js';
import { Age } from './Time.js';

/** The overview's "Last deploy" cell: "v3 by ada@example.com, 2 min ago, took 14 s". */
export function LastDeploy({ deployment, now }: { deployment: App['lastDeployment']; now: number }) {
  // null: never deployed; undefined: a berthd older than the field.
  if (deployment === null) return <>never</>;
  if (deployment === undefined) return <span className="muted">unknown</span>;
  const outcome = lastDeployOutcome(deployment);
  return (
    <>
      {lastDeployWho(deployment)}, <Age iso={deployment.createdAt} now={now} />
      {outcome === null ? null : `, ${outcome}`}
    </>
  );
}
