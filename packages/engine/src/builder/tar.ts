/**
 * tar-stream (2.x, CommonJS, without type declarations) behind the types we use. Loaded with
 * createRequire so no ambient module declaration has to travel with the package.
 */
import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';

export type TarEntryType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous-file'
  | 'pax-header'
  | 'pax-global-header'
  | 'gnu-long-link-path'
  | 'gnu-long-path';

export interface TarHeader {
  name: string;
  type?: TarEntryType | null;
  size?: number;
  mode?: number;
  mtime?: Date;
  linkname?: string | null;
  uid?: number;
  gid?: number;
}

export interface TarPack extends Readable {
  /** Without a buffer: returns a stream to write exactly `size` bytes into. */
  entry(header: TarHeader, callback: (err?: Error | null) => void): Writable;
  entry(header: TarHeader, buffer: string | Buffer, callback: (err?: Error | null) => void): Writable;
  finalize(): void;
}

/** Emits `entry` with (header, content stream, next). */
export type TarExtract = Writable;
export type TarEntryListener = (header: TarHeader, stream: Readable, next: (err?: unknown) => void) => void;

interface TarStreamModule {
  pack(): TarPack;
  extract(): TarExtract;
}

const tarStream = createRequire(import.meta.url)('tar-stream') as TarStreamModule;

export const createTarPack = (): TarPack => tarStream.pack();
export const createTarExtract = (): TarExtract => tarStream.extract();
