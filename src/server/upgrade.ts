import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * HTTP/1.1 Upgrade requests (WebSocket) go through the app like any request: the same
 * routing, params, hoops, Catcher and metrics. Node hands them to the server's 'upgrade'
 * event with the bare socket instead of a ServerResponse, so we give the app a
 * ServerResponse bound to that socket. A route whose goal takes the connection over (a
 * `websocket()` goal, a proxied upgrade) claims the socket with `claimUpgrade()` once the
 * chain has run; any other answer (404, 405, a 401 from an auth hoop, a page) is written to
 * the socket as a normal HTTP response, after which the connection is closed.
 */

const kUpgrade: unique symbol = Symbol('volley.upgrade');

export interface UpgradeContext {
  /** The connection, detached from Node's HTTP parser. */
  readonly socket: Duplex;
  /** Bytes the client sent after the request head (the start of the new protocol). */
  readonly head: Buffer;
}

type UpgradeRequest = IncomingMessage & { [kUpgrade]?: UpgradeContext };

/** The socket of an Upgrade request that reached the app through the server's 'upgrade' event. */
export function upgradeOf(raw: unknown): UpgradeContext | undefined {
  return (raw as UpgradeRequest)[kUpgrade];
}

const ignoreSocketError = (): void => undefined;

/**
 * The server's 'upgrade' listener. While the server drains, new upgrades are refused with
 * 503 (the client should reconnect to a process that is not stopping).
 */
export function handleUpgrade(
  server: { readonly draining: boolean },
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  // Node removed its own listeners from the socket when it handed it over: without one,
  // a reset while the chain runs would be an uncaught 'error'.
  socket.on('error', ignoreSocketError);
  if (server.draining) {
    socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n');
    return;
  }
  (req as UpgradeRequest)[kUpgrade] = { socket, head };
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  // An ordinary answer: the connection cannot go back to the HTTP parser, so it ends here.
  res.once('finish', () => endSoon(socket));
  onRequest(req, res);
}

/**
 * Takes the socket away from the response (which will never be written): for a goal
 * that completes the upgrade itself. `status` (101) is what metrics see for the request.
 */
export function claimUpgrade(req: IncomingMessage, res: ServerResponse, status = 101): UpgradeContext {
  const upgrade = upgradeOf(req);
  if (upgrade === undefined) throw new Error('not an upgrade request');
  if (res.socket === upgrade.socket) res.detachSocket(upgrade.socket as Socket);
  res.statusCode = status;
  // The request is over as far as the HTTP layer is concerned (request observers listen for 'close').
  process.nextTick(() => res.emit('close'));
  return upgrade;
}

function endSoon(socket: Duplex): void {
  const s = socket as Partial<Socket> & Duplex;
  if (typeof s.destroySoon === 'function') s.destroySoon();
  else socket.end();
}
