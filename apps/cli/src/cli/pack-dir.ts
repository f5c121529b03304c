import { stat } from 'node:fs/promises';
import { packDirectory } from '@berth/engine';
import { CliError } from './output.js';
import { EXIT } from './exit-codes.js';

/**
 * A directory as the tar berthd builds from: what .gitignore and .dockerignore leave out stays
 * home (node_modules, build output, .env files), and .git never goes.
 */
export async function packForUpload(dir: string): Promise<{ tar: Buffer; files: number }> {
  const s = await stat(dir).catch(() => null);
  if (!s?.isDirectory()) throw new CliError(`${dir} is not a directory`, EXIT.userError);
  const packed = packDirectory(dir, { ignoreFiles: ['.gitignore', '.dockerignore'] });
  const chunks: Buffer[] = [];
  for await (const chunk of packed.stream) chunks.push(chunk as Buffer);
  const { files } = await packed.done;
  return { tar: Buffer.concat(chunks), files };
}
