import type { Command } from 'commander';
import { registerAppsCreate } from './create.js';
import { registerAppsDelete } from './delete.js';
import { registerAppsList } from './list.js';
import { registerAppsShow } from './show.js';
import { registerAppsUpdate } from './update.js';
import type { CliEnvironment } from '../../cli/environment.js';

export function registerApps(program: Command, environment: CliEnvironment): void {
  const apps = program.command('apps').description('create, list, show, update and delete apps');
  registerAppsCreate(apps, environment);
  registerAppsList(apps, environment);
  registerAppsShow(apps, environment);
  registerAppsUpdate(apps, environment);
  registerAppsDelete(apps, environment);
}
