/**
 * The made-up /etc of the build sandbox, and where things are inside it. Nothing of the host's
 * /etc goes in but the resolver's address: no shadow, no other users, no registry credentials,
 * no host names. Pure.
 */
import { renderContainersConf, type PodmanHostPlan } from '../../podman/host-config.js';
import type { SandboxFile } from './sandbox-plan.js';

export const SANDBOX_STORAGE = '/var/lib/berth/storage';
export const SANDBOX_BASE_STORE = '/var/lib/berth/base';
export const SANDBOX_EXPORT = '/var/lib/berth/export';
export const SANDBOX_API_DIR = '/run/api';
export const SANDBOX_API_SOCKET = `${SANDBOX_API_DIR}/podman.sock`;
export const SANDBOX_RUNROOT = '/run/storage';

const CONTAINERS_CONF = '/etc/containers/containers.conf';
const REGISTRIES_CONF = '/etc/containers/registries.conf';

/** `nameserver`: slirp's DNS forwarder when the sandbox has egress, else none. */
export function sandboxFiles(o: { plan: PodmanHostPlan; nameserver: string | null }): SandboxFile[] {
  return [
    {
      dest: '/etc/passwd',
      content:
        'root:x:0:0:root:/home:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    },
    { dest: '/etc/group', content: 'root:x:0:\nnogroup:x:65534:\n' },
    { dest: '/etc/hosts', content: '127.0.0.1 localhost\n::1 localhost\n' },
    { dest: '/etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files dns\n' },
    { dest: '/etc/resolv.conf', content: o.nameserver === null ? '' : `nameserver ${o.nameserver}\n` },
    {
      dest: CONTAINERS_CONF,
      content: renderContainersConf(o.plan, {
        // Podman keeps state beside the storage and in the sandbox's tmpfs, never on the host.
        static_dir: `${SANDBOX_STORAGE}/libpod`,
        volume_path: `${SANDBOX_STORAGE}/volumes`,
        tmp_dir: '/run/libpod',
        image_copy_tmp_dir: '/var/tmp',
        events_logger: 'none',
        // Build steps' slirp4netns must not reach the host's loopback at 10.0.2.2.
        network_cmd_options: ['allow_host_loopback=false'],
      }),
    },
    // `FROM node:22` means Docker Hub, as it does for Docker.
    { dest: REGISTRIES_CONF, content: 'unqualified-search-registries = ["docker.io"]\n' },
    { dest: '/etc/containers/policy.json', content: '{"default":[{"type":"insecureAcceptAnything"}]}\n' },
  ];
}

export function sandboxEnv(identity: { uid: number; gid: number }): Record<string, string> {
  return {
    HOME: '/home',
    PATH: '/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin',
    XDG_RUNTIME_DIR: '/run',
    TMPDIR: '/var/tmp',
    // Podman runs as root of a user namespace someone else made: tell it so (as `podman
    // unshare` does), so it acts rootless and does not try to make one itself.
    _CONTAINERS_USERNS_CONFIGURED: 'done',
    _CONTAINERS_ROOTLESS_UID: String(identity.uid),
    _CONTAINERS_ROOTLESS_GID: String(identity.gid),
    CONTAINERS_CONF,
    CONTAINERS_REGISTRIES_CONF: REGISTRIES_CONF,
  };
}

/** The storage flags of every Podman or skopeo call in the sandbox. */
export function storageArgs(withBaseStore: boolean): string[] {
  return [
    '--root',
    SANDBOX_STORAGE,
    '--runroot',
    SANDBOX_RUNROOT,
    '--storage-driver',
    'overlay',
    ...(withBaseStore ? ['--storage-opt', `overlay.imagestore=${SANDBOX_BASE_STORE}`] : []),
  ];
}

/** skopeo's name for an image in the sandbox's storage. */
export function sandboxStorageRef(ref: string, withBaseStore: boolean): string {
  const options = withBaseStore ? `:overlay.imagestore=${SANDBOX_BASE_STORE}` : '';
  return `containers-storage:[overlay@${SANDBOX_STORAGE}+${SANDBOX_RUNROOT}${options}]${ref}`;
}
