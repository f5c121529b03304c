import { readFileSync, statSync } from 'node:fs';

export interface ChangedFileReader<T> {
  /** The value as the file holds it now; the file is read again only when it changed. */
  current(): T;
}

export interface ChangedFileOptions<T> {
  path: string;
  /** The file's text → its value; throws on a bad file. */
  parse(text: string): T;
  /** The value of a missing file. */
  empty(): T;
  /** A file that cannot be read or parsed (the last good value stays). */
  onError?(e: unknown): void;
}

/**
 * A file another process replaces atomically, read by a server on every request it answers (the
 * edge's upstream and certificate tables): synchronous and cheap, one stat and a read only when
 * the inode, size or times moved. A file that does not parse keeps the last good value (an editor
 * saving in place can be caught half-written) and is tried again at the next call; a missing
 * file is the empty value.
 */
export function createChangedFileReader<T>(options: ChangedFileOptions<T>): ChangedFileReader<T> {
  let value = options.empty();
  let seen = '';
  return {
    current() {
      let key: string;
      try {
        const st = statSync(options.path, { bigint: true });
        key = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          options.onError?.(e);
          return value;
        }
        seen = '';
        value = options.empty();
        return value;
      }
      if (key === seen) return value;
      try {
        value = options.parse(readFileSync(options.path, 'utf8'));
        seen = key;
      } catch (e) {
        options.onError?.(e);
      }
      return value;
    },
  };
}
