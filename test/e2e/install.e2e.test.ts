/**
 * Installing Berth as the README says, from a clean clone of this repository (only what is
 * committed: no node_modules, no build output): scripts/install.sh puts `berth` on a PATH (here
 * under a temp prefix, so the test changes nothing of the machine), with completion scripts that the
 * shells accept, `berth` then works from any directory, and `berth up --install-service` writes
 * a unit that systemd's own checker accepts (no systemd runs here: systemd-analyze verify).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

describe('install', () => {
  let prefix: string;
  let berth: string;

  before(async () => {
    prefix = await mkdtemp(join(tmpdir(), 'berth-install-'));
    const clone = join(prefix, 'clone');
    await run('git', ['clone', '--quiet', REPO, clone]);
    await run('bash', [join(clone, 'scripts/install.sh'), '--prefix', prefix, '--no-system-deps'], {
      cwd: tmpdir(),
      timeout: 540_000,
    });
    berth = join(prefix, 'bin', 'berth');
  });
  after(async () => {
    if (prefix) await rm(prefix, { recursive: true, force: true });
  });

  test('berth runs from any directory, and says what it is', async () => {
    const { stdout } = await run(berth, ['--version'], { cwd: '/' });
    assert.equal(stdout.trim(), '0.1.0');
    const help = await run(berth, ['apps', '--help'], { cwd: '/' });
    assert.match(help.stdout, /create/);
  });

  test('the completion scripts are installed and the shells accept them', async () => {
    const share = join(prefix, 'share');
    const bash = join(share, 'bash-completion/completions/berth');
    await run('bash', ['-n', bash]);
    const { stdout } = await run('bash', [
      '-c',
      `source ${bash}; COMP_WORDS=(berth apps cr); COMP_CWORD=2; _berth; echo "\${COMPREPLY[@]}"`,
    ]);
    assert.equal(stdout.trim(), 'create');
    await run('zsh', ['-n', join(share, 'zsh/vendor-completions/_berth')]);
    await run('fish', ['-n', join(share, 'fish/vendor_completions.d/berth.fish')]);
    const fish = await run('fish', [
      '-c',
      `source ${join(share, 'fish/vendor_completions.d/berth.fish')}; complete -C "berth ap"`,
    ]);
    assert.match(fish.stdout, /^apps\t/m);
  });

  test('berth up --install-service writes a unit systemd accepts, with the flags given', async () => {
    const dir = join(prefix, 'units');
    const { stdout } = await run(
      berth,
      [
        'up',
        '--install-service',
        '--service-dir',
        dir,
        '--data-dir',
        '/srv/berth data',
        '--http-port',
        '8080',
      ],
      { cwd: '/' },
    );
    assert.match(stdout, /Wrote .*berth\.service/);
    const unit = await readFile(join(dir, 'berth.service'), 'utf8');
    assert.match(unit, /up --data-dir "\/srv\/berth data" --api-port 7070 --http-port 8080/);
    await run('systemd-analyze', ['verify', join(dir, 'berth.service')]);
    // The checker can fail: a unit whose program is not there is refused.
    const broken = join(dir, 'broken.service');
    await writeFile(broken, unit.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/node'));
    await assert.rejects(run('systemd-analyze', ['verify', broken]), /not executable/);
  });
});
