import type { HealthCheck } from '@berth/protocol';
import { sortedEnv } from '../app-spec.js';

/** What a build's berth.yaml (and detection) says about running the app. */
export interface BuildSettings {
  port: number | null;
  healthPath: string | null;
  /** Env defaults; the app's own env wins. */
  env: Record<string, string>;
  /** Replicas for the first deployment only; later the app's count (berth scale) stands. */
  replicas: number | null;
}

export interface AppSettings {
  port: number;
  /** A person chose the port (flag or API): berth.yaml does not override it. */
  portSet: boolean;
  env: Record<string, string>;
  health: HealthCheck;
  replicas: number;
}

/**
 * The release's runtime settings once its build says what it found: the app's explicit choices
 * win, berth.yaml fills in the rest. PORT is never taken from the build's env: the agent sets it
 * from the release's port, and two sources for one number would disagree sooner or later.
 */
export function releaseSettings(
  app: AppSettings,
  build: BuildSettings,
  firstRelease: boolean,
): { port: number; env: Record<string, string>; health: HealthCheck; replicas: number } {
  const defaults = Object.fromEntries(Object.entries(build.env).filter(([k]) => k !== 'PORT'));
  return {
    port: app.portSet ? app.port : (build.port ?? app.port),
    env: sortedEnv({ ...defaults, ...app.env }),
    health:
      build.healthPath && app.health.path === '/' ? { ...app.health, path: build.healthPath } : app.health,
    replicas: firstRelease && build.replicas !== null ? build.replicas : app.replicas,
  };
}
