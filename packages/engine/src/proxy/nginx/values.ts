/**
 * Everything that reaches the nginx config from outside, checked before anything is rendered:
 * names, addresses, ports, subnets, ACME tokens, PEM shapes, listeners. A value that fails is
 * refused with a BerthError naming it; nothing is rendered or written for that publish.
 */

import { isIP } from 'node:net';
import { toInternalHostname } from '@berth/core';
import { APP_NAME_PATTERN, BerthError, DOMAIN_PATTERN } from '@berth/protocol';
import { isIpv4Cidr } from '../../firewall/nft-values.js';
import { isHstsMaxAge } from '../hsts.js';
import type { EdgeState } from '../types.js';

export interface NginxSettings {
  /** Plain HTTP listener: `host:port` or `:port` (every address). */
  httpListen: string;
  /** HTTPS listener the same way; null: no HTTPS, every hostname is served over plain HTTP. */
  httpsListen: string | null;
  /** Port written into redirects to HTTPS; 443 leaves it out of the URL. */
  httpsPublicPort: number;
  /** Port written into redirects to plain HTTP; 80 leaves it out. Default: httpListen's port. */
  httpPublicPort?: number;
  /** `Strict-Transport-Security: max-age=N` on every HTTPS response (see ../hsts.ts); absent: none. */
  hstsMaxAge?: number;
  /** nginx worker processes; default 1 (the edge is rarely CPU-bound, and each one holds its own upstream connections). */
  workerProcesses?: number;
}

