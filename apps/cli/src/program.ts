import { Command } from 'commander';
import type { CliEnvironment } from './cli/environment.js';
import { BERTH_VERSION } from './cli/version.js';
import { registerApps } from './commands/apps/index.js';
import { registerAudit } from './commands/audit.js';
import { registerBuilds } from './commands/builds.js';
import { registerCompletion } from './commands/completion.js';
import { registerImages } from './commands/images.js';
import { registerCerts } from './commands/certs.js';
import { registerDomains } from './commands/domains.js';
import { registerVolumes } from './commands/volumes.js';
import { registerDatabases } from './commands/db.js';
import { registerNotify } from './commands/notify.js';
import { registerBackups } from './commands/backups.js';
import { registerWebhooks } from './commands/webhooks.js';
import { registerKeys } from './commands/keys.js';
import { registerSystem } from './commands/system.js';
import { registerSecrets } from './commands/secrets.js';
import { registerSession } from './commands/session.js';
import { registerTeams } from './commands/teams.js';
import { registerTokens } from './commands/tokens.js';
import { registerServers } from './commands/servers.js';
import { registerProxy } from './commands/proxy.js';
import { registerUsers } from './commands/users.js';
import { registerInvitations } from './commands/invitations.js';
import { registerDeploy } from './commands/deploy.js';
import { registerDeployments } from './commands/deployments.js';
import { registerEnv } from './commands/env/index.js';
import { registerLogs } from './commands/logs.js';
import { registerReleases } from './commands/releases.js';
import { registerRollback } from './commands/rollback.js';
import { registerRestart } from './commands/restart.js';
import { registerExec } from './commands/exec.js';
import { registerRun } from './commands/run.js';
import { registerCron } from './commands/cron.js';
import { registerScale } from './commands/scale.js';
import { registerUp } from './commands/up/index.js';
import { registerAgent } from './commands/agent/index.js';

/** The `berth` command tree; main.ts parses the process's arguments with it. */
export function createProgram(environment: CliEnvironment): Command {
  const program = new Command()
    .name('berth')
    .description('Deploy and run applications on servers you own.')
    .version(BERTH_VERSION)
    // berth's own options (--version) only before a command: `db create --version 15` is the
    // engine's version, not a question about berth's.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  registerUp(program, environment);
  registerAgent(program, environment);
  registerApps(program, environment);
  registerDeploy(program, environment);
  registerDeployments(program, environment);
  registerReleases(program, environment);
  registerRollback(program, environment);
  registerRestart(program, environment);
  registerExec(program, environment);
  registerRun(program, environment);
  registerCron(program, environment);
  registerLogs(program, environment);
  registerBuilds(program, environment);
  registerWebhooks(program, environment);
  registerDomains(program, environment);
  registerVolumes(program, environment);
  registerDatabases(program, environment);
  registerNotify(program, environment);
  registerBackups(program, environment);
  registerCerts(program, environment);
  registerImages(program, environment);
  registerEnv(program, environment);
  registerScale(program, environment);
  registerSecrets(program, environment);
  registerSession(program, environment);
  registerUsers(program, environment);
  registerInvitations(program, environment);
  registerTokens(program, environment);
  registerTeams(program, environment);
  registerServers(program, environment);
  registerProxy(program, environment);
  registerKeys(program, environment);
  registerSystem(program, environment);
  registerAudit(program, environment);
  registerCompletion(program);
  return program;
}
