/**
 * Applies and removes nft tables: `nft -f -` with the ruleset on stdin (argv is fixed, the text
 * was built from checked values), so a table is replaced in one kernel transaction or not at all.
 */
import { spawn } from 'node:child_process';
import { BerthError } from '@berth/protocol';
import { checkTableName } from './nft-values.js';

export interface NftTable {
  family: 'inet';
  name: string;
  /** A whole ruleset for `nft -f`: it makes, empties and defines the table. */
  text: string;
}

export interface NftOptions {
  /** Default `nft` on PATH. */
  nftBin?: string;
  timeoutMs?: number;
}

/** Why the host firewall cannot be used, in words for the person who reads the agent's log. */
export type NftProbe = { ok: true; version: string } | { ok: false; reason: string };

interface NftRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when nft could not be started at all (ENOENT: not installed). */
  spawnError: NodeJS.ErrnoException | null;
}

function runNft(args: readonly string[], stdin: string, options: NftOptions): Promise<NftRun> {
  return new Promise((resolve) => {
    const child = spawn(options.nftBin ?? 'nft', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let spawnError: NodeJS.ErrnoException | null = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => undefined); // nft gone before reading: the exit code tells
    child.on('error', (err: NodeJS.ErrnoException) => (spawnError = err));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, spawnError });
    });
    child.stdin.end(stdin);
  });
}

function failure(what: string, run: NftRun): BerthError {
  const detail = run.spawnError
    ? run.spawnError.code === 'ENOENT'
      ? 'nft is not installed'
      : run.spawnError.message
    : run.stderr.trim() || `exit code ${run.code}`;
  return new BerthError('INTERNAL', `${what} failed: ${detail}`, {
    hint:
      run.spawnError?.code === 'ENOENT' ? 'Install nftables (Debian: apt-get install nftables).' : undefined,
  });
}

/** Replaces the table atomically with the rendered ruleset. */
export async function applyNftTable(table: NftTable, options: NftOptions = {}): Promise<void> {
  checkTableName(table.name);
  const run = await runNft(['-f', '-'], table.text, options);
  if (run.code !== 0 || run.spawnError) throw failure(`Applying nft table ${table.name}`, run);
}

/** Removes the table; one that does not exist is not an error (it is made, then deleted). */
export async function removeNftTable(name: string, options: NftOptions = {}): Promise<void> {
  const t = checkTableName(name);
  const run = await runNft(['-f', '-'], `table inet ${t}\ndelete table inet ${t}\n`, options);
  if (run.code !== 0 || run.spawnError) throw failure(`Removing nft table ${name}`, run);
}

/** The table as nft lists it now, or null when it does not exist. */
export async function listNftTable(name: string, options: NftOptions = {}): Promise<string | null> {
  const run = await runNft(['list', 'table', 'inet', checkTableName(name)], '', options);
  if (run.code === 0) return run.stdout;
  if (/No such file or directory/.test(run.stderr)) return null;
  throw failure(`Listing nft table ${name}`, run);
}

/** Whether this process can manage nft tables: installed, and allowed (CAP_NET_ADMIN). */
export async function probeNft(options: NftOptions = {}): Promise<NftProbe> {
  const version = await runNft(['--version'], '', options);
  if (version.spawnError || version.code !== 0) {
    return {
      ok: false,
      reason:
        version.spawnError?.code === 'ENOENT'
          ? 'nft is not installed'
          : failure('nft --version', version).message,
    };
  }
  const list = await runNft(['list', 'tables'], '', options);
  if (list.code !== 0 || list.spawnError)
    return { ok: false, reason: failure('nft list tables', list).message };
  return { ok: true, version: version.stdout.trim() };
}
