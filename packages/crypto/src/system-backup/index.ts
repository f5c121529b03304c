export {
  checkPassphrase,
  DEFAULT_SCRYPT,
  MIN_PASSPHRASE_LENGTH,
  openSystemBackup,
  sealSystemBackup,
} from './seal.js';
export type { ScryptParams, SealOptions } from './seal.js';
export { isSafeRelativePath, packSystemBackup, unpackSystemBackup } from './pack.js';
export type { SystemBackupFile, SystemBackupManifest } from './pack.js';
