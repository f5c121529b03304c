/**
 * A child berthd started and then could not stop (berthd was killed): found by the pid file it
 * wrote, and stopped only if that pid still runs the same program with this data dir's files,
 * never a process that merely reused the pid.
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function stopStaleProcess(pidFile: string, program: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  const ours = argv[0]?.endsWith(`/${program}`) === true && argv.some((a) => a.startsWith(dirname(pidFile)));
  if (ours) {
    process.kill(pid, 'SIGKILL');
    // Gone once /proc no longer lists it (it was reparented, so berthd cannot wait for it).
    for (let i = 0; i < 100; i++) {
      const state = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (state === '' || / Z /.test(state)) break;
      await sleep(20);
    }
  }
  await rm(pidFile, { force: true });
}
