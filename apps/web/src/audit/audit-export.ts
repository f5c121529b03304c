import type { AuditRow } from '../api/paths.js';

/**
 * The filtered rows as a file: JSON lines (each row as berthd answered it, hashes included) or
 * CSV for a spreadsheet. Built in the page from listAudit's pages; the verifiable export with
 * the signed anchors is `berth audit export`.
 */

export type ExportFormat = 'jsonl' | 'csv';

export const EXPORT_TYPES: Readonly<Record<ExportFormat, string>> = {
  jsonl: 'application/x-ndjson',
  csv: 'text/csv;charset=utf-8',
};

/** More rows than this are not put in one file by the page: narrow the filter, or use the CLI. */
export const EXPORT_MAX_ROWS = 50_000;
const PAGE = 1000;

/** One row per line, as JSON. */
export const toJsonLines = (rows: readonly AuditRow[]): string =>
  rows.map((row) => `${JSON.stringify(row)}\n`).join('');

const CSV_COLUMNS = [
  'seq',
  'at',
  'actor_kind',
  'actor',
  'actor_id',
  'team_id',
  'action',
  'target',
  'outcome',
  'detail',
  'request_id',
  'hash',
] as const;

/**
 * A cell as RFC 4180 quotes it. A value a spreadsheet would run as a formula (it starts with
 * = + - @, a tab or a carriage return: an actor or target can be any text someone sent) gets a
 * leading apostrophe, so it opens as text.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const raw = String(value);
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows: readonly AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.seq,
        new Date(r.at).toISOString(),
        r.actorKind,
        r.actorName,
        r.actorId,
        r.teamId,
        r.action,
        r.target,
        r.outcome,
        Object.keys(r.detail).length === 0 ? null : JSON.stringify(r.detail),
        r.requestId,
        r.hash,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** `berth-audit-20300102T030405Z.csv`: sorts by time, and no character a file system refuses. */
export const exportFileName = (format: ExportFormat, now: Date): string =>
  `berth-audit-${now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(/[-:]/g, '')}.${format}`;

/** One page of listAudit: rows after `after`, oldest first. */
export type AuditPageReader = (after: number, limit: number) => Promise<AuditRow[]>;

/**
 * Every row the filter matches, oldest first, read page by page; `truncated` when there were
 * more than EXPORT_MAX_ROWS (the file then holds the oldest of them).
 */
export async function collectRows(
  read: AuditPageReader,
  max = EXPORT_MAX_ROWS,
): Promise<{ rows: AuditRow[]; truncated: boolean }> {
  const rows: AuditRow[] = [];
  let after = 0;
  for (;;) {
    // One row past the cap, to tell "exactly max" from "more than max".
    const limit = Math.min(PAGE, max + 1 - rows.length);
    const page = await read(after, limit);
    rows.push(...page);
    const last = page[page.length - 1];
    if (rows.length > max) return { rows: rows.slice(0, max), truncated: true };
    if (last === undefined || page.length < limit) return { rows, truncated: false };
    after = last.seq;
  }
}
