import { describeError } from './problem.js';

/** A failure as a person reads it: what happened, what to do, and the particulars. Text only. */
export function ProblemAlert({ error, title }: { error: unknown; title?: string }) {
  const { message, hint, fields, logs, requestId } = describeError(error);
  return (
    <div className="alert" role="alert">
      {title ? <p className="alert-title">{title}</p> : null}
      <p className="alert-message">{message}</p>
      {fields.length > 0 ? (
        <ul className="alert-fields">
          {fields.map((field) => (
            <li key={field}>{field}</li>
          ))}
        </ul>
      ) : null}
      {hint ? <p className="alert-hint">{hint}</p> : null}
      {logs.length > 0 ? (
        <details>
          <summary>Last log lines</summary>
          <pre className="logs">{logs.join('\n')}</pre>
        </details>
      ) : null}
      {requestId ? <p className="alert-request">Request id: {requestId}</p> : null}
    </div>
  );
}
