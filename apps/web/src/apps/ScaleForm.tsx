import { useRef, useState, type FormEvent } from 'react';
import { useScale } from '../api/app-changes.js';
import type { App } from '../api/paths.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { changeNote } from './change-note.js';
import { MAX_REPLICAS, parseReplicas } from './change-input.js';
import { FieldNote, fieldNoteId } from '../controls/FieldNote.js';

/** How many replicas the app runs (scaleApp), for who may deploy it. */
export function ScaleForm({ app }: { app: App }) {
  const scale = useScale(app.name);
  // null: not edited, so the field follows the app's count as the page re-reads it.
  const [draft, setDraft] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const value = draft ?? String(app.replicas);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const parsed = parseReplicas(value);
    if (!parsed.ok) {
      setInvalid(parsed.error);
      field.current?.focus();
      return;
    }
    setInvalid(null);
    setNote('');
    const replicas = parsed.value;
    scale.mutate(replicas, {
      onSuccess: (answer) => {
        setDraft(null);
        setNote(
          changeNote(`Scaled to ${replicas} ${replicas === 1 ? 'replica' : 'replicas'}`, answer.deployment),
        );
      },
    });
  };

  return (
    <section aria-labelledby="scale-heading">
      <h2 id="scale-heading">Scale</h2>
      <form className="change-form" onSubmit={submit} noValidate>
        <div className="inline-fields">
          <div className="field field-narrow">
            <label htmlFor="scale-replicas">Replica count</label>
            <input
              ref={field}
              id="scale-replicas"
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_REPLICAS}
              step={1}
              required
              aria-invalid={invalid !== null}
              aria-describedby={fieldNoteId('scale', invalid)}
              value={value}
              onChange={(e) => setDraft(e.target.value)}
            />
          </div>
          <button type="submit" className="button" disabled={scale.isPending}>
            {scale.isPending ? 'Saving…' : 'Scale'}
          </button>
        </div>
        <FieldNote id="scale" error={invalid}>
          Now {app.replicas}. From 0 (stopped) to {MAX_REPLICAS}.
        </FieldNote>
      </form>
      {scale.isError ? <ProblemAlert error={scale.error} title="Could not scale the app" /> : null}
      <p role="status" className="status-text">
        {note}
      </p>
    </section>
  );
}
