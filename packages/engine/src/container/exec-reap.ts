import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * What an exec leaves behind when its client goes away. The engine's exec API has no "kill":
 * closing the connection only closes the command's stdin (and hangs up its terminal), and a
 * command that ignores both (`sleep`, a server, a background job) would run on for ever. So
 * berth kills it from the host, where the exec's process is visible (the agent runs beside the
 * engine): the process, its descendants, and, when it leads its own session (as with a TTY),
 * every process of that session in the container's pid namespace. A process that daemonized
 * out of its session and parentage escapes, as it would from `docker exec`.
 */

interface ProcStat {
  pid: number;
  ppid: number;
  session: number;
}

/** Kills the exec's processes; returns how many were signalled. */
export async function reapExecProcess(pid: number, procRoot = '/proc'): Promise<number> {
  const root = await readStat(procRoot, pid);
  if (!root) return 0;
  const ns = await pidNamespace(procRoot, pid);
  const all = await listProcesses(procRoot);
  const doomed = new Set<number>([pid]);
  // Parents come before children in no guaranteed order: repeat until nothing is added.
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!doomed.has(p.pid) && doomed.has(p.ppid)) {
        doomed.add(p.pid);
        grew = true;
      }
    }
  }
  if (root.session === pid && ns) {
    for (const p of all) {
      if (p.session === pid && (await pidNamespace(procRoot, p.pid)) === ns) doomed.add(p.pid);
    }
  }
  let killed = 0;
  for (const p of doomed) {
    try {
      process.kill(p, 'SIGKILL');
      killed++;
    } catch {
      // Already gone.
    }
  }
  return killed;
}

async function listProcesses(procRoot: string): Promise<ProcStat[]> {
  const names = await readdir(procRoot);
  const stats = await Promise.all(
    names.filter((n) => /^\d+$/.test(n)).map((n) => readStat(procRoot, Number(n))),
  );
  return stats.filter((s): s is ProcStat => s !== null);
}

/** `/proc/PID/stat`: "pid (comm) state ppid pgrp session …"; comm may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const session = Number(fields[3]);
  if (close < 0 || !Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isInteger(session))
    return null;
  return { pid, ppid, session };
}

async function readStat(procRoot: string, pid: number): Promise<ProcStat | null> {
  try {
    return parseStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

async function pidNamespace(procRoot: string, pid: number): Promise<string | null> {
  try {
    return await readlink(`${procRoot}/${pid}/ns/pid`);
  } catch {
    return null;
  }
}
