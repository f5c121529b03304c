import { useMemo } from 'react';
import { useAuditRows, useAuditVerification } from '../api/audit-queries.js';
import type { Me } from '../api/paths.js';
import { useTeams } from '../api/queries.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { PageTitle } from '../shell/PageTitle.js';
import { readsAudit, verifiesChain } from './audit-access.js';
import { AuditExport } from './AuditExport.js';
import { isFiltered, type AuditFilter } from './audit-filter.js';
import { AuditFilters } from './AuditFilters.js';
import { AuditTable } from './AuditTable.js';
import { ChainBanner } from './ChainBanner.js';

/**
 * `/audit`: the tamper-evident log of every change, filtered by the address's query. An
 * installation owner reads every row and sees berthd's check of the chain; a team's owners and
 * admins read their teams' rows.
 */
export function AuditPage({ me, filter }: { me: Me; filter: AuditFilter }) {
  const reads = readsAudit(me);
  const verifies = verifiesChain(me);

  return (
    <>
      <div className="page-head">
        <PageTitle title="Audit log">Audit log</PageTitle>
      </div>
      {!reads ? (
        <p>Only a team&apos;s owners and admins read its audit log.</p>
      ) : (
        <>
          {verifies ? (
            <ChainBanner />
          ) : (
            <p className="muted">
              The chain runs through every team&apos;s rows, so only an owner of the installation verifies it
              (here, or with <code>berth audit verify</code>).
            </p>
          )}
          <AuditRows filter={filter} verifies={verifies} />
          <AuditExport filter={filter} signed={verifies} />
        </>
      )}
    </>
  );
}

function AuditRows({ filter, verifies }: { filter: AuditFilter; verifies: boolean }) {
  const rows = useAuditRows(filter);
  const teams = useTeams();
  // Shares the banner's query: no second verification.
  const verification = useAuditVerification(verifies);
  const list = useMemo(() => rows.data?.pages.flat() ?? [], [rows.data]);
  const teamNames = useMemo(() => new Map((teams.data ?? []).map((t) => [t.id, t.name])), [teams.data]);
  const actions = useMemo(() => [...new Set(list.map((r) => r.action))].sort(), [list]);
  const brokenAt = verification.data && !verification.data.ok ? verification.data.seq : null;
  const filtered = isFiltered(filter);

  return (
    <section aria-labelledby="rows-heading">
      <h2 id="rows-heading">Rows</h2>
      <AuditFilters filter={filter} actions={actions} />
      {rows.isPending ? <p aria-live="polite">Loading the log…</p> : null}
      {rows.isError ? <ProblemAlert error={rows.error} title="Could not load the audit log" /> : null}
      {rows.isSuccess && list.length === 0 ? (
        <p>{filtered ? 'No row matches these filters.' : 'The log is empty.'}</p>
      ) : null}
      {list.length > 0 ? (
        <>
          <p className="muted" aria-live="polite">
            {countWords(list.length, filtered)}, newest first{rows.hasNextPage ? '; older ones follow' : ''}.
          </p>
          <AuditTable rows={list} teamNames={teamNames} brokenAt={brokenAt} />
        </>
      ) : null}
      {rows.hasNextPage ? (
        <div className="form-actions table-more">
          <button
            type="button"
            className="button button-quiet"
            disabled={rows.isFetchingNextPage}
            onClick={() => void rows.fetchNextPage()}
          >
            {rows.isFetchingNextPage ? 'Loading…' : 'Show older rows'}
          </button>
        </div>
      ) : null}
    </section>
  );
}

const countWords = (n: number, filtered: boolean): string => {
  const rows = n === 1 ? '1 row' : `${n} rows`;
  if (!filtered) return rows;
  return n === 1 ? `${rows} matches` : `${rows} match`;
};
