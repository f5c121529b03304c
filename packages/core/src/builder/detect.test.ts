import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BerthManifest, BuilderName } from '@berth/protocol';
import { planBuild } from './detect.js';
import { dockerfileLines, options, pkg, tree } from './test-support/trees.js';

const NODE_DEPS = pkg({ scripts: { start: 'node server.js' }, dependencies: { express: '^4' } });

describe('planBuild() detection', () => {
  const cases: {
    name: string;
    files: Record<string, string>;
    manifest?: BerthManifest;
    builder: BuilderName;
    has: string[];
    lacks?: string[];
  }[] = [
    {
      name: 'npm with package-lock.json → npm ci',
      files: { 'package.json': NODE_DEPS, 'package-lock.json': '{}', 'server.js': '' },
      builder: 'node',
      has: ['COPY package.json package-lock.json ./', 'RUN npm ci', 'CMD ["npm","start"]'],
    },
    {
      name: 'npm-shrinkwrap.json → npm ci',
      files: { 'package.json': NODE_DEPS, 'npm-shrinkwrap.json': '{}' },
      builder: 'node',
      has: ['COPY package.json npm-shrinkwrap.json ./', 'RUN npm ci'],
    },
    {
      name: 'pnpm-lock.yaml → pnpm',
      files: { 'package.json': NODE_DEPS, 'pnpm-lock.yaml': '', 'pnpm-workspace.yaml': '' },
      builder: 'node',
      has: [
        'COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./',
        'RUN npm install -g pnpm@9 && pnpm install --frozen-lockfile',
      ],
    },
    {
      name: 'yarn.lock → yarn 1',
      files: { 'package.json': NODE_DEPS, 'yarn.lock': '', '.npmrc': '' },
      builder: 'node',
      has: [
        'COPY package.json yarn.lock .npmrc ./',
        'RUN npm install -g yarn@1 && yarn install --frozen-lockfile',
      ],
    },
    {
      name: 'no lockfile but dependencies → npm install',
      files: { 'package.json': NODE_DEPS },
      builder: 'node',
      has: ['COPY package.json ./', 'RUN npm install'],
    },
    {
      name: 'no lockfile and no dependencies → no install step',
      files: { 'package.json': pkg({ name: 'x' }), 'index.js': '' },
      builder: 'node',
      has: ['COPY . .', 'CMD ["node","index.js"]'],
      lacks: ['RUN npm install', 'COPY package.json ./'],
    },
    {
      name: 'scripts.build runs with the project package manager',
      files: { 'package.json': pkg({ scripts: { build: 'tsc', start: 'node dist/a.js' } }), 'yarn.lock': '' },
      builder: 'node',
      has: ['RUN yarn run build', 'CMD ["npm","start"]'],
    },
    {
      name: 'berth.yaml build and start win over package.json scripts',
      files: { 'package.json': pkg({ scripts: { build: 'tsc', start: 'node a.js' } }) },
      manifest: { build: 'npm run compile', start: 'node out/main.js' },
      builder: 'node',
      has: ['RUN ["sh","-c","npm run compile"]', 'CMD ["sh","-c","node out/main.js"]'],
      lacks: ['RUN npm run build'],
    },
    {
      name: 'main names the entry file',
      files: { 'package.json': pkg({ main: './lib/app' }), 'lib/app.js': '' },
      builder: 'node',
      has: ['CMD ["node","lib/app.js"]'],
    },
    {
      name: 'main missing from the source is taken as build output',
      files: { 'package.json': pkg({ main: 'dist/server.js', scripts: { build: 'tsc' } }) },
      builder: 'node',
      has: ['RUN npm run build', 'CMD ["node","dist/server.js"]'],
    },
    {
      name: 'server.js at the root',
      files: { 'package.json': pkg({}), 'server.js': '' },
      builder: 'node',
      has: ['CMD ["node","server.js"]'],
    },
    {
      name: 'a build script and nothing to start → static site built with Node',
      files: { 'package.json': pkg({ scripts: { build: 'vite build' } }), 'package-lock.json': '{}' },
      builder: 'static',
      has: [
        'FROM localhost/berth/base-node:bookworm AS build',
        'RUN npm run build',
        'FROM localhost/berth/base-static:bookworm',
        'COPY --from=build /out /srv/www',
        'CMD ["sh","-c","exec httpd -f -v -p \\"$PORT\\" -h /srv/www"]',
      ],
    },
    {
      name: 'python requirements.txt is installed before the source is copied',
      files: { 'requirements.txt': '# deps\nflask==3\n', 'app.py': '' },
      builder: 'python',
      has: [
        'ENV PYTHONUNBUFFERED=1 VIRTUAL_ENV=/venv',
        'RUN python3 -m venv /venv',
        'ENV PATH=/venv/bin:$PATH',
        'COPY requirements.txt ./',
        'RUN pip install --no-cache-dir -r requirements.txt',
        'CMD ["python3","app.py"]',
      ],
    },
    {
      name: 'python requirements.txt of only comments → no install',
      files: { 'requirements.txt': '# nothing yet\n\n', 'main.py': '' },
      builder: 'python',
      has: ['CMD ["python3","main.py"]'],
      lacks: ['RUN pip install --no-cache-dir -r requirements.txt', 'COPY requirements.txt ./'],
    },
    {
      name: 'python requirements.txt that includes other files installs after the copy',
      files: { 'requirements.txt': '-r requirements/base.txt\n', 'app.py': '' },
      builder: 'python',
      has: ['RUN pip install --no-cache-dir -r requirements.txt'],
      lacks: ['COPY requirements.txt ./'],
    },
    {
      name: 'python pyproject.toml → pip install .',
      files: { 'pyproject.toml': '[project]\nname = "x"\n', 'server.py': '' },
      builder: 'python',
      has: ['RUN pip install --no-cache-dir .', 'CMD ["python3","server.py"]'],
    },
    {
      name: 'python Procfile web: line starts the app',
      files: {
        'requirements.txt': 'gunicorn\n',
        Procfile: 'release: x\r\nweb: gunicorn app:app -b :$PORT\r\n',
      },
      builder: 'python',
      has: ['CMD ["sh","-c","gunicorn app:app -b :$PORT"]'],
    },
    {
      name: 'index.html → static site',
      files: { 'index.html': '<h1>hi</h1>', 'style.css': '' },
      builder: 'static',
      has: ['FROM localhost/berth/base-static:bookworm', 'COPY . /srv/www'],
    },
    {
      name: 'go.mod and go.sum → multi-stage Go build',
      files: { 'go.mod': 'module x\n', 'go.sum': '', 'main.go': '' },
      builder: 'go',
      has: [
        'FROM localhost/berth/base-go:bookworm AS build',
        'COPY go.mod go.sum ./',
        'RUN go mod download',
        'RUN CGO_ENABLED=0 go build -o /out/app .',
        'FROM localhost/berth/base-debian:bookworm',
        'COPY --from=build /out/app /app/app',
        'CMD ["/app/app"]',
      ],
    },
    {
      name: 'go.mod without go.sum copies go.mod alone',
      files: { 'go.mod': 'module x\n', 'main.go': '' },
      builder: 'go',
      has: ['COPY go.mod ./'],
    },
    {
      name: 'Go command under cmd/<name>',
      files: { 'go.mod': 'module x\n', 'cmd/api/main.go': '', 'internal/x.go': '' },
      builder: 'go',
      has: ['RUN CGO_ENABLED=0 go build -o /out/app ./cmd/api'],
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const plan = planBuild(tree(c.files), options({ manifest: c.manifest ?? null }));
      assert.equal(plan.builder, c.builder);
      const lines = dockerfileLines(plan);
      for (const l of c.has) assert.ok(lines.includes(l), `missing ${l} in:\n${lines.join('\n')}`);
      for (const l of c.lacks ?? []) assert.ok(!lines.includes(l), `unexpected ${l}`);
      assert.ok(lines.includes('ENV PORT=8080') && lines.includes('EXPOSE 8080'));
      assert.equal(plan.port, 8080);
      assert.equal(plan.env.PORT, '8080');
    });
  }
});
