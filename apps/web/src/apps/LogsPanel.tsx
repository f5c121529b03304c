import { useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { App } from '../api/paths.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import {
  downloadName,
  filterLines,
  formatLogTime,
  logText,
  MAX_LINES,
  shortReplica,
  type LogEntry,
} from './log-buffer.js';
import { useAppLogs, type AppLogs } from './useAppLogs.js';

/** How close to the bottom (px) counts as at the bottom: the view then keeps up with new lines. */
const STICK_PX = 24;
/** How long a download's object URL lives: long enough for the browser to have read it. */
const REVOKE_MS = 10_000;

/**
 * The app's log tail, all replicas merged by time, live: paused (new lines held, not shown),
 * filtered by text and by replica, with or without times, downloaded as shown. Lines are text,
 * whatever they hold. The view follows the newest line while scrolled to the bottom.
 */
export function LogsPanel({ app }: { app: App }) {
  const [health, setHealth] = useState(true);
  const logs = useAppLogs(app.name, health);
  const [text, setText] = useState('');
  const [replica, setReplica] = useState<string | null>(null);
  const [timestamps, setTimestamps] = useState(true);
  const shown = useMemo(() => filterLines(logs.lines, { text, replica }), [logs.lines, text, replica]);
  const id = useId();

  const download = (): void => {
    const blob = new Blob([logText(shown, { timestamps })], { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = downloadName(app.name, new Date());
    link.click();
    window.setTimeout(() => URL.revokeObjectURL(url), REVOKE_MS);
  };

  return (
    <section aria-labelledby={`${id}-heading`} className="logs-panel">
      <h2 id={`${id}-heading`}>Logs</h2>
      <div className="log-controls">
        <div className="field">
          <label htmlFor={`${id}-text`}>Filter lines</label>
          <input
            id={`${id}-text`}
            type="search"
            autoComplete="off"
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="field field-narrow">
          <label htmlFor={`${id}-replica`}>Replica</label>
          <select
            id={`${id}-replica`}
            value={replica ?? ''}
            onChange={(e) => setReplica(e.target.value === '' ? null : e.target.value)}
          >
            <option value="">All replicas</option>
            {logs.replicas.map((r) => (
              <option key={r} value={r}>
                {shortReplica(r, app.name)}
              </option>
            ))}
          </select>
        </div>
        <div className="log-toggles">
          <label className="check">
            <input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} />
            Timestamps
          </label>
          <label className="check">
            <input type="checkbox" checked={health} onChange={(e) => setHealth(e.target.checked)} />
            Health checks
          </label>
        </div>
        <div className="log-buttons">
          <button
            type="button"
            className="button button-small"
            onClick={() => logs.dispatch({ type: logs.paused ? 'resume' : 'pause' })}
          >
            {logs.paused ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            className="button button-quiet button-small"
            onClick={() => logs.dispatch({ type: 'clear' })}
          >
            Clear
          </button>
          <button
            type="button"
            className="button button-quiet button-small"
            disabled={shown.length === 0}
            onClick={download}
          >
            Download
          </button>
        </div>
      </div>
      <LogStatus logs={logs} shown={shown.length} />
      {logs.connection === 'failed' ? (
        <ProblemAlert error={logs.error} title="Could not follow the logs" />
      ) : null}
      <LogView app={app.name} lines={shown} timestamps={timestamps} total={logs.lines.length} />
    </section>
  );
}

const CONNECTION_WORDS: Readonly<Record<AppLogs['connection'], string>> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Connection to berthd lost: reconnecting…',
  failed: 'Stopped',
};

const lines = (n: number): string => `${n} ${n === 1 ? 'line' : 'lines'}`;

function LogStatus({ logs, shown }: { logs: AppLogs; shown: number }) {
  const total = logs.lines.length;
  return (
    <div className="log-status">
      {/* Announced when it changes (connected, lost, paused); the counts below are not. */}
      <p role="status" className="log-state">
        {logs.paused && logs.connection === 'open' ? 'Paused' : CONNECTION_WORDS[logs.connection]}
      </p>
      <p className="log-counts">
        {shown === total ? lines(total) : `${shown} of ${lines(total)} match`}
        {logs.dropped > 0 ? ` (the newest ${MAX_LINES} are kept)` : ''}
        {logs.paused ? `; ${lines(logs.held.length)} held until resumed` : ''}
        {logs.paused && logs.skipped > 0 ? `, ${logs.skipped} older ones let go` : ''}
      </p>
    </div>
  );
}

interface LogViewProps {
  app: string;
  lines: readonly LogEntry[];
  timestamps: boolean;
  total: number;
}

function LogView({ app, lines, timestamps, total }: LogViewProps) {
  const view = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const el = view.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines, timestamps]);

  const onScroll = (): void => {
    const el = view.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
  };

  return (
    <div
      ref={view}
      className="log-view"
      role="region"
      aria-label={`Log lines of ${app}`}
      tabIndex={0}
      onScroll={onScroll}
    >
      {lines.length === 0 ? (
        <p className="log-empty">{total === 0 ? 'No lines yet.' : 'No line matches the filter.'}</p>
      ) : (
        <ol className="log-lines">
          {lines.map((l) => (
            <li key={l.id} className={`log-line log-${l.stream}`}>
              {timestamps ? (
                <time className="log-time" dateTime={l.at} title={l.at}>
                  {formatLogTime(l.at)}
                </time>
              ) : null}
              <span className="log-replica" title={l.replica}>
                {shortReplica(l.replica, app)}
              </span>
              <span className="log-text">
                {l.stream === 'stderr' ? (
                  <span className="log-mark" title="Written to stderr">
                    !{' '}
                  </span>
                ) : null}
                {l.stream === 'berth' ? `berth: ${l.line}` : l.line}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
