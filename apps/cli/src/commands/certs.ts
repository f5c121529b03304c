import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { action, clientFor, withCommon, type CommonOptions } from '../cli/command.js';
import type { CliEnvironment } from '../cli/environment.js';
import { EXIT } from '../cli/exit-codes.js';
import { CliError, printJson } from '../cli/output.js';

interface AddOptions extends CommonOptions {
  cert: string;
  key: string;
}

/** PEM files are small: anything bigger is not one (and is not sent). */
const MAX_PEM_BYTES = 64 * 1024;

async function readPem(path: string, flag: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch((e: unknown) => {
    throw new CliError(
      `Cannot read ${flag} ${path}: ${e instanceof Error ? e.message : String(e)}`,
      EXIT.userError,
    );
  });
  if (Buffer.byteLength(text) > MAX_PEM_BYTES)
    throw new CliError(
      `${flag} ${path} is larger than ${MAX_PEM_BYTES} bytes: not a PEM file`,
      EXIT.userError,
    );
  return text;
}

export function registerCerts(program: Command, environment: CliEnvironment): void {
  const certs = program.command('certs').description("certificates for an app's custom domains");
  withCommon(certs.command('add <app>'))
    .description("bring your own certificate: served for the app's domains it covers, on every server")
    .requiredOption('--cert <file>', 'the certificate chain, PEM (server certificate first)')
    .requiredOption('--key <file>', 'its private key, PEM (unencrypted; sealed at rest, never shown again)')
    .action(
      action(async (app: string, opts: AddOptions) => {
        const added = await clientFor(environment, opts).addCertificate(app, {
          certificatePem: await readPem(opts.cert, '--cert'),
          keyPem: await readPem(opts.key, '--key'),
        });
        if (opts.json) return printJson(added);
        process.stdout.write(
          `${app} now serves ${added.covers.join(', ')} with this certificate (issuer ${added.issuer}, expires ${added.expiresAt})\n`,
        );
      }),
    );
}