const LISTEN = /^(?:(\d{1,3}(?:\.\d{1,3}){3})|\[([0-9a-fA-F:.]+)\])?:(\d{1,5})$/;
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
const KEY_AUTHORIZATION = /^[A-Za-z0-9_-]{1,256}\.[A-Za-z0-9_-]{1,256}$/;
const CERT_NAME = /^(\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/;
/** PEM is base64 between armour lines; nothing else (no NUL, no config syntax) belongs in the file. */
const PEM_TEXT = /^[A-Za-z0-9+/=\-\s]+$/;

function refuse(message: string, path: string): never {
  throw new BerthError('VALIDATION_FAILED', `The nginx edge cannot serve this: ${message}`, {
    issues: [{ path, message }],
  });
}

const show = (v: unknown): string => JSON.stringify(v);

export const isPort = (p: unknown): p is number =>
  typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;

/** A listener as nginx's `listen` takes it: `127.0.0.1:8080`, `[::1]:8080`, or `8080` for `:8080`. */
export function toListenArg(listen: string, path: string): string {
  const m = LISTEN.exec(listen);
  if (m === null || !isPort(Number(m[3]))) refuse(`${show(listen)} is not host:port`, path);
  if (m[1] !== undefined && isIP(m[1]) !== 4) refuse(`${show(listen)} has no IPv4 address`, path);
  if (m[2] !== undefined && isIP(m[2]) !== 6) refuse(`${show(listen)} has no IPv6 address`, path);
  return m[1] === undefined && m[2] === undefined ? String(Number(m[3])) : listen;
}

export const listenPort = (listen: string): number => Number(LISTEN.exec(listen)?.[3] ?? NaN);

export function checkSettings(s: NginxSettings): void {
  toListenArg(s.httpListen, 'settings.httpListen');
  if (s.httpsListen !== null) toListenArg(s.httpsListen, 'settings.httpsListen');
  if (!isPort(s.httpsPublicPort))
    refuse(`the HTTPS port ${show(s.httpsPublicPort)}`, 'settings.httpsPublicPort');
  if (s.httpPublicPort !== undefined && !isPort(s.httpPublicPort))
    refuse(`the HTTP port ${show(s.httpPublicPort)}`, 'settings.httpPublicPort');
  if (s.hstsMaxAge !== undefined && !isHstsMaxAge(s.hstsMaxAge))
    refuse(`the HSTS max-age ${show(s.hstsMaxAge)}`, 'settings.hstsMaxAge');
  if (s.hstsMaxAge !== undefined && s.httpsListen === null)
    refuse('HSTS without an HTTPS listener', 'settings.hstsMaxAge');
  const w = s.workerProcesses;
  if (w !== undefined && (!Number.isInteger(w) || w < 1 || w > 64))
    refuse(`${show(w)} worker processes`, 'settings.workerProcesses');
}

function checkHostname(name: unknown, path: string, wildcard = false): string {
  // A wildcard `*.example.com` is the whole leftmost label, and only where an app serves a name.
  const bare = wildcard && typeof name === 'string' && name.startsWith('*.') ? name.slice(2) : name;
  if (typeof bare !== 'string' || !DOMAIN_PATTERN.test(bare) || bare.length > 253)
    refuse(`${show(name)} is not a lower-case domain name`, path);
  return name as string;
}

function checkUpstreamHost(host: unknown, path: string): void {
  if (typeof host !== 'string') refuse(`the upstream address ${show(host)}`, path);
  // A hostname would be resolved once, at load, and block the reload on DNS: addresses only.
  if (isIP(host) === 0) refuse(`the upstream address ${show(host)} is not an IP address`, path);
}

/**
 * The whole state, checked: every hostname unique across the edge (nginx would only warn about a
 * duplicate and serve one of them), redirects to a name of their own route, certificates PEM.
 */
export function checkEdgeState(state: EdgeState): void {
  const seen = new Map<string, string>();
  const claim = (name: string, owner: string, path: string): void => {
    const other = seen.get(name);
    if (other !== undefined) refuse(`${name} is claimed by both ${other} and ${owner}`, path);
    seen.set(name, owner);
  };
  const apps = new Set<string>();
  state.routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    if (typeof route.appName !== 'string' || !APP_NAME_PATTERN.test(route.appName))
      refuse(`the app name ${show(route.appName)}`, `${at}.appName`);
    if (apps.has(route.appName)) refuse(`the app ${route.appName} has two routes`, `${at}.appName`);
    apps.add(route.appName);
    route.hostnames.forEach((h, j) =>
      claim(checkHostname(h, `${at}.hostnames[${j}]`, true), route.appName, at),
    );
    if (route.internalFrom !== undefined) {
      if (!isIpv4Cidr(route.internalFrom))
        refuse(`the team subnet ${show(route.internalFrom)}`, `${at}.internalFrom`);
      claim(toInternalHostname(route.appName), route.appName, at);
    }
    (route.redirects ?? []).forEach((r, j) => {
      const rat = `${at}.redirects[${j}]`;
      claim(checkHostname(r.from, `${rat}.from`), route.appName, rat);
      if (!route.hostnames.includes(checkHostname(r.to, `${rat}.to`)))
        refuse(`${r.to} is not a hostname of ${route.appName}`, `${rat}.to`);
    });
  });
  for (const [app, ups] of Object.entries(state.upstreams)) {
    if (!APP_NAME_PATTERN.test(app)) refuse(`the app name ${show(app)}`, `upstreams`);
    ups.forEach((u, i) => {
      checkUpstreamHost(u.host, `upstreams.${app}[${i}].host`);
      if (!isPort(u.port)) refuse(`the upstream port ${show(u.port)}`, `upstreams.${app}[${i}].port`);
    });
  }
  (state.certificates ?? []).forEach((c, i) => {
    const at = `certificates[${i}]`;
    if (c.names.length === 0) refuse('a certificate without names', `${at}.names`);
    c.names.forEach((n, j) => {
      if (typeof n !== 'string' || n.length > 253 || !CERT_NAME.test(n))
        refuse(`${show(n)} is not a certificate name`, `${at}.names[${j}]`);
    });
    if (!PEM_TEXT.test(c.chainPem) || !PEM_CERTIFICATE.test(c.chainPem))
      refuse('the certificate chain is not PEM', `${at}.chainPem`);
    if (!PEM_TEXT.test(c.keyPem) || !PEM_KEY.test(c.keyPem)) refuse('the key is not PEM', `${at}.keyPem`);
  });
  for (const [token, answer] of Object.entries(state.challenges ?? {})) {
    if (!TOKEN.test(token)) refuse(`the ACME token ${show(token)}`, 'challenges');
    if (!KEY_AUTHORIZATION.test(answer)) refuse(`the key authorization for ${token}`, `challenges.${token}`);
  }
}
