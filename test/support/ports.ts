import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port the kernel hands out by itself (to listen(0) and to outgoing connections). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

const FLOOR = 20_000;
const LOW = ephemeralLow();

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

async function kernelChosen(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, host, resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * A TCP port free on `host` now, for a server a test starts next. Chosen below the kernel's
 * ephemeral range: a port from listen(0) is one the kernel also hands out as the source port of
 * outgoing connections and to every other listen(0), so between this probe and the test's own
 * bind it could be taken (CI saw `berth up` fail with EADDRINUSE on such a port). Below the range
 * only an explicit bind takes a port; the candidates are random, so test processes running at the
 * same time rarely meet, and each is checked by binding it.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  if (LOW - FLOOR < 1_000) return kernelChosen(host);
  for (let i = 0; i < 100; i++) {
    const port = FLOOR + Math.floor(Math.random() * (LOW - FLOOR));
    if (await bindable(port, host)) return port;
  }
  return kernelChosen(host);
}
