/**
 * Fake workers and sockets for the supervisor's unit tests: what a real worker process and
 * the addon's socket groups would do, driven by the test and observable in full, in
 * milliseconds. The real ones are proven by the end-to-end tests in test/cluster/.
 */
import { Writable } from 'node:stream';
import type { PrimaryMessage, SlotListener, WorkerMessage } from '../protocol.js';
import type { ListenSockets } from './listen-sockets.js';
import type { StallSignal } from './steering/load-steering.js';
import type { StallTiming } from './steering/stall-monitor.js';
import type { SpawnRequest, WorkerExit, WorkerHandle, WorkerState } from './worker-handle.js';

/** What a fake worker does once started. */
export type Behaviour = 'ready' | 'fail' | 'never-ready';

let nextPid = 10_000;

export class FakeWorker implements WorkerHandle {
  readonly slot: number;
  readonly generation: number;
  readonly pid = nextPid++;
  readonly startedAt = Date.now();
  state: WorkerState = 'starting';
  lastPong = Date.now();
  lagMs = 0;
  rssBytes = 1_000_000;
  requests = 0;
  /** When set, the worker stops answering heartbeats (a blocked event loop). */
  hung = false;
  readonly sent: PrimaryMessage[] = [];
  readonly ready: Promise<void>;
  readonly exited: Promise<WorkerExit>;
  readonly closed: Promise<void>;
  onMessage: ((worker: WorkerHandle, message: WorkerMessage) => void) | undefined;
  exit: WorkerExit | undefined;
  drainedAt: number | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (err: Error) => void;
  #resolveExit!: (exit: WorkerExit) => void;

  constructor(readonly request: SpawnRequest) {
    this.slot = request.slot;
    this.generation = request.generation;
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.exited = new Promise((resolve) => {
      this.#resolveExit = resolve;
    });
    this.closed = this.exited.then(() => undefined);
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  becomeReady(): void {
    if (!this.alive) return;
    this.state = 'ready';
    this.lastPong = Date.now();
    this.#resolveReady();
  }

  /** Exits as a worker whose app failed to load does: reports the error, exits 1. */
  failToStart(message: string): void {
    this.#finish({ code: 1, signal: null }, new Error(message));
  }

  crash(code = 1): void {
    this.#finish({ code, signal: null });
  }

  /** Connections handed over by a rescue: [label, fd]. */
  readonly connections: [string, number][] = [];
  /** What the test says is still on its way to the worker. */
  connectionsInFlight = 0;

  sendConnection(label: string, fd: number): void {
    this.connections.push([label, fd]);
  }

  send(message: PrimaryMessage): void {
    if (!this.alive) return;
    this.sent.push(message);
    if (message.volley === 'ping' && !this.hung) {
      const pong = { volley: 'pong', seq: message.seq, lagMs: 0, rssBytes: this.rssBytes, requests: this.requests };
      queueMicrotask(() => this.alive && this.onMessage?.(this, pong as WorkerMessage));
    }
  }

  drain(): void {
    if (this.state === 'draining' || !this.alive) return;
    this.state = 'draining';
    this.drainedAt = Date.now();
    setImmediate(() => this.#finish({ code: 0, signal: null }));
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) setImmediate(() => this.#finish({ code: null, signal }));
  }

  async metrics(): Promise<unknown[] | undefined> {
    return [];
  }

  #finish(exit: WorkerExit, error?: Error): void {
    if (!this.alive) return;
    this.exit = exit;
    this.#rejectReady(error ?? new Error(`worker ${this.slot} (pid ${this.pid}) exited before it was ready`));
    this.#resolveExit(exit);
  }
}

/**
 * Starts FakeWorkers. `plan(request)` says what each does (default: ready at once); every
 * worker started is kept in `workers`, in order.
 */
export class FakeSpawner {
  readonly workers: FakeWorker[] = [];
  plan: (request: SpawnRequest) => Behaviour = () => 'ready';

  readonly spawn = (request: SpawnRequest): FakeWorker => {
    const worker = new FakeWorker(request);
    this.workers.push(worker);
    const behaviour = this.plan(request);
    setImmediate(() => {
      if (behaviour === 'ready') worker.becomeReady();
      else if (behaviour === 'fail') worker.failToStart(`app of slot ${request.slot} failed to load`);
    });
    return worker;
  };

  ofSlot(slot: number): FakeWorker[] {
    return this.workers.filter((w) => w.slot === slot);
  }
}

/** Sockets that only record what the supervisor asked of them. */
export class FakeSockets implements ListenSockets {
  readonly description = 'fake sockets';
  readonly addresses = ['127.0.0.1:1'];
  readonly open_ = new Set<number>();
  readonly events: string[] = [];
  /** The slots of the last steer() call. */
  steered: number[] = [];
  closedAll = false;
  ownsFiles = true;

  open(slot: number): void {
    this.open_.add(slot);
    this.events.push(`open ${slot}`);
  }

  close(slot: number): void {
    this.open_.delete(slot);
    this.events.push(`close ${slot}`);
  }

  steer(active: ReadonlySet<number>): void {
    this.steered = [...active].sort((a, b) => a - b);
    this.events.push(`steer ${this.steered.join(',')}`);
  }

  fdsFor(slot: number): SlotListener[] {
    return [{ fd: 100 + slot, label: this.addresses[0]! }];
  }

  cpuIndexOf(slot: number): number {
    return slot - 1;
  }

  closeAll(): void {
    this.closedAll = true;
    this.open_.clear();
  }
}

/** Fake SO_REUSEPORT sockets: TCP fds a stall monitor can watch (one per slot and address). */
export class FakeWatchedSockets extends FakeSockets {
  tcpFdsFor(slot: number): { fd: number; label: string }[] {
    return this.open_.has(slot) ? [{ fd: 100 + slot, label: this.addresses[0]! }] : [];
  }
}

/** A stall monitor the test drives: it records what it is told to watch and reports what the test says. */
export class FakeStallMonitor {
  readonly cellsFd = 99;
  watched: { slot: number; fds: number[] }[] = [];
  stopped = false;
  #onSignal: ((slot: number, signal: StallSignal, sinceTurnMs: number) => void) | undefined;

  /** The `monitor` collaborator of SlotSteering / the supervisor's `steering`. */
  readonly start = (
    _timing: StallTiming,
    onSignal: (slot: number, signal: StallSignal, sinceTurnMs: number) => void,
  ): FakeStallMonitor => {
    this.#onSignal = onSignal;
    return this;
  };

  watch(slots: { slot: number; fds: number[] }[]): void {
    this.watched = slots;
  }

  stop(): void {
    this.stopped = true;
  }

  report(slot: number, signal: StallSignal, sinceTurnMs = 0): void {
    this.#onSignal?.(slot, signal, sinceTurnMs);
  }
}

/** Collects the merged log's lines. */
export class LogLines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    callback();
  }
  has(pattern: RegExp): boolean {
    return this.lines.some((l) => pattern.test(l));
  }
}

/** Waits until `check()` is true, polling; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
