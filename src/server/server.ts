import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2Session } from 'node:http2';
import type net from 'node:net';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AlreadyStartedError } from '../errors.js';
import type { RouteTable } from '../http/contract.js';
import { drainLongLived } from '../http/long-lived.js';
import { kRoute, Service } from '../http/service.js';
import { ServerConfigError } from './config-error.js';
import { IDLE_GRACE_MS, markClosing, stopAccepting } from './connection-drain.js';
import type { Listener } from './listener.js';
import { ListenerApp } from './listener-app.js';
import { createNodeServer, type HttpLimits } from './node-server.js';
import { handleUpgrade } from './upgrade.js';

/** Sees every request: for metrics. Only costs anything when given. */
export interface RequestObserver {
  started(): void;
  /** `route` is the matched pattern (never the raw path), undefined on 404/405. */
  finished(method: string, route: string | undefined, status: number, seconds: number): void;
}

export interface ServerOptions {
  /** HTTP/2: streams one session may have open at once. Default 100. */
  maxConcurrentStreams?: number;
  /** Called at the start and end of every request (volley serve workers use it for metrics). */
  observer?: RequestObserver;
  /** Max size of the request line plus headers; larger requests get 431. Default 16 KiB. */
  maxHeaderSize?: number;
  /** Time allowed to receive the complete request headers. Default 20 s. */
  headersTimeout?: number;
  /** Time allowed to receive the complete request. Default 60 s. */
  requestTimeout?: number;
  /** How long an idle keep-alive connection stays open. Default 5 s. */
  keepAliveTimeout?: number;
  /** Default timeout for stopGraceful(). Default 30 s. */
  shutdownTimeout?: number;
}

export interface BoundAddress {
  listener: string;
  address: string;
  family?: string;
  port?: number;
}

interface Bound {
  server: net.Server;
  /** Connections (TLS sockets on TLS listeners). */
  sockets: Set<Socket>;
  /** Open HTTP/2 sessions: drained with GOAWAY instead of Connection: close. */
  sessions: Set<Http2Session>;
  listener: Listener;
  /** Cleartext HTTP/2: every connection is an HTTP/2 session. */
  h2c: boolean;
}

/**
 * Serves a Router or Service on one or more listeners. Safe defaults bound how long a
 * slow client can hold a connection; `stopGraceful()` drains instead of dropping.
 */
export class Server {
  readonly #listeners: Listener[];
  readonly #options: ServerOptions;
  #bound: Bound[] = [];
  #draining = false;
  #requests = 0;
  #serving = false;
  #stopped: Promise<void> | undefined;
  #resolveReady!: (addresses: BoundAddress[]) => void;
  #rejectReady!: (err: unknown) => void;
  readonly #ready: Promise<BoundAddress[]>;

