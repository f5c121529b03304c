import type { Readable } from 'node:stream';
import { decryptBackup } from '@berth/crypto';
import { decompressStream, detectCompression, type BackupTarget } from '@berth/engine';

/**
 * A backup object read back from its target for a verify or a restore: every chunk
 * authenticated, the whole object's hash compared before its last chunk is let through, then
 * decompressed. The same for a volume's tar and a database's dump.
 */
export async function readBackBackup(
  target: BackupTarget,
  params: { backupId: string; objectKey: string; sha256: string },
  dataKey: Buffer,
): Promise<Readable> {
  const body = await target.get(params.objectKey);
  const decrypted = await decryptBackup(body, {
    backupId: params.backupId,
    open: () => dataKey,
    expectedSha256: params.sha256,
  });
  const compression = await detectCompression();
  const zstd = compression.kind === 'zstd' ? compression.file : null;
  return decompressStream(decrypted.stream, decrypted.header.compression, zstd);
}
