import { useRef, useState, type FormEvent } from 'react';
import { usePatchSecrets, type VariablesPatch } from '../api/app-changes.js';
import type { App } from '../api/paths.js';
import { useSecrets } from '../api/queries.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { changeNote } from './change-note.js';
import { isVariableName, parseSecret } from './change-input.js';
import { Age, useNow } from './Time.js';
import { FieldNote, fieldNoteId } from '../controls/FieldNote.js';

/**
 * An app's secrets, by name only: berthd never answers a value, and the page never keeps one
 * (the value field is cleared once berthd has it). Who may write secrets sets and unsets them.
 */
export function SecretsSection({ app, canEdit }: { app: App; canEdit: boolean }) {
  const secrets = useSecrets(app.name);
  const patch = usePatchSecrets(app.name);
  const now = useNow();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const nameField = useRef<HTMLInputElement>(null);
  const valueField = useRef<HTMLInputElement>(null);

  const send = (change: VariablesPatch, done: string, onDone?: () => void): void => {
    setNote('');
    patch.mutate(change, {
      onSuccess: (answer) => {
        setNote(changeNote(done, answer.deployment));
        onDone?.();
        // Drops the request (and the value in it) from memory: gcTime is 0.
        patch.reset();
      },
    });
  };

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const parsed = parseSecret(name, value);
    if (!parsed.ok) {
      setInvalid(parsed.error);
      (isVariableName(name.trim()) ? valueField : nameField).current?.focus();
      return;
    }
    setInvalid(null);
    const [sentName, sentValue] = [name, value];
    // A secret typed while this one was being saved stays in the fields.
    send({ set: { [parsed.value.name]: parsed.value.value } }, `Set secret ${parsed.value.name}`, () => {
      setName((now) => (now === sentName ? '' : now));
      setValue((now) => (now === sentValue ? '' : now));
    });
  };

  const unsetting = (key: string): boolean => patch.isPending && (patch.variables.unset ?? []).includes(key);
  const list = secrets.data ?? [];
  const nameIsBad = invalid !== null && !isVariableName(name.trim());

  return (
    <section aria-labelledby="secrets-heading">
      <h2 id="secrets-heading">Secrets</h2>
      {secrets.isError ? <ProblemAlert error={secrets.error} title="Could not load the secrets" /> : null}
      {secrets.isSuccess && list.length === 0 ? <p>No secrets.</p> : null}
      {list.length > 0 ? (
        <div className="table-scroll" role="region" aria-label="Secret names" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Given as</th>
                <th scope="col">Changed</th>
                {canEdit ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {list.map((secret) => (
                <tr key={secret.key}>
                  <th scope="row" className="mono">
                    {secret.key}
                  </th>
                  <td className="mono">{secret.file ?? 'environment variable'}</td>
                  <td>
                    <Age iso={secret.updatedAt} now={now} />
                  </td>
                  {canEdit ? (
                    <td className="cell-actions">
                      <button
                        type="button"
                        className="button button-quiet button-small"
                        aria-label={`Unset ${secret.key}`}
                        disabled={patch.isPending}
                        onClick={() => send({ unset: [secret.key] }, `Unset secret ${secret.key}`)}
                      >
                        {unsetting(secret.key) ? 'Saving…' : 'Unset'}
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
              <label htmlFor="secret-name">Secret name</label>
              <input
                ref={nameField}
                id="secret-name"
                type="text"
                className="mono"
                autoComplete="off"
                spellCheck={false}
                required
                maxLength={128}
                aria-invalid={nameIsBad}
                aria-describedby={fieldNoteId('secret', invalid)}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor="secret-value">Secret value</label>
              <input
                ref={valueField}
                id="secret-value"
                type="password"
                autoComplete="new-password"
                spellCheck={false}
                required
                aria-invalid={invalid !== null && !nameIsBad}
                aria-describedby={fieldNoteId('secret', invalid)}
                value={value}
                onChange={(e) => setValue(e.target.value)}
              />
            </div>
            <button type="submit" className="button" disabled={patch.isPending}>
              {patch.isPending && patch.variables.set ? 'Saving…' : 'Set secret'}
            </button>
          </div>
          <FieldNote id="secret" error={invalid}>
            Stored encrypted and never shown again, here or anywhere.
          </FieldNote>
        </form>
      ) : null}
      {patch.isError ? <ProblemAlert error={patch.error} title="Could not change the secrets" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
