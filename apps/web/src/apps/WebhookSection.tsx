import { useState } from 'react';
import type { App } from '../api/paths.js';
import { useWebhook } from '../api/queries.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { CopyField } from './CopyField.js';

/**
 * Push to deploy, for an app built from git: the webhook URL to paste into GitHub (or another
 * git host) and the secret that signs its deliveries. Only who may change the app reads them
 * (berthd refuses others); the secret shows only when asked for.
 */
export function WebhookSection({ app }: { app: App }) {
  const webhook = useWebhook(app.name);
  const [showSecret, setShowSecret] = useState(false);
  const branch = webhook.data?.branch ?? null;

  return (
    <section aria-labelledby="webhook-heading">
      <h2 id="webhook-heading">Push to deploy</h2>
      <p className="muted">
        Add a push webhook at your git host with this URL (GitHub: content type application/json) and the
        secret; {branch ? <>a push to {branch} </> : 'a push '}then builds and deploys {app.name}.
      </p>
      {webhook.isPending ? <p aria-live="polite">Loading the webhook…</p> : null}
      {webhook.isError ? <ProblemAlert error={webhook.error} title="Could not load the webhook" /> : null}
      {webhook.data ? (
        <>
          <CopyField label="GitHub webhook URL" value={webhook.data.github} />
          <CopyField label="Webhook URL for other git hosts" value={webhook.data.generic} />
          {showSecret ? (
            <CopyField label="Webhook secret" value={webhook.data.secret} />
          ) : (
            <button type="button" className="button button-quiet" onClick={() => setShowSecret(true)}>
              Show the secret
            </button>
          )}
        </>
      ) : null}
    </section>
  );
}
