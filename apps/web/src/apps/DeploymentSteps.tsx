import type { Deployment, DeploymentEvent } from '../api/paths.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { deploymentRunning, statusWords } from './app-status.js';
import { formatElapsed, formatStepOffset, stepAnnouncement } from './deployment-steps.js';
import { useNow } from './Time.js';
import { useDeploymentSteps } from './useDeploymentSteps.js';

const LEVEL_WORDS: Readonly<Record<DeploymentEvent['level'], string | null>> = {
  info: null,
  warn: 'Warning:',
  error: 'Error:',
};

/**
 * One deployment's steps, under its row in the Deployments table: each with how long after the
 * deployment was created it came, and its message (text only). A running deployment's come as
 * berthd writes them (see useDeploymentSteps), the newest announced to screen readers, with the
 * time it has been running ticking above.
 */
export function DeploymentSteps({ deployment: d, id }: { deployment: Deployment; id: string }) {
  const running = deploymentRunning(d.status);
  const { steps, ended, connection, error, following } = useDeploymentSteps(d.id, running);
  const version = `v${d.releaseVersion}`;
  const newest = steps.at(-1);
  const announcement = !following
    ? ''
    : ended
      ? `${version} ${statusWords(ended.status)}`
      : newest
        ? stepAnnouncement(newest)
        : '';

  return (
    <div id={id} className="steps">
      {following && running && ended === null && connection !== 'failed' ? (
        <RunningFor since={d.createdAt} queued={d.status === 'queued'} />
      ) : null}
      {steps.length > 0 ? (
        <ol className="steps-list" aria-label={`Steps of ${version}`}>
          {steps.map((step) => (
            <Step key={step.seq} step={step} origin={d.createdAt} />
          ))}
        </ol>
      ) : connection === 'connecting' ? (
        <p className="steps-note">Loading steps…</p>
      ) : connection === 'failed' ? null : (
        <p className="steps-note">No steps yet.</p>
      )}
      {connection === 'reconnecting' ? (
        <p className="steps-note">Connection to berthd lost: reconnecting…</p>
      ) : null}
      {connection === 'failed' ? (
        <ProblemAlert error={error} title={`Could not load the steps of ${version}`} />
      ) : null}
      <p className="visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement}
      </p>
    </div>
  );
}

function Step({ step, origin }: { step: DeploymentEvent; origin: string }) {
  const exact = new Date(step.at);
  const level = LEVEL_WORDS[step.level];
  return (
    <li className={`step step-${step.level}`}>
      <time
        className="step-time"
        dateTime={step.at}
        title={Number.isNaN(exact.getTime()) ? step.at : exact.toLocaleString()}
      >
        {formatStepOffset(origin, step.at) ?? step.at}
      </time>{' '}
      <span className="step-message">
        {level ? <span className="step-level">{level} </span> : null}
        {step.message}
      </span>
    </li>
  );
}

/** "Running for 12 s", counted from when the deployment was created (queued), every second. */
function RunningFor({ since, queued }: { since: string; queued: boolean }) {
  const now = useNow(1_000);
  const start = Date.parse(since);
  if (Number.isNaN(start)) return null;
  return (
    <p className="steps-elapsed">
      {queued ? 'Queued' : 'Running'} for <span className="num">{formatElapsed(now - start)}</span>
    </p>
  );
}
