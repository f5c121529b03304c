import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The registry is a child of berthd, and a child outlives a parent killed with SIGKILL: the next
 * berthd on the same data dir would find its port held by the old one (and refuse it, since it
 * answers with another instance's nonce). Each start records the child's pid; the next start stops
 * that process first, but only when /proc shows it is docker-registry serving this very config,
 * so a recycled pid of anything else is never touched.
 */

export async function recordRegistryPid(pidPath: string, pid: number | undefined): Promise<void> {
  if (pid !== undefined) await writeFile(pidPath, `${pid}\n`, { mode: 0o600 });
}

export async function forgetRegistryPid(pidPath: string): Promise<void> {
  await rm(pidPath, { force: true });
}

/** Stops the registry a previous start left running for `configPath`, if any; true when it did. */
export async function stopLeftoverRegistry(pidPath: string, configPath: string): Promise<boolean> {
  const pid = Number((await readFile(pidPath, 'utf8').catch(() => '')).trim());
  if (!Number.isSafeInteger(pid) || pid <= 1 || !(await isRegistryServing(pid, configPath))) {
    await forgetRegistryPid(pidPath);
    return false;
  }
  signal(pid, 'SIGTERM');
  for (let i = 0; i < 50 && (await isRegistryServing(pid, configPath)); i++) await sleep(100);
  if (await isRegistryServing(pid, configPath)) signal(pid, 'SIGKILL');
  for (let i = 0; i < 20 && (await isRegistryServing(pid, configPath)); i++) await sleep(100);
  await forgetRegistryPid(pidPath);
  return true;
}

async function isRegistryServing(pid: number, configPath: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const argv = cmdline.split('\0').filter((a) => a !== '');
  // A zombie has an empty cmdline: it is gone as far as the port goes.
  return basename(argv[0] ?? '') === 'docker-registry' && argv.includes(configPath);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone in between: nothing to stop.
  }
}
