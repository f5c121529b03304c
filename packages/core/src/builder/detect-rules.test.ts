import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BerthError, type BerthManifest } from '@berth/protocol';
import { GENERATED_DOCKERFILE_PATH, planBuild } from './detect.js';
import { dockerfileLines, options, pkg, tree } from './test-support/trees.js';

const NODE_DEPS = pkg({ scripts: { start: 'node server.js' }, dependencies: { express: '^4' } });

describe('planBuild() precedence', () => {
  const everything = {
    Dockerfile: '',
    Containerfile: '',
    'package.json': NODE_DEPS,
    'requirements.txt': 'flask\n',
    'app.py': '',
    'index.html': '',
    'go.mod': '',
    'main.go': '',
    'deploy/Dockerfile.prod': '',
  };
  const without = (...names: string[]): Record<string, string> =>
    Object.fromEntries(Object.entries(everything).filter(([k]) => !names.includes(k)));

  const cases: { name: string; files: Record<string, string>; manifest?: BerthManifest; expect: string }[] = [
    {
      name: 'berth.yaml builder beats everything',
      files: everything,
      manifest: { builder: 'go' },
      expect: 'go',
    },
    {
      name: 'berth.yaml dockerfile beats the root Dockerfile',
      files: everything,
      manifest: { dockerfile: 'deploy/Dockerfile.prod' },
      expect: 'dockerfile:deploy/Dockerfile.prod',
    },
    { name: 'Dockerfile beats Containerfile', files: everything, expect: 'dockerfile:Dockerfile' },
    { name: 'Containerfile beats Node', files: without('Dockerfile'), expect: 'dockerfile:Containerfile' },
    { name: 'Node beats Python', files: without('Dockerfile', 'Containerfile'), expect: 'node' },
    {
      name: 'Python beats static',
      files: without('Dockerfile', 'Containerfile', 'package.json'),
      expect: 'python',
    },
    {
      name: 'static beats Go',
      files: without('Dockerfile', 'Containerfile', 'package.json', 'requirements.txt'),
      expect: 'static',
    },
    {
      name: 'Go last',
      files: without('Dockerfile', 'Containerfile', 'package.json', 'requirements.txt', 'index.html'),
      expect: 'go',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const plan = planBuild(tree(c.files), options({ manifest: c.manifest ?? null }));
      const got = 'path' in plan.dockerfile ? `dockerfile:${plan.dockerfile.path}` : plan.builder;
      assert.equal(got, c.expect);
    });
  }

  test('builder: static serves plain files even with a package.json', () => {
    const files = { 'package.json': pkg({ devDependencies: { prettier: '3' } }), 'index.html': '' };
    assert.equal(planBuild(tree(files), options({ manifest: { builder: 'static' } })).builder, 'static');
  });
});

describe('planBuild() layer order', () => {
  const installs: [string, Record<string, string>, string][] = [
    ['node', { 'package.json': NODE_DEPS, 'package-lock.json': '{}' }, 'RUN npm ci'],
    [
      'python',
      { 'requirements.txt': 'flask\n', 'app.py': '' },
      'RUN pip install --no-cache-dir -r requirements.txt',
    ],
    ['go', { 'go.mod': '', 'main.go': '' }, 'RUN go mod download'],
  ];
  for (const [name, files, install] of installs) {
    test(`${name}: manifests, then install, then the source`, () => {
      const lines = dockerfileLines(planBuild(tree(files), options()));
      const copyManifests = lines.findIndex(
        (l) => l.startsWith('COPY ') && l.endsWith(' ./') && l !== 'COPY . .',
      );
      const installAt = lines.indexOf(install);
      const copySource = lines.indexOf('COPY . .');
      assert.ok(copyManifests >= 0 && copyManifests < installAt, lines.join('\n'));
      assert.ok(installAt < copySource, lines.join('\n'));
    });
  }
});

