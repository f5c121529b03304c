import { useRef, useState, type FormEvent } from 'react';
import { useDeploy } from '../api/app-changes.js';
import type { App } from '../api/paths.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { parseImage } from './change-input.js';
import { FieldNote, fieldNoteId } from '../controls/FieldNote.js';

/**
 * A new deployment (deployApp): of another image, or of the app as it is (a redeploy). It shows
 * in the deployments list below as soon as berthd has queued it.
 */
export function DeployForm({ app }: { app: App }) {
  const deploy = useDeploy(app.name);
  const [image, setImage] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const field = useRef<HTMLInputElement>(null);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const parsed = parseImage(image);
    if (!parsed.ok) {
      setInvalid(parsed.error);
      field.current?.focus();
      return;
    }
    setInvalid(null);
    setNote('');
    const sent = image;
    deploy.mutate(parsed.value, {
      onSuccess: (deployment) => {
        // An image typed while this deploy was being sent stays in the field.
        setImage((now) => (now === sent ? '' : now));
        setNote(`Deployment of v${deployment.releaseVersion} started: see Deployments below.`);
      },
    });
  };

  return (
    <section aria-labelledby="deploy-heading">
      <h2 id="deploy-heading">Deploy</h2>
      <form className="change-form" onSubmit={submit} noValidate>
        <div className="inline-fields">
          <div className="field">
            <label htmlFor="deploy-image">Image</label>
            <input
              ref={field}
              id="deploy-image"
              type="text"
              className="mono"
              autoComplete="off"
              spellCheck={false}
              maxLength={255}
              aria-invalid={invalid !== null}
              aria-describedby={fieldNoteId('deploy', invalid)}
              value={image}
              onChange={(e) => setImage(e.target.value)}
            />
          </div>
          <button type="submit" className="button" disabled={deploy.isPending}>
            {deploy.isPending ? 'Saving…' : 'Deploy'}
          </button>
        </div>
        <FieldNote id="deploy" error={invalid}>
          Leave it empty to redeploy{' '}
          {app.source ? 'from its source' : <span className="mono">{app.image}</span>}.
        </FieldNote>
      </form>
      {deploy.isError ? <ProblemAlert error={deploy.error} title="Could not start the deployment" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
