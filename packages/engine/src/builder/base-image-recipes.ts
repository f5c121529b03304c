/**
 * What each of Berth's base images is made of, as data: the Debian root file system comes from
 * debootstrap, the others are Dockerfiles on top of it. An image is labelled with the hash of
 * its recipe (and of the image it starts from), so an unchanged one is never rebuilt. Pure.
 */
import { createHash } from 'node:crypto';
import type { BaseImageKind, BaseImages } from '@berth/core';
import { databaseDockerfile } from './database-image-recipes.js';

export const RECIPE_LABEL = 'berth.recipe';
export const KIND_LABEL = 'berth.base-image';

export const DEFAULT_NPM_TARBALL_URL = 'https://registry.npmjs.org/npm/-/npm-10.9.2.tgz';
/** `dist.integrity` of npm 10.9.2 on the registry: the download is checked against it. */
export const DEFAULT_NPM_TARBALL_INTEGRITY =
  'sha512-iriPEPIkoMYUy3F6f3wwSZAU93E0Eg6cHwIR6jzzOXWSy+SD/rOODEs74cVONHKSx2obXtuUoyidVEhISrisgQ==';

export type BaseImageRecipe =
  | { kind: 'debian'; suite: string; variant: string; changes: string[]; caCertificates: string[] }
  | { kind: Exclude<BaseImageKind, 'debian'>; dockerfile: string; buildArgs: Record<string, string> };

export interface RecipeInputs {
  images: BaseImages;
  npmTarballUrl: string;
  /** Checked when set (`sha512-…`); an overridden URL without one is trusted as it is. */
  npmTarballIntegrity: string | null;
  /** PEM certificates trusted besides Debian's (see ./ca-certificates.ts). */
  caCertificates: string[];
}

/** The system bundle, which includes the added certificates once ca-certificates is installed. */
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const DEBIAN_CHANGES = [
  'ENV LANG=C.UTF-8',
  'ENV DEBIAN_FRONTEND=noninteractive',
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'CMD ["bash"]',
];

const aptInstall = (packages: string[]): string =>
  [
    'RUN apt-get update',
    `apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    'rm -rf /var/lib/apt/lists/*',
  ].join(' \\\n && ');

/**
 * Downloads npm inside the build with the Node.js just installed (no curl needed), and checks
 * the registry's integrity hash. Debian's own npm package pulls in hundreds of packages.
 */
const FETCH_NPM = [
  "const {createHash}=require('node:crypto');",
  "const {writeFileSync}=require('node:fs');",
  'const url=process.env.NPM_TARBALL, want=process.env.NPM_INTEGRITY;',
  '(async()=>{',
  "const res=await fetch(url); if(!res.ok) throw new Error('GET '+url+': HTTP '+res.status);",
  'const body=Buffer.from(await res.arrayBuffer());',
  "if(want){const [alg,hash]=want.split('-'); const got=createHash(alg).update(body).digest('base64');",
  "if(got!==hash) throw new Error('npm tarball integrity mismatch: got '+alg+'-'+got);}",
  "writeFileSync('/tmp/npm.tgz',body);",
  '})().catch((e)=>{console.error(String(e));process.exit(1);});',
].join('');

function nodeDockerfile(images: BaseImages): string {
  return [
    `FROM ${images.debian}`,
    aptInstall(['nodejs', 'ca-certificates']),
    // Node.js trusts only its bundled CAs unless told otherwise; npm and apps need the added ones.
    `ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`,
    // After apt: a different npm does not redo the apt layer.
    'ARG NPM_TARBALL',
    'ARG NPM_INTEGRITY',
    `RUN ${JSON.stringify(['node', '-e', FETCH_NPM])}`,
    [
      'RUN mkdir -p /usr/local/lib/node_modules/npm',
      'tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner',
      'rm /tmp/npm.tgz',
      'ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm',
      'ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
      'node --version',
      'npm --version',
    ].join(' \\\n && '),
    '',
  ].join('\n');
}

/**
 * busybox (static) as the whole image: `sh`, `httpd` and the usual tools on PATH, /srv/www to
 * serve. Applet links are made relative to /bin/busybox of the final image (`busybox --install
 * -s DIR` would point them at the path busybox runs from in the first stage).
 */
function staticDockerfile(images: BaseImages): string {
  return [
    `FROM ${images.debian} AS busybox`,
    aptInstall(['busybox-static']),
    [
      'RUN mkdir -p /rootfs/bin /rootfs/etc /rootfs/srv/www /rootfs/tmp /rootfs/root',
      'cp /bin/busybox /rootfs/bin/busybox',
      'for applet in $(/rootfs/bin/busybox --list); do [ -e "/rootfs/bin/$applet" ] || ln -s busybox "/rootfs/bin/$applet"; done',
      'chmod 1777 /rootfs/tmp',
      "printf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\\n' > /rootfs/etc/passwd",
      "printf 'root:x:0:\\nnogroup:x:65534:\\n' > /rootfs/etc/group",
    ].join(' \\\n && '),
    'FROM scratch',
    'COPY --from=busybox /rootfs/ /',
    'ENV PATH=/bin',
    'WORKDIR /srv/www',
    'CMD ["sh"]',
    '',
  ].join('\n');
}

export function toRecipe(kind: BaseImageKind, inputs: RecipeInputs): BaseImageRecipe {
  const { images } = inputs;
  switch (kind) {
    case 'debian':
      return {
        kind,
        suite: 'bookworm',
        variant: 'minbase',
        changes: DEBIAN_CHANGES,
        caCertificates: inputs.caCertificates,
      };
    case 'node':
      return {
        kind,
        dockerfile: nodeDockerfile(images),
        buildArgs: { NPM_TARBALL: inputs.npmTarballUrl, NPM_INTEGRITY: inputs.npmTarballIntegrity ?? '' },
      };
    case 'python':
      return {
        kind,
        dockerfile: [
          `FROM ${images.debian}`,
          aptInstall(['python3', 'python3-venv', 'ca-certificates']),
          // pip may carry its own CA bundle; the system one has the added certificates.
          `ENV PIP_CERT=${CA_BUNDLE}`,
          '',
        ].join('\n'),
        buildArgs: {},
      };
    case 'static':
      return { kind, dockerfile: staticDockerfile(images), buildArgs: {} };
    case 'go':
      return {
        kind,
        dockerfile: [
          `FROM ${images.debian}`,
          aptInstall(['golang-go', 'ca-certificates', 'git']),
          // Static binaries: they run on the Debian image and on scratch alike, and no C compiler is needed.
          'ENV CGO_ENABLED=0 GOPATH=/go GOFLAGS=-buildvcs=false',
          'ENV PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          '',
        ].join('\n'),
        buildArgs: {},
      };
    case 'postgres':
    case 'mariadb':
    case 'redis':
      return { kind, dockerfile: databaseDockerfile(kind, images), buildArgs: {} };
  }
}

/** The image each recipe starts from, built first when needed. */
export const parentOf = (kind: BaseImageKind): BaseImageKind | null => (kind === 'debian' ? null : 'debian');

/** Bump to rebuild every base image after a change the recipe text does not show. */
const RECIPE_VERSION = 1;

/** The label value: the recipe and the id of the image it starts from. */
export function recipeHash(recipe: BaseImageRecipe, parentImageId: string | null): string {
  const text = JSON.stringify({ version: RECIPE_VERSION, recipe, parentImageId });
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
