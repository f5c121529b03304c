import type { AuditVerification } from '../api/paths.js';

/** What the page says about berthd's check of the whole chain (verifyAudit), filters aside. */
export interface ChainStatus {
  verified: boolean;
  /** One line: "Chain verified up to row 42" / "Chain broken at row 7". */
  headline: string;
  /** What berthd found, in its words, and what else it checked. */
  details: string[];
}

const rows = (n: number): string => (n === 1 ? '1 row' : `${n} rows`);

export function chainStatus(v: AuditVerification): ChainStatus {
  if (v.ok) {
    // Rows are numbered from 1 without gaps, so the rows that verify are rows 1 to `checked`.
    const anchored =
      v.anchoredSeq === null
        ? 'No signed head yet.'
        : `Anchored at row ${v.anchoredSeq} by the signed head kept beside the master key, and by ${
            v.checkpoints === 1 ? '1 signed checkpoint' : `${v.checkpoints} signed checkpoints`
          }.`;
    return {
      verified: true,
      headline:
        v.checked === 0 ? 'Chain verified: the log is empty' : `Chain verified up to row ${v.checked}`,
      details: [anchored, ...v.notes, `Signing key: ${v.signingKey.keyId}.`],
    };
  }
  const before = v.checked === 0 ? 'No row before it verifies.' : `The ${rows(v.checked)} before it verify.`;
  return {
    verified: false,
    headline: v.seq === null ? 'Chain broken' : `Chain broken at row ${v.seq}`,
    details: [sentence(v.reason ?? 'berthd gave no reason', v.seq), before],
  };
}

/**
 * berthd's reasons are lower-case clauses, some about the row at fault ("its content does not
 * match its hash"): shown as a sentence that names the row.
 */
function sentence(clause: string, seq: number | null): string {
  const trimmed = clause.trim();
  const named = seq !== null && /^(?:its?|they) /.test(trimmed) ? `Row ${seq}: ${trimmed}` : trimmed;
  const capital = named.charAt(0).toUpperCase() + named.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
