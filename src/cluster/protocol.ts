/**
 * Every message between the primary and its workers over the fork IPC channel, and the
 * configuration a worker is started with. Each message has a `volley` tag so an app's own
 * process.send() traffic is never mistaken for ours. The primary's side is
 * primary/worker-process.ts, the worker's is worker/primary-channel.ts.
 */

/** Worker -> primary. */
export type WorkerMessage =
  | { volley: 'ready'; pid: number }
  | {
      volley: 'pong';
      seq: number;
      lagMs: number;
      rssBytes: number;
      requests: number;
      /** Requests so far per LATENCY_BUCKETS bucket (not cumulative; the last one is above the last bound); with metrics on. */
      latency?: number[];
    }
  | { volley: 'fatal'; message: string; stack?: string }
  /** Reply to a metrics request: prom-client's getMetricsAsJSON() of the worker's registry. */
  | { volley: 'metrics'; seq: number; metrics: unknown[] }
  /** A call to a service the primary hosts for all workers (e.g. the shared store). */
  | { volley: 'rpc'; id: number; service: string; op: string; args: unknown[] }
  /** A message for every worker (the cross-worker bus): the primary relays it. */
  | { volley: 'broadcast'; channel: string; payload: unknown };

/** The primary's answer to a worker's `rpc`. */
export type RpcReply =
  | { volley: 'rpc-reply'; id: number; ok: true; value: unknown }
  | { volley: 'rpc-reply'; id: number; ok: false; error: string };

/** A broadcast as relayed to every worker, with the slot of the worker that sent it. */
export type RelayedBroadcast = { volley: 'broadcast'; channel: string; payload: unknown; from: number };

/** Primary -> worker. */
export type PrimaryMessage =
  | { volley: 'ping'; seq: number }
  | { volley: 'metrics'; seq: number }
  | RpcReply
  | RelayedBroadcast
  /** Stop accepting, finish in-flight requests, exit; force after timeoutMs. */
  | { volley: 'drain'; timeoutMs: number }
  /**
   * A connection (the message's handle) rescued from a stalled worker's queue: serve it as if
   * accepted on the listener with this label (load-aware steering). Rescued connections take
   * the worker's pair (`rescueFd`, native/fd-passing.c); this message is the fallback when a
   * send on the pair fails.
   */
  | { volley: 'connection'; label: string };

function tagged(value: unknown): value is { volley: string } {
  return typeof value === 'object' && value !== null && typeof (value as { volley?: unknown }).volley === 'string';
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return tagged(value);
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return tagged(value);
}

/**
 * One listening socket of a worker: an fd the primary hands down (SO_REUSEPORT groups, unix
 * sockets, inherited fds), or an address the worker listens on through node:cluster (the
 * fallback where SO_REUSEPORT does not balance).
 */
export type SlotListener = { fd: number; label: string } | { address: string; label: string };

/** Environment a worker is started with (besides VOLLEY_WORKER_ID / VOLLEY_WORKER_GENERATION). */
export interface WorkerConfig {
  /** Absolute path of the app module. */
  app: string;
  /** Where to listen: inherited fds are renumbered 4, 5, ... in the worker. */
  listeners: SlotListener[];
  shutdownTimeout: number;
  /** TLS (as file paths, read by the worker when it starts) and HTTP/2 for every listener. */
  protocol?: { tls?: { cert: string; key: string; ca?: string }; http2?: boolean };
  /** Keep a prom-client registry of request metrics (when the primary serves /metrics). */
  metrics: boolean;
  /** Node http.Server options. */
  server: { keepAliveTimeout?: number; headersTimeout?: number; requestTimeout?: number };
  /**
   * The progress cells of load-aware steering (native/stall-monitor.c): an inherited fd and the
   * cell this worker writes once per event-loop turn. Absent with --steering off.
   */
  progress?: { fd: number; cell: number };
  /**
   * The worker's end of its pair for rescued connections (native/fd-passing.c), inherited; comes
   * with `progress`.
   */
  rescueFd?: number;
}

/** Upper bounds (seconds) of the request latency histogram, shared by the worker's metrics and the primary's dashboard. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const WORKER_CONFIG_ENV = 'VOLLEY_WORKER_CONFIG';
