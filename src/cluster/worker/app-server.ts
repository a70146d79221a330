/**
 * An app's own server (one it made, or one it exported that does not listen yet), served by a
 * worker: Volley did not create it, so its TLS and HTTP/2 are the app's, but the worker still
 * counts its requests, reports them to the metrics observer, and drains it on stop the way
 * Volley's own Server does: stop accepting, `Connection: close` on responses still in flight,
 * idle keep-alive connections closed, the rest destroyed at the timeout.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { IDLE_GRACE_MS, markClosing, stopAccepting } from '../../server/connection-drain.js';
import { APP_ROUTE } from '../../server/listener-app.js';
import type { RequestObserver } from '../../server/server.js';

export class AppServer {
  readonly server: NetServer;
  readonly #sockets = new Set<Socket>();
  #requests = 0;
  #draining = false;
  readonly #busy = new WeakSet<Socket>();
  /** Servers that accept on the slot's other addresses and hand their connections to this one. */
  #forwarders: NetServer[] = [];

  constructor(server: NetServer, observer?: RequestObserver) {
    this.server = server;
    // Listeners added first, so they see connections and requests before the app's own. On a
    // TLS server the connection to track is the TLS socket (the one requests arrive on), not
    // the TCP socket under it: destroying that would cut a request in flight.
    server.prependListener(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#requests++;
      const socket = req.socket;
      this.#busy.add(socket);
      if (this.#draining) res.shouldKeepAlive = false;
      const started = observer ? performance.now() : 0;
      observer?.started();
      res.once('close', () => {
        this.#busy.delete(socket);
        observer?.finished(req.method ?? 'GET', APP_ROUTE, res.statusCode, (performance.now() - started) / 1e3);
      });
    });
  }

  /** Connections accepted by these servers are this server's too: a drain stops them accepting. */
  acceptsAlsoFrom(forwarders: NetServer[]): void {
    this.#forwarders.push(...forwarders);
  }

  get requestCount(): number {
    return this.#requests;
  }

  /** Stops accepting and lets in-flight requests finish; resolves once every connection is closed. */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    for (const forwarder of this.#forwarders) if (forwarder.listening) forwarder.close();
    const closed = stopAccepting(this.server);
    const start = Date.now();
    const idleGrace = Math.min(IDLE_GRACE_MS, timeoutMs / 4);
    while (this.#sockets.size > 0 && Date.now() - start < timeoutMs) {
      const closeIdle = Date.now() - start >= idleGrace;
      for (const socket of this.#sockets) {
        // The response in progress (begun before the drain) is the connection's last as well.
        const busy = markClosing(socket) || this.#busy.has(socket);
        if (!busy && closeIdle) socket.destroySoon();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    (this.server as HttpServer).closeAllConnections?.();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
