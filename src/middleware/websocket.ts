import {
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { Socket } from 'node:net';
import type { PerMessageDeflateOptions, WebSocket, WebSocketServer } from 'ws';
import type { Depot } from '../http/depot.js';
import type { FlowCtrl } from '../http/flow-ctrl.js';
import type { Handler } from '../http/handler.js';
import { trackLongLived } from '../http/long-lived.js';
import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import { lazyRequire } from '../lazy-require.js';
import { claimUpgrade, upgradeOf } from '../server/upgrade.js';
import { registerSocket } from './websocket-socket.js';

const wsLib = lazyRequire<typeof import('ws')>('ws');

export type { WebSocket } from 'ws';

/** Runs once per connection, after the handshake. Errors (thrown or rejected) close it with 1011. */
export type WebSocketHandler = (ws: WebSocket, req: Request, depot: Depot) => unknown;

export interface WebSocketOptions {
  /**
   * Largest message (and frame) accepted, in bytes; a bigger one closes the connection with
   * 1009. Default: the request's body limit (`router.bodyLimit()`, `req.setBodyLimit()`,
   * else 64 KiB), so WebSocket routes follow the router's size limits.
   */
  maxPayload?: number;
  /** Picks a subprotocol from those the client offers (`Sec-WebSocket-Protocol`); false for none. */
  protocols?: (offered: Set<string>, req: Request) => string | false;
  /** permessage-deflate (off by default, as in `ws`: it costs memory per connection). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Answers requests to this route that are not WebSocket upgrades. Default: 426 Upgrade Required. */
  fallback?: Handler;
}

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_INTERNAL_ERROR = 1011;
/** Headers the handshake itself decides; a hoop's value for them is not sent. */
const HANDSHAKE_HEADERS = new Set([
  'connection',
  'upgrade',
  'content-length',
  'content-type',
  'transfer-encoding',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

const kExtraHeaders: unique symbol = Symbol('volley.websocket.headers');
const kRequest: unique symbol = Symbol('volley.websocket.request');
type HandshakeRequest = IncomingMessage & { [kExtraHeaders]?: OutgoingHttpHeaders };

/**
 * A goal that accepts WebSocket connections (through `ws`, in noServer mode). It runs
 * after the route's hoops, so path params, auth hoops (a 401 refuses the upgrade with a
 * real HTTP 401), rate limits and headers set by hoops all apply. `wsRoute(path, handler)`
 * (websocket-route.ts) is `new Router(path).get(websocket(handler))`.
 *
 * On graceful stop (`Server.stopGraceful`, `volley serve` drains) open connections are
 * closed with 1001 (going away).
 */
export function websocket(handler: WebSocketHandler, options: WebSocketOptions = {}): Handler {
  if (typeof handler !== 'function') throw new TypeError('websocket() expects a handler function');
  // One WebSocketServer per payload limit (the limit can differ per request).
  const servers = new Map<number, WebSocketServer>();
  const serverFor = (maxPayload: number): WebSocketServer => {
    let wss = servers.get(maxPayload);
    if (wss === undefined) {
      wss = new (wsLib().WebSocketServer)({
        noServer: true,
        clientTracking: false,
        maxPayload,
        perMessageDeflate: options.perMessageDeflate ?? false,
        ...(options.protocols
          ? {
              handleProtocols: (offered: Set<string>, raw: IncomingMessage) =>
                options.protocols!(offered, (raw as { [kRequest]?: Request })[kRequest]!),
            }
          : {}),
      });
      wss.on('headers', addHoopHeaders);
      servers.set(maxPayload, wss);
    }
    return wss;
  };

  return function websocketGoal(req: Request, res: Response, depot: Depot, ctrl: FlowCtrl) {
    const upgrade = upgradeOf(req.raw);
    if (upgrade === undefined || req.header('upgrade')?.toLowerCase() !== 'websocket') {
      if (options.fallback) return options.fallback(req, res, depot, ctrl);
      res.header('upgrade', 'websocket').header('connection', 'Upgrade').status(426);
      return;
    }
    const version = req.header('sec-websocket-version');
    if (version !== '13' && version !== '8') {
      res.header('sec-websocket-version', '13').status(426);
      return;
    }
    if (!WEBSOCKET_KEY.test(req.header('sec-websocket-key')?.trim() ?? '')) {
      res.status(400);
      return;
    }
    const maxPayload = options.maxPayload ?? req.bodyLimit;
    res.takeOver((headers) => {
      const raw = req.raw as IncomingMessage;
      const { socket, head } = claimUpgrade(raw, res.raw as ServerResponse);
      (raw as HandshakeRequest)[kExtraHeaders] = headers;
      (raw as { [kRequest]?: Request })[kRequest] = req;
      serverFor(maxPayload).handleUpgrade(raw, socket, head, (ws) =>
        accept(ws, socket as Socket, handler, req, res, depot),
      );
    });
  };
}

/** Headers hoops set (a request id, cookies) go out with the 101. */
function addHoopHeaders(lines: string[], raw: IncomingMessage): void {
  const extra = (raw as HandshakeRequest)[kExtraHeaders];
  if (!extra) return;
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined || HANDSHAKE_HEADERS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [String(value)]) {
      try {
        validateHeaderName(name);
        validateHeaderValue(name, v);
      } catch {
        continue; // never let a bad header value split the handshake response
      }
      lines.push(`${name}: ${v}`);
    }
  }
}

function accept(ws: WebSocket, socket: Socket, handler: WebSocketHandler, req: Request, res: Response, depot: Depot) {
  // Without a listener, an 'error' (an oversized frame, a protocol violation) would crash
  // the process; ws closes the connection with the right code (1009, 1002) by itself.
  ws.on('error', () => undefined);
  registerSocket(ws, socket);
  const untrack = trackLongLived(socket, {
    drain: () => ws.close(CLOSE_GOING_AWAY, 'server shutting down'),
    get open() {
      return ws.readyState !== ws.CLOSED;
    },
  });
  ws.once('close', untrack);
  const fail = (err: unknown) => {
    res.reportError(err);
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(CLOSE_INTERNAL_ERROR, 'internal error');
  };
  try {
    const out = handler(ws, req, depot);
    if (typeof (out as PromiseLike<unknown> | undefined)?.then === 'function')
      (out as Promise<unknown>).then(undefined, fail);
  } catch (err) {
    fail(err);
  }
}
