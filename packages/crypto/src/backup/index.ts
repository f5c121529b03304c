export { encryptBackup } from './encrypt.js';
export type { EncryptBackupOptions, EncryptedBackup, EncryptedBackupResult } from './encrypt.js';
export { decryptBackup } from './decrypt.js';
export type { DecryptBackupOptions, DecryptedBackup } from './decrypt.js';
export {
  DEFAULT_CHUNK_BYTES,
  MAX_CHUNK_BYTES,
  MIN_CHUNK_BYTES,
  parseBackupId,
  type BackupCompression,
  type BackupHeader,
} from './header.js';
export {
  backupRecipientKeyId,
  createBackupKey,
  openBackupKey,
  resealBackupKey,
  unwrapDataKey,
  type StoredBackupKey,
} from './key-wrap.js';
