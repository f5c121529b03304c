import { useLayoutEffect, useRef } from 'react';
import type { Build } from '../api/paths.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { statusWords } from './app-status.js';
import { buildRunning, MAX_BUILD_LINES } from './build-log.js';
import { formatStepOffset } from './deployment-steps.js';
import { useBuildLog } from './useBuildLog.js';

/** How close to the bottom (px) counts as at the bottom: the view then keeps up with new lines. */
const STICK_PX = 24;

/**
 * One build's log, under its row in the Builds table: each line with how long after the build
 * started it came, as text. A build under way sends its lines as it writes them (useBuildLog);
 * the view follows the newest while scrolled to the bottom. Its end is announced.
 */
export function BuildLog({ app, build: b, id }: { app: string; build: Build; id: string }) {
  const { lines, ended, connection, error, following } = useBuildLog(app, b.number, buildRunning(b.status));
  const view = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const origin = b.startedAt ?? b.createdAt;

  useLayoutEffect(() => {
    const el = view.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const onScroll = (): void => {
    const el = view.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
  };

  return (
    <div id={id} className="build-log">
      {lines.length > 0 ? (
        <div
          ref={view}
          className="log-view log-view-build"
          role="region"
          aria-label={`Log of build #${b.number}`}
          tabIndex={0}
          onScroll={onScroll}
        >
          <ol className="log-lines">
            {lines.map((l) => (
              <li key={l.seq} className="log-line">
                <time className="log-time" dateTime={l.at} title={l.at}>
                  {formatStepOffset(origin, l.at) ?? l.at}
                </time>
                <span className="log-text">{l.line}</span>
              </li>
            ))}
          </ol>
        </div>
      ) : connection === 'connecting' ? (
        <p className="steps-note">Loading the log…</p>
      ) : connection === 'failed' ? null : (
        <p className="steps-note">No log lines yet.</p>
      )}
      {lines.length >= MAX_BUILD_LINES ? (
        <p className="steps-note">
          Only the newest {MAX_BUILD_LINES} lines are shown:{' '}
          <span className="mono">
            berth logs {app} --build {b.number}
          </span>{' '}
          prints them all.
        </p>
      ) : null}
      {connection === 'reconnecting' ? (
        <p className="steps-note">Connection to berthd lost: reconnecting…</p>
      ) : null}
      {connection === 'failed' ? (
        <ProblemAlert error={error} title={`Could not load the log of build #${b.number}`} />
      ) : null}
      <p className="visually-hidden" aria-live="polite" aria-atomic="true">
        {ended && following ? `Build #${ended.number} ${statusWords(ended.status)}` : ''}
      </p>
    </div>
  );
}
