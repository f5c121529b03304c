import { useMutation } from '@tanstack/react-query';
import { readAuditPage, readSignedExport } from '../api/audit-queries.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import {
  collectRows,
  EXPORT_MAX_ROWS,
  EXPORT_TYPES,
  exportFileName,
  toCsv,
  toJsonLines,
  type ExportFormat,
} from './audit-export.js';
import type { AuditFilter } from './audit-filter.js';
import { saveFile } from './download.js';

type Kind = ExportFormat | 'signed';

/** What a finished export says. */
const doneWords = (count: number | null, truncated: boolean, name: string): string => {
  if (count === null) return `Saved ${name}: check it with berth audit verify --file ${name}.`;
  const rows = count === 1 ? '1 row' : `${count} rows`;
  return truncated
    ? `Saved ${name}: the oldest ${rows} only, the most one file holds here. Narrow the filter, or use berth audit export.`
    : `Saved ${name}: ${rows}.`;
};

/**
 * Downloads of the rows the filter matches (every page of them, not only those shown), as JSON
 * lines or CSV; for an installation owner also the signed export that `berth audit verify
 * --file` checks.
 */
export function AuditExport({ filter, signed }: { filter: AuditFilter; signed: boolean }) {
  const save = useMutation({
    mutationFn: async (kind: Kind): Promise<string> => {
      if (kind === 'signed') {
        const name = exportFileName('jsonl', new Date()).replace('berth-audit-', 'berth-audit-signed-');
        saveFile(await readSignedExport(), name);
        return doneWords(null, false, name);
      }
      const { rows, truncated } = await collectRows(readAuditPage(filter), EXPORT_MAX_ROWS);
      const name = exportFileName(kind, new Date());
      const body = kind === 'csv' ? toCsv(rows) : toJsonLines(rows);
      saveFile(new Blob([body], { type: EXPORT_TYPES[kind] }), name);
      return doneWords(rows.length, truncated, name);
    },
  });

  const button = (kind: Kind, label: string) => (
    <button
      type="button"
      className="button button-quiet"
      disabled={save.isPending}
      onClick={() => save.mutate(kind)}
    >
      {save.isPending && save.variables === kind ? 'Exporting…' : label}
    </button>
  );

  return (
    <section aria-labelledby="export-heading">
      <h2 id="export-heading">Export</h2>
      <p className="muted">Every row the filters match, oldest first.</p>
      <div className="form-actions">
        {button('jsonl', 'Download JSON lines')}
        {button('csv', 'Download CSV')}
        {signed ? button('signed', 'Download signed export') : null}
      </div>
      {save.isError ? <ProblemAlert error={save.error} title="Could not export the log" /> : null}
      <p role="status" className="status-text">
        {save.isSuccess ? save.data : ''}
      </p>
    </section>
  );
}
