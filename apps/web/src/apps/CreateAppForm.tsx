import { useEffect, useRef, useState, type ChangeEvent, type FormEvent, type RefObject } from 'react';
import { useCreateApp } from '../api/app-create.js';
import { FieldNote, fieldNoteId } from '../controls/FieldNote.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { Link } from '../routing/Link.js';
import { navigate } from '../routing/navigation.js';
import { EMPTY_NEW_APP, parseNewApp, sameInput, type NewAppField, type NewAppInput } from './new-app.js';

/** What came of a create the page did not leave for: the app exists, deployed or not. */
interface Created {
  name: string;
  deployedVersion: number | null;
  deployError: unknown;
}

/**
 * The overview's New app form: createApp in the team shown, then (by default) its first
 * deployment, then the app's page, where the deployment's steps show live. A newcomer needs
 * nothing else to get from `berth up` to an app served.
 */
export function CreateAppForm({ team }: { team: string }) {
  const create = useCreateApp(team);
  const [input, setInput] = useState<NewAppInput>(EMPTY_NEW_APP);
  const [deploy, setDeploy] = useState(true);
  const [invalid, setInvalid] = useState<{ field: NewAppField; message: string } | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  // The form as it is now, for an answer that arrives after the user typed on.
  const latest = useRef(input);
  useEffect(() => {
    latest.current = input;
  });
  const refs: Record<NewAppField, RefObject<HTMLInputElement | null>> = {
    name: useRef<HTMLInputElement>(null),
    image: useRef<HTMLInputElement>(null),
    port: useRef<HTMLInputElement>(null),
    health: useRef<HTMLInputElement>(null),
  };

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const parsed = parseNewApp(input);
    if (!parsed.ok) {
      setInvalid({ field: parsed.field, message: parsed.error });
      refs[parsed.field].current?.focus();
      return;
    }
    setInvalid(null);
    setCreated(null);
    const sent = input;
    create.mutate(
      { request: parsed.value, deploy },
      {
        onSuccess: ({ app, deployedVersion, deployError }) => {
          // Only a form that still holds what was sent is cleared or left: the user may have
          // started on the next app while this one was being made.
          const untouched = sameInput(latest.current, sent);
          if (untouched && deployedVersion !== null) {
            navigate({ kind: 'app', app: app.name });
            return;
          }
          setInput((now) => (sameInput(now, sent) ? EMPTY_NEW_APP : now));
          setCreated({ name: app.name, deployedVersion, deployError });
        },
      },
    );
  };

  const error = (field: NewAppField): string | null => (invalid?.field === field ? invalid.message : null);
  const fieldProps = (field: NewAppField) => ({
    ref: refs[field],
    id: `new-app-${field}`,
    type: 'text',
    autoComplete: 'off',
    spellCheck: false,
    'aria-invalid': invalid?.field === field,
    'aria-describedby': fieldNoteId(`new-app-${field}`, error(field)),
    value: input[field],
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      const value = e.target.value;
      setInput((now) => ({ ...now, [field]: value }));
    },
  });

  return (
    <section aria-labelledby="new-app-heading">
      <h2 id="new-app-heading">New app</h2>
      <form className="change-form" onSubmit={submit} noValidate aria-labelledby="new-app-heading">
        <div className="inline-fields inline-fields-top">
          <div className="field">
            <label htmlFor="new-app-name">App name</label>
            <input {...fieldProps('name')} className="mono" required maxLength={32} />
            <FieldNote id="new-app-name" error={error('name')}>
              Lower-case letters, digits and hyphens; its address starts with it.
            </FieldNote>
          </div>
          <div className="field">
            <label htmlFor="new-app-image">Image</label>
            <input {...fieldProps('image')} className="mono" required maxLength={255} />
            <FieldNote id="new-app-image" error={error('image')}>
              For example nginx:1.27 or ghcr.io/acme/api:2.
            </FieldNote>
          </div>
          <div className="field field-narrow">
            <label htmlFor="new-app-port">Port</label>
            <input {...fieldProps('port')} inputMode="numeric" required maxLength={5} />
            <FieldNote id="new-app-port" error={error('port')}>
              The one it listens on inside its container.
            </FieldNote>
          </div>
          <div className="field">
            <label htmlFor="new-app-health">Health check path</label>
            <input {...fieldProps('health')} className="mono" maxLength={256} />
            <FieldNote id="new-app-health" error={error('health')}>
              Must answer 2xx or 3xx before it serves; empty for /.
            </FieldNote>
          </div>
        </div>
        <div className="form-actions">
          <label className="check">
            <input type="checkbox" checked={deploy} onChange={(e) => setDeploy(e.target.checked)} />
            Deploy it now
          </label>
          <button type="submit" className="button" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : deploy ? 'Create and deploy' : 'Create app'}
          </button>
        </div>
      </form>
      {create.isError ? <ProblemAlert error={create.error} title="Could not create the app" /> : null}
      {created?.deployError ? (
        <ProblemAlert
          error={created.deployError}
          title={`Created ${created.name}, but its deployment did not start`}
        />
      ) : null}
      <p role="status" className="status-text">
        {created ? <CreatedNote created={created} /> : null}
      </p>
    </section>
  );
}

function CreatedNote({ created }: { created: Created }) {
  const link = <Link to={{ kind: 'app', app: created.name }}>{created.name}</Link>;
  if (created.deployedVersion !== null)
    return (
      <>
        Created {link}; its deployment of v{created.deployedVersion} started.
      </>
    );
  return <>Created {link}: deploy it from its page.</>;
}
