import type { BuilderName } from '@berth/protocol';

/**
 * The images detected builds start from. `berth images bootstrap` builds them on the server
 * from Debian packages, so hosts without a registry can build; `base_image` in berth.yaml or
 * the server's configuration may name others.
 */
export const BASE_IMAGE_KINDS = [
  'debian',
  'node',
  'python',
  'static',
  'go',
  // Managed databases (`berth db create`), from Debian 12's packages.
  'postgres',
  'mariadb',
  'redis',
] as const;
export type BaseImageKind = (typeof BASE_IMAGE_KINDS)[number];

export type BaseImages = Record<Exclude<BaseImageKind, 'debian'>, string> & { debian: string };

export const DEFAULT_BASE_IMAGES: BaseImages = {
  debian: 'localhost/berth/base-debian:bookworm',
  node: 'localhost/berth/base-node:bookworm',
  python: 'localhost/berth/base-python:bookworm',
  static: 'localhost/berth/base-static:bookworm',
  go: 'localhost/berth/base-go:bookworm',
  postgres: 'localhost/berth/base-postgres:bookworm',
  mariadb: 'localhost/berth/base-mariadb:bookworm',
  redis: 'localhost/berth/base-redis:bookworm',
};

/** Which base images a builder needs (a Go build compiles on `go` and runs on `debian`). */
export function baseImagesFor(builder: BuilderName): BaseImageKind[] {
  switch (builder) {
    case 'dockerfile':
      return [];
    case 'node':
      return ['node'];
    case 'python':
      return ['python'];
    case 'static':
      return ['static', 'node'];
    case 'go':
      return ['go', 'debian'];
  }
}

/** The tag of an app's built image: `localhost/berth/<app>:<short sha>`. */
export const appImageTag = (appName: string, commit: string): string =>
  `localhost/berth/${appName}:${commit.slice(0, 12)}`;

/** The image of an app that has no image and no git source yet: it deploys from uploads only. */
export const unbuiltImage = (appName: string): string => `localhost/berth/${appName}:unbuilt`;
