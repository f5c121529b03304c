import { access, constants } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import type { UpSettings } from './children.js';

/** `--acme-*`: checked here so a typo is a clear error now, not a failed order later. */
export async function checkAcmeFlags(opts: {
  acmeEmail?: string;
  acmeDirectory?: string;
  acmeCaCert?: string;
}): Promise<UpSettings['acme']> {
  if (opts.acmeEmail === undefined) {
    if (opts.acmeDirectory !== undefined || opts.acmeCaCert !== undefined)
      throw new CliError('--acme-directory and --acme-ca-cert need --acme-email', EXIT.userError);
    return null;
  }
  if (!/^[^\s@"<>]{1,64}@[a-z0-9.-]{1,253}$/i.test(opts.acmeEmail))
    throw new CliError(`--acme-email must be an email address, got "${opts.acmeEmail}"`, EXIT.userError);
  if (opts.acmeDirectory !== undefined && !/^https:\/\/\S+$/.test(opts.acmeDirectory))
    throw new CliError('--acme-directory must be an https:// URL', EXIT.userError);
  const caCertFile = opts.acmeCaCert === undefined ? null : resolve(opts.acmeCaCert);
  if (caCertFile !== null)
    await access(caCertFile, constants.R_OK).catch(() => {
      throw new CliError(`--acme-ca-cert ${caCertFile} cannot be read`, EXIT.userError);
    });
  return { email: opts.acmeEmail, directory: opts.acmeDirectory ?? null, caCertFile };
}
