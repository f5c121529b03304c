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
  const timer = setInterval(() => {
    if (Date.now() - heardAt > SILENT_LINK_MS) {
      clearInterval(timer);
      onDead();
      socket.terminate();
      return;
    }
    if (socket.readyState === socket.OPEN) socket.ping();
  }, PING_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
