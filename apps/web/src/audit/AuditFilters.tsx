import { useRef, useState, type FormEvent } from 'react';
import { FieldNote, fieldNoteId } from '../controls/FieldNote.js';
import { navigate } from '../routing/navigation.js';
import {
  ACTION_RULE,
  auditSearch,
  filterErrors,
  fromLocalInput,
  isFiltered,
  NO_FILTER,
  OUTCOMES,
  toLocalInput,
  type AuditFilter,
  type AuditOutcome,
} from './audit-filter.js';

/** The form's values: the times as the `datetime-local` fields hold them. */
type Draft = AuditFilter;

const draftOf = (filter: AuditFilter): Draft => ({
  ...filter,
  since: toLocalInput(filter.since),
  until: toLocalInput(filter.until),
});

const outcomeOf = (value: string): AuditOutcome | '' => OUTCOMES.find((o) => o === value) ?? '';

/**
 * The filter form. Applying it changes the address (`/audit?…`), which is what the table shows,
 * so back and forward step through filters and a filtered view is a link.
 */
export function AuditFilters({ filter, actions }: { filter: AuditFilter; actions: readonly string[] }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(filter));
  const [errors, setErrors] = useState<Partial<Record<keyof AuditFilter, string>>>({});
  const [shown, setShown] = useState(() => auditSearch(filter));
  const form = useRef<HTMLFormElement>(null);
  // The address changed (applied, cleared, back or forward): the fields show it. Set while
  // rendering rather than by remounting, so focus stays where it was.
  if (shown !== auditSearch(filter)) {
    setShown(auditSearch(filter));
    setDraft(draftOf(filter));
    setErrors({});
  }

  const set =
    (key: keyof Draft) =>
    (value: string): void =>
      setDraft((d) => ({ ...d, [key]: value }));

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const next: AuditFilter = {
      actor: draft.actor.trim(),
      action: draft.action.trim(),
      target: draft.target.trim(),
      outcome: outcomeOf(draft.outcome),
      since: fromLocalInput(draft.since),
      until: fromLocalInput(draft.until),
    };
    const found = filterErrors(next);
    setErrors(found);
    const first = Object.keys(found)[0];
    if (first !== undefined) {
      form.current?.querySelector<HTMLElement>(`#audit-${first}`)?.focus();
      return;
    }
    // The same filter again is no new step in the history.
    if (auditSearch(next) !== shown) navigate({ kind: 'audit', filter: next });
  };

  const text = (key: 'actor' | 'action' | 'target', label: string, help: string, list?: string) => (
    <div className="field">
      <label htmlFor={`audit-${key}`}>{label}</label>
      <input
        id={`audit-${key}`}
        type="text"
        className="mono"
        autoComplete="off"
        spellCheck={false}
        list={list}
        aria-invalid={errors[key] !== undefined}
        aria-describedby={fieldNoteId(`audit-${key}`, errors[key] ?? null)}
        value={draft[key]}
        onChange={(e) => set(key)(e.target.value)}
      />
      <FieldNote id={`audit-${key}`} error={errors[key] ?? null}>
        {help}
      </FieldNote>
    </div>
  );

  return (
    <form
      ref={form}
      className="change-form audit-filters"
      onSubmit={submit}
      noValidate
      aria-label="Filter the log"
    >
      <div className="inline-fields audit-filter-texts">
        {text('actor', 'Actor', 'An email or API token name, exactly.')}
        {text('action', 'Action', `${ACTION_RULE}.`, 'audit-actions')}
        {text('target', 'Target', 'Exactly, like app:web or user:ada@example.com.')}
      </div>
      <datalist id="audit-actions">
        {actions.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <div className="inline-fields">
        <div className="field field-narrow">
          <label htmlFor="audit-outcome">Outcome</label>
          <select id="audit-outcome" value={draft.outcome} onChange={(e) => set('outcome')(e.target.value)}>
            <option value="">any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-since">From</label>
          <input
            id="audit-since"
            type="datetime-local"
            aria-describedby="audit-times-help"
            value={draft.since}
            onChange={(e) => set('since')(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-until">Until</label>
          <input
            id="audit-until"
            type="datetime-local"
            aria-invalid={errors.until !== undefined}
            aria-describedby={errors.until !== undefined ? 'audit-until-error' : 'audit-times-help'}
            value={draft.until}
            onChange={(e) => set('until')(e.target.value)}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="button">
            Apply filters
          </button>
          {isFiltered(filter) ? (
            <button
              type="button"
              className="button button-quiet"
              onClick={() => {
                navigate({ kind: 'audit', filter: NO_FILTER });
                // This button goes with the filter: focus moves to the form's first field.
                form.current?.querySelector<HTMLElement>('#audit-actor')?.focus();
              }}
            >
              Clear filters
            </button>
          ) : null}
        </div>
      </div>
      <p id="audit-times-help" className="field-help">
        Times are in this browser&apos;s time zone.
      </p>
      {errors.until !== undefined ? (
        <p id="audit-until-error" className="field-error">
          {errors.until}
        </p>
      ) : null}
    </form>
  );
}