  constructor(listeners: Listener | Listener[], options: ServerOptions = {}) {
    this.#listeners = Array.isArray(listeners) ? listeners : [listeners];
    if (this.#listeners.length === 0) throw new ServerConfigError('Server needs at least one listener');
    this.#options = options;
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#ready.catch(() => undefined);
  }

  /** Resolves with the bound addresses once every listener listens; rejects if one fails. */
  ready(): Promise<BoundAddress[]> {
    return this.#ready;
  }

  /** Requests received so far (all listeners). */
  get requestCount(): number {
    return this.#requests;
  }

  /** True once stopGraceful() (or stopForcible()) started. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Listens on every listener and serves `app` until stopped. Resolves when the server has
   * stopped and every connection is closed; rejects when a listener cannot listen.
   */
  async serve(app: RouteTable | Service | ListenerApp): Promise<void> {
    if (this.#bound.length > 0) throw new AlreadyStartedError('Server.serve() was already called');
    const service =
      app instanceof Service || app instanceof ListenerApp
        ? app
        : 'handle' in app
          ? (app as unknown as Service)
          : new Service(app as RouteTable);
    service.compile();
    const handle = service.handle;
    const observer = this.#options.observer;
    if (observer) service.recordRoutes = true;
    const onClose = observer ? observedClose(observer) : undefined;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      // While draining, every response closes its connection instead of keeping it alive.
      if (this.#draining) res.shouldKeepAlive = false;
      this.#requests++;
      if (onClose !== undefined) {
        observer!.started();
        (res as Observed)[kStart] = performance.now();
        res.on('close', onClose);
      }
      handle(req, res);
    };
    const closed: Promise<void>[] = [];
    const limits: HttpLimits = {
      http1: nodeServerOptions(this.#options),
      maxHeaderListSize: this.#options.maxHeaderSize ?? 16 * 1024,
      maxConcurrentStreams: this.#options.maxConcurrentStreams ?? 100,
    };
    this.#serving = true;
    try {
      for (const listener of this.#listeners) {
        if (this.#draining) break;
        const { server, secure, http2 } = createNodeServer(listener.protocol?.() ?? {}, limits, onRequest);
        const bound: Bound = { server, sockets: new Set(), sessions: new Set(), listener, h2c: http2 && !secure };
        // TLS servers hand the HTTP layer the TLS socket, which is the one to track.
        server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => {
          bound.sockets.add(socket);
          socket.once('close', () => bound.sockets.delete(socket));
        });
        // HTTP/1.1 Upgrade requests (WebSocket) run through the app as well (upgrade.ts).
        server.on('upgrade', (req, socket, head) => handleUpgrade(this, onRequest, req, socket, head));
        if (http2) {
          server.on('session', (session: Http2Session) => {
            bound.sessions.add(session);
            session.once('close', () => bound.sessions.delete(session));
            // While draining, a new HTTP/2 session is told to go away at once (GOAWAY).
            if (this.#draining) session.close();
          });
        }
        await listener.listen(server);
        server.on('error', (err) => console.error(`volley: server error on ${listener.description}:`, err));
        this.#bound.push(bound);
        closed.push(new Promise((resolve) => server.once('close', () => resolve())));
      }
    } catch (err) {
      for (const bound of this.#bound) bound.server.close();
      this.#rejectReady(err);
      throw err;
    }
    this.#resolveReady(this.addresses());
    // stopGraceful() came while the listeners were being bound: it waited for ready().
    await Promise.all(closed);
  }

  /** The addresses the listeners are bound to (after ready()). */
  addresses(): BoundAddress[] {
    return this.#bound.map(({ server, listener }) => {
      const a = server.address();
      if (a && typeof a === 'object') {
        return { listener: listener.description, address: a.address, family: a.family, port: a.port };
      }
      return { listener: listener.description, address: a ?? listener.description };
    });
  }

  /**
   * Stops accepting, lets in-flight requests finish (their responses say Connection: close),
   * closes idle keep-alive connections as they become idle, and destroys whatever is left
   * after `timeoutMs`. Resolves once every connection is closed.
   */
  stopGraceful(timeoutMs = this.#options.shutdownTimeout ?? 30_000): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#draining = true;
    this.#stopped = (async () => {
      // Called while serve() is still binding: let it finish (it binds nothing more once
      // draining), so every listener it bound is closed below. Never served: nothing to stop.
      if (!this.#serving) return;
      await this.#ready.catch(() => undefined);
      const start = Date.now();
      const deadline = start + timeoutMs;
      // A connection idle when the drain starts may be about to carry the client's next
      // request: closing it now would reset that request. Give busy clients a moment to send
      // it (their response then says Connection: close); only connections still idle after
      // this grace are closed, as a keep-alive timeout would.
      const idleGrace = Math.min(IDLE_GRACE_MS, timeoutMs / 4);
      const closing = this.#bound.map(({ server }) => stopAccepting(server));
      // HTTP/2: GOAWAY; streams in flight finish, then the session closes its connection.
      for (const { sessions } of this.#bound) for (const session of sessions) session.close();
      while (this.#openConnections() > 0 && Date.now() < deadline) {
        const closeIdle = Date.now() - start >= idleGrace;
        for (const { sockets, h2c } of this.#bound) {
          for (const socket of sockets) {
            if (h2c || (socket as TLSSocket).alpnProtocol === 'h2') continue;
            // SSE streams and WebSockets on the socket are ended now (WebSocket: 1001) and keep it busy until done.
            const longLived = drainLongLived(socket);
            const busy = markClosing(socket) || longLived;
            if (!busy && closeIdle) socket.destroySoon();
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const { server, sockets } of this.#bound) {
        (server as http.Server).closeAllConnections?.();
        // Connections Node's HTTP server no longer tracks (upgraded ones) must go too.
        for (const socket of sockets) socket.destroy();
      }
      await Promise.all(closing);
    })();
    return this.#stopped;
  }

  /** Closes every listener and connection now. */
  stopForcible(): Promise<void> {
    return this.stopGraceful(0);
  }

  #openConnections(): number {
    let n = 0;
    for (const { sockets } of this.#bound) n += sockets.size;
    return n;
  }
}

/** When an observed request started (performance.now() ms), kept on Node's response. */
const kStart: unique symbol = Symbol('volley.observeStart');
type Observed = ServerResponse & { [kStart]?: number | undefined; [kRoute]?: string };

/**
 * The 'close' listener that reports a request to the observer: one function per server, shared
 * by every response (it reads what it needs from the response it is called on), rather than a
 * closure plus `once` wrapper per request, and performance.now() rather than two BigInt
 * hrtime readings: together that was a visible part of the per-request cost of `--admin`.
 */
function observedClose(observer: RequestObserver): (this: ServerResponse) => void {
  return function onObservedClose(this: Observed) {
    const start = this[kStart];
    if (start === undefined) return; // 'close' again: reported already (the `once` this replaces)
    this[kStart] = undefined;
    const seconds = (performance.now() - start) / 1e3;
    observer.finished(this.req?.method ?? 'GET', this[kRoute], this.statusCode, seconds);
  };
}

/**
 * Node's server options from ours. Node checks the headers and request timeouts only every
 * `connectionsCheckingInterval` (30 s by default), so a 20 s headers timeout could let a slow
 * client hold a connection for 50 s; check often enough that the timeouts mean what they say.
 */
function nodeServerOptions(options: ServerOptions): http.ServerOptions {
  const requestTimeout = options.requestTimeout ?? 60_000;
  let headersTimeout = options.headersTimeout ?? 20_000;
  // Node refuses a headers timeout longer than the request timeout.
  if (requestTimeout > 0 && headersTimeout > requestTimeout) headersTimeout = requestTimeout;
  const shortest = Math.min(...[headersTimeout, requestTimeout].filter((ms) => ms > 0), 4000);
  return {
    maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout ?? 5_000,
    connectionsCheckingInterval: Math.max(10, Math.floor(shortest / 4)),
  };
}
