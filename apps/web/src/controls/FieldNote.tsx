import type { ReactNode } from 'react';

/** The id of the note FieldNote shows under field `id`: for the field's aria-describedby. */
export const fieldNoteId = (id: string, error: string | null): string =>
  `${id}-${error !== null ? 'error' : 'help'}`;

/** Under a field: what is wrong with its value when something is, else how to fill it in. */
export function FieldNote({
  id,
  error,
  children,
}: {
  id: string;
  error: string | null;
  children: ReactNode;
}) {
  return error !== null ? (
    <p id={fieldNoteId(id, error)} className="field-error">
      {error}
    </p>
  ) : (
    <p id={fieldNoteId(id, error)} className="field-help">
      {children}
    </p>
  );
}
