/**
 * The local test images (localhost/hello:1 and :2), built by scripts/build-example-images.sh into
 * the host's image store without a registry. See test/fixtures/hello/entrypoint.sh for the app
 * and its failure knobs (CRASH=1, SLOW_START=<seconds>, GREETING=<text>).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const HELLO_V1 = 'localhost/hello:1';
export const HELLO_V2 = 'localhost/hello:2';
/** The port the hello app listens on unless PORT says otherwise. */
export const HELLO_PORT = 8080;

const script = fileURLToPath(new URL('../../scripts/build-example-images.sh', import.meta.url));
let built: Promise<void> | null = null;

/** Builds the images if missing; once per process, and fast (~0.3 s) when they exist. */
export function ensureExampleImages(): Promise<void> {
  built ??= promisify(execFile)('bash', [script], { timeout: 120_000 }).then(
    () => undefined,
    (err: unknown) => {
      built = null;
      const stderr = typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr) : '';
      throw new Error(`building the example images failed: ${stderr || String(err)}`, { cause: err });
    },
  );
  return built;
}
