/**
 * What the supervisor needs of one worker process. WorkerProcess (worker-process.ts) is the
 * real one; unit tests drive the supervisor with fakes that implement the same interface.
 */
import type { PrimaryMessage, SlotListener, WorkerConfig, WorkerMessage } from '../protocol.js';

export type WorkerState = 'starting' | 'ready' | 'draining';

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerHandle {
  readonly slot: number;
  readonly generation: number;
  readonly pid: number;
  readonly startedAt: number;
  readonly state: WorkerState;
  /** When the worker last answered a heartbeat (or became ready). */
  lastPong: number;
  lagMs: number;
  rssBytes: number;
  requests: number;
  /** Requests per latency bucket so far, from the last heartbeat (protocol.ts LATENCY_BUCKETS); with metrics on. */
  latency?: number[];
  /** Resolves when the worker reports ready; rejects (with what it reported) if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<WorkerExit>;
  /** Resolves once the worker has exited and everything it wrote was read into the log. */
  readonly closed: Promise<void>;
  /** Every tagged message from the worker (set by the supervisor). */
  onMessage: ((worker: WorkerHandle, message: WorkerMessage) => void) | undefined;
  readonly alive: boolean;
  send(message: PrimaryMessage): void;
  /** Stop accepting, finish in-flight requests and exit; killed after the timeout. */
  drain(timeoutMs: number): void;
  kill(signal: NodeJS.Signals): void;
  /**
   * Hands the worker a connection accepted by the primary (rescued from a stalled slot's
   * queue), to serve as if accepted on the listener `label`. The primary's fd is closed.
   */
  sendConnection(label: string, fd: number): void;
  /**
   * Handed-over connections the worker has not taken yet: while any message on its pair for
   * rescued connections is unread (counted as 1), plus any still queued in Node's IPC (the
   * fallback, which sends the next handle only once the worker has acknowledged the last). A
   * worker that is busy (its loop not coming round) leaves them waiting.
   */
  readonly connectionsInFlight: number;
  /** The worker's metrics (prom-client JSON), or undefined if it does not answer in time. */
  metrics(timeoutMs: number): Promise<unknown[] | undefined>;
}

/** What the supervisor asks for when it starts a worker. */
export interface SpawnRequest {
  slot: number;
  generation: number;
  /** The slot's listening sockets (ListenSockets.fdsFor). */
  listeners: SlotListener[];
  config: Omit<WorkerConfig, 'listeners' | 'progress'>;
  /** The progress cells of load-aware steering and this worker's cell (inherited like a listener). */
  progress?: { fd: number; cell: number };
}

export type SpawnWorker = (request: SpawnRequest) => WorkerHandle;

export function describeExit({ code, signal }: WorkerExit): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}
