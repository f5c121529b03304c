import { useRef, useState, type FormEvent } from 'react';
import { usePatchEnv, type VariablesPatch } from '../api/app-changes.js';
import type { App } from '../api/paths.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { changeNote } from './change-note.js';
import { parseAssignment } from './change-input.js';
import { FieldNote, fieldNoteId } from '../controls/FieldNote.js';

/**
 * An app's environment variables, values as plain text; who may deploy the app sets and removes
 * them (patchEnv: a deployed app rolls out a new release).
 */
export function EnvSection({ app, canEdit }: { app: App; canEdit: boolean }) {
  const patch = usePatchEnv(app.name);
  const [input, setInput] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const names = Object.keys(app.env).sort();

  const send = (change: VariablesPatch, done: string, onDone?: () => void): void => {
    setNote('');
    patch.mutate(change, {
      onSuccess: (answer) => {
        setNote(changeNote(done, answer.deployment));
        onDone?.();
      },
    });
  };

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const parsed = parseAssignment(input);
    if (!parsed.ok) {
      setInvalid(parsed.error);
      field.current?.focus();
      return;
    }
    setInvalid(null);
    const { name, value } = parsed.value;
    const sent = input;
    // What was typed since the click (the next variable, while this one saves) stays.
    send({ set: { [name]: value } }, `Set ${name}`, () => setInput((now) => (now === sent ? '' : now)));
  };

  const removing = (name: string): boolean => patch.isPending && (patch.variables.unset ?? []).includes(name);

  return (
    <section aria-labelledby="env-heading">
      <h2 id="env-heading">Environment</h2>
      {names.length === 0 ? <p>No variables.</p> : null}
      {names.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="Environment variables" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                {canEdit ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {names.map((name) => (
                <tr key={name}>
                  <th scope="row" className="mono">
                    {name}
                  </th>
                  <td className="mono cell-value">{app.env[name]}</td>
                  {canEdit ? (
                    <td className="cell-actions">
                      <button
                        type="button"
                        className="button button-quiet button-small"
                        aria-label={`Remove ${name}`}
                        disabled={patch.isPending}
                        onClick={() => send({ unset: [name] }, `Removed ${name}`)}
                      >
                        {removing(name) ? 'Saving…' : 'Remove'}
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {canEdit ? (
        <form className="change-form" onSubmit={submit} noValidate>
          <div className="inline-fields">
            <div className="field">
              <label htmlFor="env-input">Variable (NAME=value)</label>
              <input
                ref={field}
                id="env-input"
                type="text"
                className="mono"
                autoComplete="off"
                spellCheck={false}
                required
                aria-invalid={invalid !== null}
                aria-describedby={fieldNoteId('env-input', invalid)}
                value={input}
                onChange={(e) => setInput(e.target.value)}
              />
            </div>
            <button type="submit" className="button" disabled={patch.isPending}>
              {patch.isPending && patch.variables.set ? 'Saving…' : 'Set variable'}
            </button>
          </div>
          <FieldNote id="env-input" error={invalid}>
            Adds the variable, or gives it a new value. The value is everything after the first =.
          </FieldNote>
        </form>
      ) : null}
      {patch.isError ? <ProblemAlert error={patch.error} title="Could not change the variables" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
