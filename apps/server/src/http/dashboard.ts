import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * The dashboard (apps/web's build) on the API's origin. Its files are read once at start into a
 * map from URL path to body, so a request can only ever name one of them: no path from the
 * network reaches the file system. Hashed assets are cached for a year; index.html never is,
 * so a new berthd's dashboard is the one a reload shows.
 *
 * Every dashboard response carries the headers that make the page safe by construction: a CSP
 * without inline script or style or eval, no framing (clickjacking), no MIME sniffing, no
 * Referer leaving the origin.
 */

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Only plain files and directories: a symlink in the build output is not followed.
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** The built dashboard, by URL path; null when `dir` holds no build (index.html). */
export async function loadDashboard(dir: string): Promise<Map<string, StaticFile> | null> {
  const files = await walk(dir).catch(() => null);
  if (!files?.some((f) => relative(dir, f) === 'index.html')) return null;
  const byPath = new Map<string, StaticFile>();
  for (const file of files) {
    const type = TYPES[extname(file)];
    if (!type) continue;
    const body = await readFile(file);
    const urlPath = `/${relative(dir, file).split(sep).join('/')}`;
    byPath.set(urlPath, {
      body,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      immutable: urlPath.startsWith('/assets/'),
    });
  }
  return byPath;
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  void reply
    .headers(SECURITY_HEADERS)
    .header('content-type', file.type)
    .header('etag', file.etag)
    .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
  return reply.status(200).send(file.body);
}

/** The page paths the dashboard's own router knows: each answers with index.html. */
const PAGES = ['/', '/setup', '/invite', '/login', '/team', '/audit', '/apps/:app', '/apps/:app/:tab'];
const PAGE_QUERY = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const PAGE = /^\/(?:|setup|invite|login|team|audit|apps\/[a-z0-9-]{1,63}(?:\/[a-z]{1,20})?)$/;

/**
 * Serves the dashboard beside the API: its pages, its assets and the files at the top of its
 * build, each by its own route, so the API's routing (and its 404 and 400 problems) is
 * untouched. Without a build (a checkout where `npm run build` has not run) a page says how to
 * make one.
 */
export function registerDashboard(app: FastifyInstance, files: Map<string, StaticFile> | null): void {
  const route = { config: { access: { kind: 'public' as const } }, schema: { hide: true } };
  // A page's query is the page's own (`/team?team=shop`, `/audit?action=…`): its router reads
  // it, and the answer is index.html whatever it says. Other files take none, like API routes.
  const page = { ...route, schema: { ...route.schema, querystring: PAGE_QUERY } };
  const serve = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const path = request.url.split('?')[0] ?? '';
    const page = PAGE.test(path);
    const file = files?.get(path) ?? (page ? files?.get('/index.html') : undefined);
    if (file) return send(request, reply, file);
    // Anything else (a page name no page has, an asset no build made) is the API's 404 problem.
    if (!page || files) {
      reply.callNotFound();
      return reply;
    }
    return reply
      .status(503)
      .headers(SECURITY_HEADERS)
      .type('text/plain; charset=utf-8')
      .send('The dashboard is not built in this installation: run npm run build, then restart berthd\n');
  };
  const topLevel = [...(files?.keys() ?? [])].filter((p) => p.lastIndexOf('/') === 0 && p !== '/index.html');
  for (const path of PAGES) app.get(path, page, serve);
  for (const path of [...topLevel, '/assets/*']) app.get(path, route, serve);
}
