/**
 * How Berth configures the Podman API service it starts itself. Podman's defaults fail on some
 * hosts (containers, CI runners, minimal VMs); each rule here comes from a failure seen on one:
 * - crun refuses hybrid cgroup hosts ("cgroups in hybrid mode not supported"); runc works.
 * - without systemd as init, the systemd cgroup manager cannot work: use cgroupfs.
 * - Podman gives root containers rlimits of 1048576; a process without CAP_SYS_RESOURCE whose
 *   hard limits are lower cannot raise them ("error setting rlimit type 7: operation not
 *   permitted"), so containers get values below the host's hard limits instead.
 * Pure: facts in, plan and text out. ./host-facts.ts reads the facts.
 */

export type CgroupLayout = 'v2' | 'v1' | 'hybrid' | 'none';

export interface PodmanHostFacts {
  /** v2: unified at /sys/fs/cgroup; v1: per-controller mounts only; hybrid: v1 plus a cgroup2 mount. */
  cgroup: CgroupLayout;
  /** systemd is the init system (as sd_booted() decides: /run/systemd/system exists). */
  systemdRunning: boolean;
  runtimes: { runc: boolean; crun: boolean };
  /** Hard limits of this process (a service it starts inherits them); null when unlimited or unknown. */
  hardLimits: { nofile: number | null; nproc: number | null };
}

export interface PodmanHostPlan {
  /** null keeps Podman's default runtime. */
  runtime: 'runc' | 'crun' | null;
  cgroupManager: 'systemd' | 'cgroupfs';
  /** `name=soft:hard` entries for containers.conf; empty keeps Podman's defaults. */
  defaultUlimits: string[];
  /** One sentence per deviation from Podman's defaults, for people reading logs or the conf file. */
  notes: string[];
}

/** What Podman gives root containers for both nofile and nproc when nothing is configured. */
export const PODMAN_DEFAULT_RLIMIT = 1_048_576;
const NOFILE_CAP = 65_536;
/** Podman's service may itself run with a lower nproc than the host's hard limit; stay well below. */
const NPROC_CAP = 4_096;

export function planPodmanHostConfig(facts: PodmanHostFacts): PodmanHostPlan {
  const notes: string[] = [];
  let runtime: PodmanHostPlan['runtime'] = null;
  if (facts.cgroup === 'hybrid') {
    if (facts.runtimes.runc) {
      runtime = 'runc';
      notes.push(
        'Using runc: this host mixes cgroup v1 and v2 ("hybrid"), which crun refuses to run containers on.',
      );
    } else {
      notes.push(
        'This host mixes cgroup v1 and v2 ("hybrid"), which crun refuses; install runc if containers fail to start.',
      );
    }
  }

  const cgroupManager = facts.systemdRunning ? 'systemd' : 'cgroupfs';
  if (!facts.systemdRunning) {
    notes.push('Using the cgroupfs cgroup manager: systemd is not the init system here.');
  }

  const defaultUlimits: string[] = [];
  const nofile = lowered(facts.hardLimits.nofile, NOFILE_CAP);
  if (nofile !== null) {
    defaultUlimits.push(`nofile=${nofile}:${nofile}`);
    notes.push(
      `Containers get nofile=${nofile}: this process may not raise its open-files limit (hard limit ${facts.hardLimits.nofile}) to Podman's default of ${PODMAN_DEFAULT_RLIMIT}.`,
    );
  }
  const nproc = lowered(facts.hardLimits.nproc, NPROC_CAP);
  if (nproc !== null) {
    defaultUlimits.push(`nproc=${nproc}:${nproc}`);
    notes.push(
      `Containers get nproc=${nproc}: this process may not raise its process limit (hard limit ${facts.hardLimits.nproc}) to Podman's default of ${PODMAN_DEFAULT_RLIMIT}.`,
    );
  }
  return { runtime, cgroupManager, defaultUlimits, notes };
}

/** The value to configure, or null to keep Podman's default (the host allows it). */
function lowered(hard: number | null, cap: number): number | null {
  if (hard === null || hard >= PODMAN_DEFAULT_RLIMIT) return null;
  return Math.max(1, Math.min(hard, cap));
}

const tomlString = (s: string): string => JSON.stringify(s);

/**
 * containers.conf text for the plan; the service reads it through CONTAINERS_CONF. `engine`
 * adds string settings to the [engine] table (the build sandbox's own paths).
 */
export function renderContainersConf(
  plan: PodmanHostPlan,
  engine: Readonly<Record<string, string | readonly string[]>> = {},
): string {
  const lines = ['# Written by Berth for the Podman API service it runs. Regenerated at every start.'];
  for (const note of plan.notes) lines.push(`# ${note.replace(/[\r\n]+/g, ' ')}`);
  lines.push('', '[containers]');
  // The logs API reads container logs from files: no journald needed.
  lines.push(`log_driver = ${tomlString('k8s-file')}`);
  if (plan.defaultUlimits.length > 0) {
    lines.push(`default_ulimits = [${plan.defaultUlimits.map(tomlString).join(', ')}]`);
  }
  lines.push('', '[engine]');
  lines.push(`cgroup_manager = ${tomlString(plan.cgroupManager)}`);
  if (plan.runtime !== null) lines.push(`runtime = ${tomlString(plan.runtime)}`);
  for (const [key, value] of Object.entries(engine)) {
    lines.push(
      `${key} = ${typeof value === 'string' ? tomlString(value) : `[${value.map(tomlString).join(', ')}]`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface PodmanServiceCommand {
  file: string;
  args: string[];
  /** Variables to add to the inherited environment. */
  env: Record<string, string>;
}

/** argv for `podman system service` on a unix socket, never on TCP (see ARCHITECTURE). */
export function podmanServiceCommand(options: {
  socketPath: string;
  containersConfPath: string;
  podmanBin?: string;
}): PodmanServiceCommand {
  for (const [what, path] of [
    ['socketPath', options.socketPath],
    ['containersConfPath', options.containersConfPath],
  ] as const) {
    if (!path.startsWith('/') || /[\s\0]/.test(path)) {
      throw new Error(`${what} must be an absolute path without whitespace, got ${JSON.stringify(path)}`);
    }
  }
  return {
    file: options.podmanBin ?? 'podman',
    // --time=0: the service must not exit when idle; Berth supervises it and stops it itself.
    args: ['system', 'service', '--time=0', `unix://${options.socketPath}`],
    env: { CONTAINERS_CONF: options.containersConfPath },
  };
}
