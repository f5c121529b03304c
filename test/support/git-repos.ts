/**
 * Real git repositories for tests, made with the git CLI in a temp dir, and a "dumb HTTP" git
 * server (static files of a bare repository after `git update-server-info`) on 127.0.0.1 that
 * demands a token, like a private repository on a git host.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A clean environment for the test's own git commands: no host config, fixed identity and dates. */
const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.test',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.test',
};

export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: GIT_ENV });
  return stdout.trim();
}

export interface TestRepo {
  /** The working repository. */
  path: string;
  /** Writes the files (path → content; `null` deletes), commits them, returns the new SHA. */
  commit(files: Record<string, string | null>, message: string): Promise<string>;
  git(args: string[]): Promise<string>;
}

export async function createTestRepo(path: string, branch = 'main'): Promise<TestRepo> {
  await mkdir(path, { recursive: true });
  await git(path, ['init', '--quiet', '--initial-branch', branch]);
  return {
    path,
    git: (args) => git(path, args),
    async commit(files, message) {
      for (const [file, content] of Object.entries(files)) {
        const full = join(path, file);
        if (content === null) {
          await git(path, ['rm', '--quiet', '--', file]);
        } else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content);
          await git(path, ['add', '--', file]);
        }
      }
      await git(path, ['commit', '--quiet', '--allow-empty', '-m', message]);
      return git(path, ['rev-parse', 'HEAD']);
    },
  };
}

/** A bare copy of `source` at `bare`, ready to be served over dumb HTTP. */
export async function publishBare(source: string, bare: string): Promise<void> {
  await exec('git', ['clone', '--quiet', '--bare', '--no-local', source, bare], { env: GIT_ENV });
  await git(bare, ['update-server-info']);
}

export interface DumbGitServer {
  /** `http://127.0.0.1:PORT/<name>` for a bare repository `<root>/<name>`. */
  url(name: string): string;
  /** Authorization headers seen, in order (to assert the token was sent). */
  authorizations: (string | null)[];
  stop(): Promise<void>;
}

/** Serves `root` read-only; every request must carry `Authorization: Basic` with `token` as password. */
export async function startDumbGitServer(root: string, token: string): Promise<DumbGitServer> {
  const base = resolve(root);
  const authorizations: (string | null)[] = [];
  const server = createServer((req, res) => {
    const header = req.headers.authorization ?? null;
    authorizations.push(header);
    const password = header?.startsWith('Basic ')
      ? Buffer.from(header.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':')
      : null;
    if (password !== token) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end('unauthorized\n');
      return;
    }
    const path = resolve(base, `.${decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)}`);
    if (!path.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    stat(path).then(
      (st) => {
        if (!st.isFile()) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': st.size });
        createReadStream(path).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    authorizations,
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
