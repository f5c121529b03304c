export type { BackupTarget, ListedObject, StoredObject } from './target.js';
export { createDirectoryTarget, type DirectoryTargetOptions } from './directory-target.js';
export { createS3Target, type S3TargetOptions } from './s3-target.js';
export { compressStream, decompressStream, detectCompression, type Compression } from './compression.js';
export { archiveTree, type TreeArchive } from './tree-archive.js';
export { unpackTree } from './tree-unpack.js';
export { summariseTree, type TreeSummary } from './tree-walk.js';
