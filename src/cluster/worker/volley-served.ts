import type { Service } from '../../http/service.js';
import type { Router } from '../../routing/index.js';
import { FdListener } from '../../server/fd-listener.js';
import type { Listener } from '../../server/listener.js';
import type { ListenerApp } from '../../server/listener-app.js';
import { type RequestObserver, Server } from '../../server/server.js';
import { TcpListener } from '../../server/tcp-listener.js';
import { UnixListener } from '../../server/unix-listener.js';
import type { WorkerConfig } from '../protocol.js';

/** What a worker needs of whatever serves its app. */
export interface Served {
  /** Resolves once the app accepts on the slot's sockets. */
  ready: Promise<unknown>;
  /** Resolves once it has stopped. */
  done: Promise<void>;
  requestCount(): number;
  /** Stop accepting, finish in-flight requests, close connections; resolves when done. */
  drain(timeoutMs: number): Promise<void>;
}

function listenersOf(config: WorkerConfig): Listener[] {
  // Certificate files are read here, at start: a rolling reload picks up renewed ones.
  const protocol = config.protocol ?? {};
  return config.listeners.map((l) => {
    if ('fd' in l) return new FdListener(l.fd, l.label, protocol);
    if (l.address.startsWith('unix:')) return new UnixListener(l.address);
    const tcp = new TcpListener(l.address, { http2: protocol.http2 ?? false });
    return protocol.tls ? tcp.tls(protocol.tls) : tcp;
  });
}

/** Serves the app with Volley's own Server on every listener of the slot (TLS and HTTP/2 flags apply). */
export function serveWithVolley(
  app: Router | Service | ListenerApp,
  config: WorkerConfig,
  observer: RequestObserver | undefined,
): Served {
  const server = new Server(listenersOf(config), {
    ...config.server,
    shutdownTimeout: config.shutdownTimeout,
    ...(observer ? { observer } : {}),
  });
  const done = server.serve(app);
  done.catch(() => undefined);
  return {
    ready: Promise.race([server.ready(), done]),
    done,
    requestCount: () => server.requestCount,
    drain: (timeoutMs) => server.stopGraceful(timeoutMs),
  };
}