describe('planBuild() plan fields', () => {
  test('a Dockerfile build keeps berth.yaml values and adds no PORT', () => {
    const manifest: BerthManifest = { port: 3000, health_path: '/healthz', env: { A: '1' }, replicas: 2 };
    const plan = planBuild(tree({ Dockerfile: '' }), options({ manifest }));
    assert.deepEqual(plan, {
      builder: 'dockerfile',
      dockerfile: { path: 'Dockerfile' },
      port: 3000,
      healthPath: '/healthz',
      env: { A: '1' },
      replicas: 2,
      summary: ['Using the Dockerfile at the root'],
    });
  });

  test('a Dockerfile build without port has none', () => {
    assert.equal(planBuild(tree({ Containerfile: '' }), options()).port, null);
  });

  test('berth.yaml port and env reach a detected build', () => {
    const manifest: BerthManifest = { port: 3000, env: { NODE_ENV: 'production' } };
    const plan = planBuild(tree({ 'package.json': NODE_DEPS }), options({ manifest }));
    assert.equal(plan.port, 3000);
    assert.deepEqual(plan.env, { NODE_ENV: 'production', PORT: '3000' });
    const lines = dockerfileLines(plan);
    assert.ok(lines.includes('ENV PORT=3000') && lines.includes('EXPOSE 3000'));
  });

  test('base_image replaces the build stage; the run stage stays on Berth’s image', () => {
    const go = dockerfileLines(
      planBuild(tree({ 'go.mod': '', 'main.go': '' }), options({ manifest: { base_image: 'golang:1.22' } })),
    );
    assert.equal(go[0], 'FROM golang:1.22 AS build');
    assert.ok(go.includes('FROM localhost/berth/base-debian:bookworm'));
    const site = dockerfileLines(
      planBuild(tree({ 'index.html': '' }), options({ manifest: { base_image: 'busybox:1.36' } })),
    );
    assert.equal(site[0], 'FROM busybox:1.36');
  });

  test('summary says what was found and why', () => {
    const plan = planBuild(tree({ 'package.json': NODE_DEPS, 'package-lock.json': '{}' }), options());
    assert.equal(plan.summary[0], 'Detected Node.js (package.json, package-lock.json → npm ci)');
  });

  test('the generated Dockerfile path is fixed', () => {
    assert.equal(GENERATED_DOCKERFILE_PATH, '.berth.Dockerfile');
  });
});

describe('planBuild() errors', () => {
  const cases: {
    name: string;
    files: Record<string, string>;
    manifest?: BerthManifest;
    code: string;
    match: RegExp;
  }[] = [
    {
      name: 'nothing detected lists what was looked for',
      files: { 'README.md': '' },
      code: 'BUILD_DETECTION_FAILED',
      match:
        /Dockerfile, Containerfile, package.json, requirements.txt, pyproject.toml, go.mod or index.html.*builder/,
    },
    {
      name: 'invalid package.json is named',
      files: { 'package.json': '{ "name": ' },
      code: 'BUILD_DETECTION_FAILED',
      match: /^package.json is not valid JSON/,
    },
    {
      name: 'builder: node without package.json',
      files: { 'index.html': '' },
      manifest: { builder: 'node' },
      code: 'BUILD_DETECTION_FAILED',
      match: /builder: node, but there is no package.json/,
    },
    {
      name: 'builder: dockerfile without a Dockerfile',
      files: { 'index.html': '' },
      manifest: { builder: 'dockerfile' },
      code: 'BUILD_DETECTION_FAILED',
      match: /no Dockerfile or Containerfile/,
    },
    {
      name: 'berth.yaml dockerfile that is not in the source',
      files: { Dockerfile: '' },
      manifest: { dockerfile: 'docker/Dockerfile' },
      code: 'BUILD_MANIFEST_INVALID',
      match: /dockerfile names docker\/Dockerfile, which is not in the source/,
    },
    {
      name: 'dockerfile with another builder',
      files: { 'go.mod': '', 'x.Dockerfile': '' },
      manifest: { builder: 'go', dockerfile: 'x.Dockerfile' },
      code: 'BUILD_MANIFEST_INVALID',
      match: /dockerfile only applies to builder: dockerfile/,
    },
    {
      name: 'package.json with nothing to start',
      files: { 'package.json': pkg({ dependencies: { a: '1' } }) },
      code: 'BUILD_DETECTION_FAILED',
      match: /not how to start/,
    },
    {
      name: 'python with nothing to start',
      files: { 'requirements.txt': 'flask\n' },
      code: 'BUILD_DETECTION_FAILED',
      match: /Python app but not how to start it/,
    },
    {
      name: 'env.PORT that disagrees with port',
      files: { 'index.html': '' },
      manifest: { env: { PORT: '3000' } },
      code: 'BUILD_MANIFEST_INVALID',
      match: /env.PORT differs from the port Berth routes to \(8080\)/,
    },
    {
      name: 'port out of range',
      files: { Dockerfile: '' },
      manifest: { port: 70000 },
      code: 'BUILD_MANIFEST_INVALID',
      match: /port must be a whole number/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(
        () => planBuild(tree(c.files), options({ manifest: c.manifest ?? null })),
        (e: unknown) => e instanceof BerthError && e.code === c.code && c.match.test(e.message),
      );
    });
  }

  test('nothing detected hints at a Dockerfile or berth.yaml', () => {
    assert.throws(
      () => planBuild(tree({}), options()),
      (e: unknown) =>
        e instanceof BerthError && /Dockerfile/.test(e.hint ?? '') && /builder:.*start:/.test(e.hint ?? ''),
    );
  });
});
