/**
 * A test run that crashes with its fleet up: starts a one-server fleet (argv: id, subnet) with
 * a process running in it, prints the server's pids as JSON, and waits to be SIGKILLed. The
 * harness test then checks that the next start with that id cleans up after it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet } from './harness.js';

const [id = '', subnet = ''] = process.argv.slice(2);
const fleet = await startFleet({ id, servers: 1, subnet });
const server = fleet.server(1);
server.spawn('sleep', ['600'], { stdio: 'ignore' });
// The podman service and sleep: both in the server's group once their wrappers have joined it.
while ((await server.group.pids()).length < 2) await sleep(10);
console.log(JSON.stringify({ pids: await server.group.pids() }));
setInterval(() => undefined, 60_000);
