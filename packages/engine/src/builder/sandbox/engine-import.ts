/**
 * Root's half of handing a built image over: skopeo copies it from the team's OCI layout into
 * the engine. A Podman engine on this host is written through its own storage (where it says it
 * is: /libpod/info), which reuses every layer it already has by digest; a Docker engine gets a
 * docker-archive through its API (every layer, every time: slower, but nothing else is needed).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BerthError, IMAGE_REF_PATTERN } from '@berth/protocol';
import type { EngineHttpClient } from '../../container/engine-http.js';
import { engineMessage } from '../../container/engine-http.js';
import { asRecord, asString, toEngineInfo } from '../../container/engine-json.js';

const run = promisify(execFile);
const STORAGE_FIELD = /^[A-Za-z0-9._/-]+$/;
const TAG = /^[A-Za-z0-9._-]{1,128}$/;

export interface ImportLayoutOptions {
  skopeo: string;
  layout: string;
  tag: string;
  engine: EngineHttpClient;
  /** The name the image gets in the engine, e.g. localhost/berth/app:commit. */
  ref: string;
  signal: AbortSignal;
}

export async function importLayoutIntoEngine(o: ImportLayoutOptions): Promise<string> {
  if (!IMAGE_REF_PATTERN.test(o.ref) || !TAG.test(o.tag) || !o.layout.startsWith('/')) {
    throw new BerthError('VALIDATION_FAILED', `Invalid image import ${JSON.stringify([o.ref, o.tag])}`);
  }
  const destination = await engineDestination(o.engine, o.ref);
  try {
    await run(
      o.skopeo,
      [
        '--insecure-policy',
        'copy',
        '--quiet',
        ...destination.flags,
        `oci:${o.layout}:${o.tag}`,
        destination.ref,
      ],
      { signal: o.signal, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, maxBuffer: 4 * 1024 * 1024 },
    );
  } catch (err) {
    o.signal.throwIfAborted();
    const stderr = typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr) : '';
    throw new BerthError('BUILD_FAILED', 'The built image could not be handed to the engine', {
      logs: stderr.split('\n').filter(Boolean).slice(-10),
      cause: err,
    });
  }
  const res = await o.engine.request({ method: 'GET', path: `/images/${encodeURIComponent(o.ref)}/json` });
  const id = asString(asRecord(res.body).Id);
  if (res.status !== 200 || id === '') {
    throw new BerthError(
      'BUILD_FAILED',
      `The engine does not show the imported image: ${engineMessage(res.body)}`,
    );
  }
  return id.startsWith('sha256:') ? id : `sha256:${id}`;
}

async function engineDestination(
  engine: EngineHttpClient,
  ref: string,
): Promise<{ flags: string[]; ref: string }> {
  const version = await engine.request({ method: 'GET', path: '/version' });
  if (toEngineInfo(version.body).kind === 'podman') {
    const info = await engine.request({ method: 'GET', path: '/libpod/info' });
    const store = asRecord(asRecord(info.body).store);
    const driver = asString(store.graphDriverName);
    const graph = asString(store.graphRoot);
    const runRoot = asString(store.runRoot);
    if (info.status === 200 && [driver, graph, runRoot].every((f) => STORAGE_FIELD.test(f))) {
      return { flags: [], ref: `containers-storage:[${driver}@${graph}+${runRoot}]${ref}` };
    }
  }
  return {
    flags: ['--dest-daemon-host', `unix://${engine.socketPath}`],
    ref: `docker-daemon:${ref}`,
  };
}
