import type { WebSocket } from 'ws';

/**
 * berthd's side of the heartbeat: it pings every agent link and ends one that stays silent, so a
 * server that died (power off, kernel hang, cut cable: no FIN ever comes) is seen offline within
 * seconds instead of when TCP gives up, minutes later. Any frame from the agent counts as life.
 */
export const PING_EVERY_MS = 1_500;
export const SILENT_LINK_MS = 5_000;

export function watchLiveness(socket: WebSocket, onDead: () => void): () => void {
  let heardAt = Date.now();
  const heard = (): void => {
    heardAt = Date.now();
  };
  socket.on('pong', heard);
  socket.on('ping', heard);
  socket.on('message', heard);
  let stopped = false;
  let judgedAt = Date.now();
  const judge = (): void => {
    if (stopped) return;
    const now = Date.now();
    // A late tick means berthd itself stalled: it sent no pings meanwhile, so silence since the
    // last one it did send says nothing about the agent yet.
    if (now - judgedAt > 2 * PING_EVERY_MS) heardAt = Math.max(heardAt, now - PING_EVERY_MS);
    judgedAt = now;
    if (now - heardAt > SILENT_LINK_MS) {
      stopped = true;
      clearInterval(timer);
      onDead();
      socket.terminate();
      return;
    }
    if (socket.readyState === socket.OPEN) socket.ping();
  };
  // Judged after the event loop has read what is waiting on the sockets (setImmediate runs after
  // the poll phase): when berthd itself stalled for seconds, the agents' pongs are queued, not
  // missing, and reading them first keeps a busy berthd from ending healthy links.
  const timer = setInterval(() => setImmediate(judge), PING_EVERY_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
