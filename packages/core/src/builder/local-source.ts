import { gitUrlKind } from '@berth/protocol';

/**
 * Git sources on the machine itself (an absolute path or a `file://` URL) read the host's own
 * files, so who may name them is decided separately from network URLs. This says which kind a
 * source is and, for a local one, the path git will open: git decodes `%xx` in `file://` URLs,
 * so `file:///srv/%2e%2e/etc` is `/srv/../etc` to it and must be judged as that.
 */
export type SourceLocation =
  | { kind: 'network' }
  | { kind: 'local'; path: string }
  /** Local, but not a plain absolute path once decoded (`.`/`..` segments, NUL, bad escapes). */
  | { kind: 'invalid' };

export function sourceLocation(url: string): SourceLocation {
  const kind = gitUrlKind(url);
  if (kind !== 'path' && kind !== 'file') {
    // A URL that is none of the accepted forms but starts like a local one is still local.
    return kind === null && (url.startsWith('/') || url.startsWith('file:'))
      ? { kind: 'invalid' }
      : { kind: 'network' };
  }
  let path = kind === 'file' ? url.slice('file://'.length) : url;
  if (kind === 'file') {
    try {
      path = decodeURIComponent(path);
    } catch {
      return { kind: 'invalid' };
    }
  }
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const segments = trimmed.split('/').slice(1);
  if (
    !trimmed.startsWith('/') ||
    trimmed.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    return { kind: 'invalid' };
  }
  return { kind: 'local', path: trimmed };
}

/** Whether `path` is `dir` or beneath it, by whole path components (never a string prefix). */
export function isPathWithin(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  const base = dir.replace(/\/+$/, '');
  return path === base || path.startsWith(`${base}/`);
}
