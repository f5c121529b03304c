import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { auditSearch, toAuditQuery, type AuditFilter } from '../audit/audit-filter.js';
import { api } from './browser.js';
import { expectData } from './client.js';
import type { AuditRow } from './paths.js';
import { POLL_MS } from './queries.js';

export const auditKeys = {
  rows: (filter: AuditFilter) => ['audit', 'rows', auditSearch(filter)] as const,
  verification: ['audit', 'verification'] as const,
};

/** Rows a page of the audit table holds: more come with "Show older rows". */
export const AUDIT_PAGE = 100;

/**
 * The rows the filter matches, newest first, a page at a time (each next page is the rows before
 * the oldest one shown). berthd leaves out rows of teams the user may not read.
 */
export const useAuditRows = (filter: AuditFilter) =>
  useInfiniteQuery({
    queryKey: auditKeys.rows(filter),
    queryFn: async ({ pageParam }: { pageParam: number | null }): Promise<AuditRow[]> => {
      const query = {
        ...toAuditQuery(filter),
        order: 'desc' as const,
        limit: AUDIT_PAGE,
        ...(pageParam === null ? {} : { before: pageParam }),
      };
      return (await expectData(api.GET('/audit', { params: { query } }))).rows;
    },
    initialPageParam: null,
    getNextPageParam: (last: AuditRow[]): number | null =>
      last.length < AUDIT_PAGE ? null : (last[last.length - 1]?.seq ?? null),
    refetchInterval: POLL_MS * 3,
  });

/**
 * berthd's check of the whole chain against its signed head and checkpoints (installation
 * owners only). It reads every row, so it is asked once a minute, and when the page asks again.
 */
export const useAuditVerification = (enabled: boolean) =>
  useQuery({
    queryKey: auditKeys.verification,
    queryFn: () => expectData(api.GET('/audit/verify')),
    enabled,
    refetchInterval: 60_000,
  });

/** One page of the filtered log, oldest first, for an export. */
export const readAuditPage =
  (filter: AuditFilter) =>
  async (after: number, limit: number): Promise<AuditRow[]> =>
    (await expectData(api.GET('/audit', { params: { query: { ...toAuditQuery(filter), after, limit } } })))
      .rows;

/** The whole log with its keys and signed anchors, as `berth audit export` writes it. */
export const readSignedExport = (): Promise<Blob> =>
  expectData(api.GET('/audit/export', { parseAs: 'blob' }));
