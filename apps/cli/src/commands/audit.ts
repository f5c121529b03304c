import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { verifyAuditExport, type AuditAnchor, type AuditExport, type ChainedAuditRecord } from '@berth/core';
import { sha3_256Hex, verifyAuditSignature } from '@berth/crypto';
import { AuditExportLine, type AuditQuery } from '@berth/protocol';
import { Option, type Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError, printJson, printTable } from '../cli/output.js';
import { parseIntArg } from '../cli/parse.js';

export function registerAudit(program: Command, environment: CliEnvironment): void {
  const audit = program.command('audit').description('the tamper-evident log of every change');

  withCommon(audit.command('list'))
    .alias('ls')
    .description('audit rows, oldest first (--desc: newest first), filtered by any of the options')
    .option('--after <seq>', 'rows after this sequence number', parseIntArg(0, Number.MAX_SAFE_INTEGER), 0)
    .option('--before <seq>', 'rows before this sequence number', parseIntArg(1, Number.MAX_SAFE_INTEGER))
    .option('--limit <n>', 'how many rows', parseIntArg(1, 1000), 100)
    .option('--desc', 'newest first (with --before SEQ of the last row seen, the page before it)')
    .option('--actor <name>', "an actor's name (an email, a token's name) or id, exactly")
    .option('--action <action>', 'an action (user.grant) or every action of a kind (user.*)')
    .option('--target <target>', 'a target, exactly (app:web, user:ada@example.com)')
    .addOption(new Option('--outcome <outcome>', 'the outcome').choices(['ok', 'denied', 'failed']))
    .option('--since <time>', 'rows at or after this time (ISO 8601, e.g. 2026-12-01T00:00:00Z)')
    .option('--until <time>', 'rows before this time (ISO 8601)')
    .action(
      action(async (opts: CommonOptions & AuditListOptions) => {
        const rows = await clientFor(environment, opts).listAudit(auditQueryOf(opts));
        if (opts.json) return printJson(rows);
        printTable(
          rows.map((r) => [
            String(r.seq),
            new Date(r.at).toISOString(),
            r.actorName ?? r.actorKind,
            r.action,
            r.target ?? '-',
            r.outcome,
          ]),
          ['SEQ', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME'],
        );
      }),
    );

  withCommon(audit.command('verify'))
    .description(
      `recompute the hash chain here and compare it with the signed head and checkpoints; exit 0 when intact, ${EXIT.auditBroken} naming the first row edited, deleted (at the end too) or reordered`,
    )
    .option('--file <file>', 'verify an export written by `berth audit export` instead of asking berthd')
    .action(
      action(async (opts: CommonOptions & { file?: string }) => {
        const lines = opts.file ? readExportFile(opts.file) : clientFor(environment, opts).exportAudit();
        const exported = await collectExport(lines);
        const verdict = verifyAuditExport(exported, { hash: sha3_256Hex, verify: verifyAuditSignature });
        const keys = exported.keys.map((k) => k.keyId);
        if (opts.json) {
          printJson({ ...verdict, keys });
          return verdict.ok ? EXIT.ok : EXIT.auditBroken;
        }
        if (!verdict.ok) {
          const where = verdict.seq === null ? '' : ` at row ${verdict.seq}`;
          throw new CliError(
            `The audit log is broken${where}: ${verdict.reason}`,
            EXIT.auditBroken,
            `${verdict.checked} row(s) before it verify`,
          );
        }
        process.stdout.write(
          `The audit chain is intact: ${verdict.checked} row(s), head ${verdict.head.slice(0, 16)}…, ` +
            `anchored at row ${verdict.anchoredSeq} by the signed head, ${verdict.checkpoints} checkpoint(s); ` +
            `signed with ${keys.join(', ')}\n`,
        );
        for (const note of verdict.notes) process.stdout.write(`note: ${note}\n`);
      }),
    );

  withCommon(audit.command('export'))
    .description(
      'the public keys, the signed head and checkpoints, and every row with its hashes, as JSON lines (check it later with: berth audit verify --file FILE)',
    )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(
      action(async (opts: CommonOptions & { output?: string }) => {
        const out = opts.output ? createWriteStream(opts.output, { mode: 0o600 }) : process.stdout;
        for await (const line of clientFor(environment, opts).exportAudit())
          out.write(`${JSON.stringify(line)}\n`);
        if (out !== process.stdout) {
          out.end();
          await finished(out);
        }
      }),
    );
}

interface AuditListOptions {
  after: number;
  before?: number;
  limit: number;
  desc?: boolean;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: AuditQuery['outcome'];
  since?: string;
  until?: string;
}

/** The flags as GET /audit's query; berthd checks each (a bad one is a 400 naming it). */
function auditQueryOf(opts: AuditListOptions): AuditQuery {
  const { after, before, limit, desc, actor, action, target, outcome, since, until } = opts;
  return {
    after,
    before,
    limit,
    order: desc ? 'desc' : undefined,
    actor,
    action,
    target,
    outcome,
    since: since === undefined ? undefined : isoTime(since, '--since'),
    until: until === undefined ? undefined : isoTime(until, '--until'),
  };
}

/** A time as berthd takes it: a date alone is that day's start in UTC. */
function isoTime(value: string, flag: string): string {
  const ms = Date.parse(/^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms))
    throw new CliError(
      `${flag} ${value} is not a time`,
      EXIT.userError,
      `Give one like 2026-12-01 or 2026-12-01T09:30:00Z`,
    );
  return new Date(ms).toISOString();
}

/** Sorts the lines of an export into its parts. */
async function collectExport(lines: AsyncIterable<AuditExportLine>): Promise<AuditExport> {
  const out = { keys: [] as AuditExport['keys'][number][], head: null as AuditAnchor | null };
  const checkpoints: AuditAnchor[] = [];
  const rows: ChainedAuditRecord[] = [];
  for await (const line of lines) {
    if (!('type' in line)) rows.push(line);
    else if (line.type === 'key') out.keys.push({ keyId: line.keyId, publicKey: line.publicKey });
    else if (line.type === 'head') out.head = anchorOf(line);
    else checkpoints.push(anchorOf(line));
  }
  return { ...out, checkpoints, rows };
}

const anchorOf = (l: AuditAnchor): AuditAnchor => ({
  seq: l.seq,
  hash: l.hash,
  at: l.at,
  keyId: l.keyId,
  signature: l.signature,
});

async function* readExportFile(file: string): AsyncGenerator<AuditExportLine> {
  let n = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    n += 1;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(
        `Line ${n} of ${file} is not JSON`,
        EXIT.userError,
        'Write an export with: berth audit export -o FILE',
      );
    }
    const line = AuditExportLine.safeParse(parsed);
    if (!line.success) {
      throw new CliError(
        `Line ${n} of ${file} is not a line of an audit export`,
        EXIT.userError,
        'Write an export with: berth audit export -o FILE',
      );
    }
    yield line.data;
  }
}
