/**
 * DNS-01 providers: the `Dns01Port` the issuer calls, made from settings that are data
 * (`DnsProviderSettings` of @berth/protocol): RFC 2136 with TSIG, Cloudflare's API, or a program
 * of the user's. Every provider waits, after writing, until the record shows where the CA will
 * look (see `RecordVisibility`).
 */
import { DnsProviderSettings, parseOrThrow, type DnsProviderSettingsInput } from '@berth/protocol';
import type { Dns01Port } from '../types.js';
import { createCloudflareProvider } from './cloudflare.js';
import { createExecProvider } from './exec.js';
import { toProviderContext, type Dns01ProviderOptions } from './provider-context.js';
import { createRfc2136Provider } from './rfc2136.js';

/** Validates the settings (VALIDATION_FAILED naming the field, never its value) and makes the port. */
export function createDns01Provider(
  settings: DnsProviderSettingsInput,
  options: Dns01ProviderOptions = {},
): Dns01Port {
  const parsed = parseOrThrow(DnsProviderSettings, settings, 'DNS provider settings');
  const context = toProviderContext(options);
  switch (parsed.kind) {
    case 'rfc2136':
      return createRfc2136Provider(parsed, context);
    case 'cloudflare':
      return createCloudflareProvider(parsed, context);
    case 'exec':
      return createExecProvider(parsed, context);
  }
}

export type { Dns01ProviderOptions, RecordVisibility } from './provider-context.js';
export { findAuthoritativeServers, waitForTxt, type WaitForTxtOptions } from './visibility.js';
