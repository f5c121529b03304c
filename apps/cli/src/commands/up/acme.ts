import { access, constants, readFile } from 'node:fs/promises';
import { DnsProviderSettings } from '@berth/protocol';
import { resolve } from 'node:path';
import { EXIT } from '../../cli/exit-codes.js';
import { CliError } from '../../cli/output.js';
import type { UpSettings } from './children.js';

/** `--acme-*`: checked here so a typo is a clear error now, not a failed order later. */
export async function checkAcmeFlags(opts: {
  acmeEmail?: string;
  acmeDirectory?: string;
  acmeCaCert?: string;
  dnsProvider?: string;
}): Promise<UpSettings['acme']> {
  if (opts.acmeEmail === undefined) {
    if (opts.acmeDirectory !== undefined || opts.acmeCaCert !== undefined || opts.dnsProvider !== undefined)
      throw new CliError(
        '--acme-directory, --acme-ca-cert and --dns-provider need --acme-email',
        EXIT.userError,
      );
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
  const dnsProviderFile = opts.dnsProvider === undefined ? null : resolve(opts.dnsProvider);
  if (dnsProviderFile !== null) await checkDnsProviderFile(dnsProviderFile);
  return { email: opts.acmeEmail, directory: opts.acmeDirectory ?? null, caCertFile, dnsProviderFile };
}

/** The settings must parse now: a typo found at the first wildcard order would be too late. */
async function checkDnsProviderFile(file: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CliError(`--dns-provider ${file} cannot be read`, EXIT.userError);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`--dns-provider ${file} is not JSON`, EXIT.userError);
  }
  const parsed = DnsProviderSettings.safeParse(json);
  if (!parsed.success)
    // Paths and messages only: the file holds secrets, which never go to the terminal.
    throw new CliError(
      `--dns-provider ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}`,
      EXIT.userError,
      'See README.md "Custom domains" for the settings of rfc2136, cloudflare and exec.',
    );
}
