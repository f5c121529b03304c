/**
 * Every value that reaches nft's text is checked here first: the ruleset is a program, and a
 * value that could close a brace or a quote would be an injection (see TESTBED's nginx -t note:
 * a parser accepting the text says nothing about what the text does).
 */
import { BerthError } from '@berth/protocol';

/** nft identifiers as Berth uses them: lowercase, digits, underscores. */
const TABLE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
/** Linux interface names: at most 15 bytes. */
const INTERFACE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

const invalid = (what: string, value: unknown): BerthError =>
  new BerthError('VALIDATION_FAILED', `Invalid ${what} for the host firewall: ${JSON.stringify(value)}`);

export function checkTableName(name: string): string {
  if (!TABLE_NAME.test(name)) throw invalid('table name', name);
  return name;
}

export function checkInterface(name: string): string {
  if (!INTERFACE_NAME.test(name)) throw invalid('interface name', name);
  return name;
}

export function checkIpv4(address: string): string {
  const m = IPV4.exec(address);
  if (!m || m.slice(1).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0'))))
    throw invalid('IPv4 address', address);
  return address;
}

/** `a.b.c.d/n`, with no host bits set (nft refuses those in sets). */
export function checkIpv4Cidr(cidr: string): string {
  const [address, bits, ...rest] = cidr.split('/');
  const n = Number(bits);
  if (rest.length > 0 || address === undefined || !/^\d{1,2}$/.test(bits ?? '') || n > 32)
    throw invalid('IPv4 subnet', cidr);
  checkIpv4(address);
  const value = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const hostBits = 2 ** (32 - n);
  if (value % hostBits !== 0) throw invalid('IPv4 subnet (host bits set)', cidr);
  return cidr;
}

export function isIpv4Cidr(cidr: string): boolean {
  try {
    checkIpv4Cidr(cidr);
    return true;
  } catch {
    return false;
  }
}

export function checkUid(uid: number): number {
  if (!Number.isInteger(uid) || uid < 0 || uid > 4_294_967_294) throw invalid('uid', uid);
  return uid;
}

/** The atomic-replace idiom: make the table if missing, delete it, define it anew — one transaction. */
export function renderReplacedTable(name: string, header: string, body: readonly string[]): string {
  const t = checkTableName(name);
  return [
    ...header.split('\n').map((line) => `# ${line}`),
    `table inet ${t}`,
    `delete table inet ${t}`,
    `table inet ${t} {`,
    ...body,
    '}',
    '',
  ].join('\n');
}

/** A set of IPv4 subnets; `auto-merge` folds overlapping or adjacent ones, which nft would refuse. */
export function renderSubnetSet(name: string, subnets: readonly string[]): string[] {
  const unique = [...new Set(subnets.map(checkIpv4Cidr))].sort();
  return [
    `\tset ${name} {`,
    '\t\ttype ipv4_addr',
    '\t\tflags interval',
    '\t\tauto-merge',
    ...(unique.length > 0 ? [`\t\telements = { ${unique.join(', ')} }`] : []),
    '\t}',
  ];
}

export const SMTP_PORTS = '{ 25, 465, 587 }';
/** Link-local: cloud metadata services answer on 169.254.169.254 (and AWS on fd00:ec2::254). */
export const METADATA_V4 = '169.254.0.0/16';
export const METADATA_V6 = 'fd00:ec2::254';
