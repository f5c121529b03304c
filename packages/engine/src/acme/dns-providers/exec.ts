/**
 * DNS-01 through a program of the user's: `program ...args present|cleanup <fqdn> <value>`
 * (lego's exec convention), spawned with an argument array — never a shell — in a minimal
 * environment, killed with its whole process group when it overruns its timeout. Its output is
 * kept (bounded) for the error when it fails.
 */
import { spawn } from 'node:child_process';
import { BerthError, type ExecSettings } from '@berth/protocol';
import type { Dns01Port } from '../types.js';
import type { ProviderContext } from './provider-context.js';
import { toTxtRecord, type TxtRecord } from './record.js';
import { waitUntilVisible } from './visibility.js';

/** Of each stream, the last bytes: enough for an error, bounded whatever the program prints. */
const MAX_OUTPUT = 8192;
/** Nothing of berthd's environment (its secrets, its proxies) reaches the program. */
const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

type Action = 'present' | 'cleanup';

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

function tailCollector(): { push: (chunk: Buffer) => void; text: () => string } {
  let kept = Buffer.alloc(0);
  return {
    push: (chunk) => {
      kept = Buffer.concat([kept, chunk]);
      if (kept.length > MAX_OUTPUT) kept = kept.subarray(kept.length - MAX_OUTPUT);
    },
    text: () => kept.toString('utf8').trimEnd(),
  };
}

function run(settings: ExecSettings, argv: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout kills what it started too.
    const child = spawn(settings.program, argv, {
      shell: false,
      env: ENV,
      cwd: '/',
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [stdout, stderr] = [tailCollector(), tailCollector()];
    child.stdout.on('data', stdout.push);
    child.stderr.on('data', stderr.push);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group ended between the deadline and the kill: nothing left to stop.
      }
    }, settings.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout: stdout.text(), stderr: stderr.text() });
    });
  });
}

async function runAction(settings: ExecSettings, action: Action, record: TxtRecord): Promise<void> {
  const what = `The DNS-01 program ${settings.program} (${action} ${record.fqdn})`;
  const result = await run(settings, [...settings.args, action, record.fqdn, record.value]).catch(
    (e: unknown) => {
      const reason = e instanceof Error ? e.message : String(e);
      throw new BerthError('DNS_PROVIDER_FAILED', `${what} could not be started: ${reason}`, {
        hint: 'Check that the program exists, is executable and is a file (scripts need a #! line).',
        cause: e,
      });
    },
  );
  if (!result.timedOut && result.code === 0) return;
  const logs = [
    ...(result.stdout ? [`stdout:\n${result.stdout}`] : []),
    ...(result.stderr ? [`stderr:\n${result.stderr}`] : []),
  ];
  const lastLine = (result.stderr || result.stdout).split('\n').at(-1)?.slice(0, 300) ?? '';
  const how = result.timedOut
    ? `was killed after its timeout of ${settings.timeoutMs} ms`
    : result.code !== null
      ? `exited with status ${result.code}`
      : `was killed by ${result.signal ?? 'a signal'}`;
  throw new BerthError('DNS_PROVIDER_FAILED', `${what} ${how}${lastLine ? `: ${lastLine}` : ''}`, {
    hint: `Run it by hand with the same arguments to see why: ${settings.program} … ${action} ${record.fqdn} <value>`,
    logs,
  });
}

export function createExecProvider(settings: ExecSettings, context: ProviderContext): Dns01Port {
  return {
    publish: async (fqdn, value) => {
      const record = toTxtRecord(fqdn, value);
      await runAction(settings, 'present', record);
      await waitUntilVisible(record, context);
    },
    withdraw: (fqdn, value) => runAction(settings, 'cleanup', toTxtRecord(fqdn, value)),
  };
}
