import type { Command } from 'commander';
import { registerAppsCreate } from './create.js';
import { registerAppsDelete } from './delete.js';
import { registerAppsList } from './list.js';
import { registerAppsShow } from './show.js';

export function registerApps(program: Command): void {
  const apps = program.command('apps').description('create, list, show and delete apps');
  registerAppsCreate(apps);
  registerAppsList(apps);
  registerAppsShow(apps);
  registerAppsDelete(apps);
}
