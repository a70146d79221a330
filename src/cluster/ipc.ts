/**
 * Messages between the primary and its workers over the fork IPC channel.
 * Each has a `volley` tag so an app's own process.send() traffic is never mistaken for ours.
 */

/** Worker -> primary. */
export type WorkerMessage =
  | { volley: 'ready'; pid: number }
  | { volley: 'pong'; seq: number; lagMs: number; rssBytes: number; requests: number }
  | { volley: 'fatal'; message: string; stack?: string }
  /** Reply to a metrics request: prom-client's getMetricsAsJSON() of the worker's registry. */
  | { volley: 'metrics'; seq: number; metrics: unknown[] }
  /** A call to a service the primary hosts for all workers (e.g. the shared store). */
  | { volley: 'rpc'; id: number; service: string; op: string; args: unknown[] }
  /** A message for every worker (the cross-worker bus): the primary relays it. */
  | { volley: 'broadcast'; channel: string; payload: unknown };

/** Primary -> worker. */
export type PrimaryMessage =
  | { volley: 'ping'; seq: number }
  | { volley: 'metrics'; seq: number }
  | { volley: 'rpc-reply'; id: number; ok: true; value: unknown }
  | { volley: 'rpc-reply'; id: number; ok: false; error: string }
  | { volley: 'broadcast'; channel: string; payload: unknown; from: number }
  /** Stop accepting, finish in-flight requests, exit; force after timeoutMs. */
  | { volley: 'drain'; timeoutMs: number };

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === 'object' && value !== null && typeof (value as { volley?: unknown }).volley === 'string';
}

/** Environment a worker is started with (besides VOLLEY_WORKER_ID / VOLLEY_WORKER_GENERATION). */
export interface WorkerConfig {
  /** Absolute path of the app module. */
  app: string;
  /**
   * Where to listen: sockets inherited as fds 4, 5, ... (SO_REUSEPORT mode), or addresses
   * to listen on through node:cluster (the fallback where SO_REUSEPORT does not balance).
   */
  listeners: ({ fd: number; label: string } | { address: string; label: string })[];
  shutdownTimeout: number;
  /** TLS (as file paths, read by the worker when it starts) and HTTP/2 for every listener. */
  protocol?: { tls?: { cert: string; key: string; ca?: string }; http2?: boolean };
  /** Keep a prom-client registry of request metrics (when the primary serves /metrics). */
  metrics: boolean;
  /** Node http.Server options. */
  server: { keepAliveTimeout?: number; headersTimeout?: number; requestTimeout?: number };
}

export const WORKER_CONFIG_ENV = 'VOLLEY_WORKER_CONFIG';
