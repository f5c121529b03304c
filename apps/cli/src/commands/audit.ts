import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { verifyAuditChain, type ChainedAuditRecord } from '@berth/core';
import { sha3_256Hex } from '@berth/crypto';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError, printJson, printTable } from '../cli/output.js';
import { parseIntArg } from '../cli/parse.js';

export function registerAudit(program: Command, environment: CliEnvironment): void {
  const audit = program.command('audit').description('the tamper-evident log of every change');

  withCommon(audit.command('list'))
    .alias('ls')
    .description('audit rows, oldest first')
    .option('--after <seq>', 'rows after this sequence number', parseIntArg(0, Number.MAX_SAFE_INTEGER), 0)
    .option('--limit <n>', 'how many rows', parseIntArg(1, 1000), 100)
    .action(
      action(async (opts: CommonOptions & { after: number; limit: number }) => {
        const rows = await clientFor(environment, opts).listAudit(opts.after, opts.limit);
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
      `recompute the hash chain here; exit 0 when intact, ${EXIT.auditBroken} naming the first broken row`,
    )
    .action(
      action(async (opts: CommonOptions) => {
        const rows: ChainedAuditRecord[] = [];
        for await (const r of clientFor(environment, opts).exportAudit()) rows.push(r);
        const verdict = verifyAuditChain(rows, sha3_256Hex);
        if (opts.json) {
          printJson(verdict);
          return verdict.ok ? EXIT.ok : EXIT.auditBroken;
        }
        if (!verdict.ok) {
          throw new CliError(
            `The audit chain is broken at row ${verdict.seq}: ${verdict.reason}`,
            EXIT.auditBroken,
            `${verdict.checked} row(s) before it verify`,
          );
        }
        process.stdout.write(
          `The audit chain is intact: ${verdict.checked} row(s), head ${verdict.head.slice(0, 16)}…\n`,
        );
      }),
    );

  withCommon(audit.command('export'))
    .description('every row with its hashes as JSON lines, to check the chain elsewhere')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(
      action(async (opts: CommonOptions & { output?: string }) => {
        const out = opts.output ? createWriteStream(opts.output, { mode: 0o600 }) : process.stdout;
        for await (const r of clientFor(environment, opts).exportAudit()) out.write(`${JSON.stringify(r)}\n`);
        if (out !== process.stdout) {
          out.end();
          await finished(out);
        }
      }),
    );
}
