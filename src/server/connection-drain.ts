/**
 * The pieces of a graceful HTTP/1 drain that Volley's Server and an app's own server (a worker's
 * AppServer) share: stop accepting without touching open connections, and make the response in
 * progress on a connection its last.
 */
import type { ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/** How long connections idle when a drain starts stay open for a last request. */
export const IDLE_GRACE_MS = 1000;

const closeListener = NetServer.prototype.close as (this: NetServer, cb: () => void) => NetServer;

/**
 * Stops accepting; resolves once the server is closed (its connections too). net.Server's close,
 * not http.Server's: that one (Node ≥ 19) also closes every idle keep-alive connection at once,
 * and a client whose next request is already on its way on one gets a reset instead of an answer.
 */
export function stopAccepting(server: NetServer): Promise<void> {
  return new Promise<void>((resolve) => (server.listening ? closeListener.call(server, () => resolve()) : resolve()));
}

/**
 * A response still being produced on this socket will carry Connection: close.
 * Returns whether a request is in progress on the socket.
 */
export function markClosing(socket: Socket): boolean {
  // Node keeps the response being written on a keep-alive socket in `_httpMessage`.
  const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (res && !res.headersSent) res.shouldKeepAlive = false;
  return res != null;
}
