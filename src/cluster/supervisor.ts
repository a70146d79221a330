import { unlinkSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Writable } from 'node:stream';
import { VolleyError } from '../errors.js';
import { native, reusePortSupported } from '../native/index.js';
import { parseAddress, resolveHost } from '../server/address.js';
import { loadTls } from '../server/tls.js';
import { isSocketLive, removeSocketFile } from '../server/unix-listener.js';
import { Backoff } from './backoff.js';
import { affinityCpus, usableCpuCount } from './cpus.js';
import type { WorkerMessage } from './ipc.js';
import { type LogFormat, LogSink } from './log-sink.js';
import { SocketGroup } from './socket-group.js';
import { describeExit, WorkerProcess } from './worker-process.js';

export interface SupervisorOptions {
  /** Path of the app module (default export: Router or Service). */
  app: string;
  /** Listen addresses: `host:port`, `[v6]:port`, `unix:/path`. Default `0.0.0.0:$PORT` or 0.0.0.0:7878. */
  listen?: string[];
  /** Worker count, or 'auto' (usable CPUs: affinity and cgroup quota). Default 'auto'. */
  workers?: number | 'auto';
  heartbeatTimeout?: number;
  shutdownTimeout?: number;
  shutdownDelay?: number;
  /** How long a new worker may take to load the app and listen. Default 30 s. */
  readyTimeout?: number;
  maxMemoryMb?: number;
  maxRequests?: number;
  maxRequestsJitter?: number;
  cpuAffinity?: boolean;
  logFormat?: LogFormat;
  /** Where the merged log goes. Default process.stdout. */
  logOutput?: Writable;
  keepAliveTimeout?: number;
  /** Workers keep request metrics for /metrics (on when an admin endpoint is served). */
  metrics?: boolean;
  /** Serve TLS with these files (read again by every new worker, so a reload picks up renewals). */
  tls?: { cert: string; key: string; ca?: string };
  /** HTTP/2 over TLS (ALPN), HTTP/1.1 still accepted. Needs `tls`. */
  http2?: boolean;
  /** Services the primary hosts for its workers, called with `callPrimary(name, op, args)`. */
  services?: Record<string, PrimaryService>;
}

/** A service hosted by the primary: answers `op(args)` for the worker in slot `worker`. */
export type PrimaryService = (op: string, args: unknown[], worker: number) => unknown;

/** The supervisor could not start (bad address, port in use, app failed to start). */
export class StartupError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_STARTUP', message, { cause });
  }
}

/** A rolling reload or scale request that could not be carried out. */
export class OperationError extends VolleyError {
  constructor(message: string, cause?: unknown) {
    super('VOLLEY_ERR_OPERATION', message, { cause });
  }
}

interface Slot {
  id: number;
  worker: WorkerProcess | undefined;
  restarts: number;
  backoff: Backoff;
  restartTimer: NodeJS.Timeout | undefined;
  retiring: boolean;
  /** requests after which this slot's worker is recycled (max-requests plus its jitter). */
  requestLimit: number;
  recycling: boolean;
  /** Set once a worker of this slot was ready: from then on its socket takes its share of connections. */
  accepting: boolean;
}

export interface WorkerStatus {
  id: number;
  pid: number;
  generation: number;
  state: 'starting' | 'ready' | 'draining';
  restarts: number;
  requests: number;
  rssBytes: number;
  eventLoopLagMs: number;
  startedAt: string;
}

export interface SupervisorStatus {
  primary: { pid: number; version: string; uptimeMs: number };
  desiredWorkers: number;
  workers: WorkerStatus[];
}

const HEARTBEAT_INTERVAL_MS = 1000;
/** How long a retiring socket keeps being accepted on after new connections were steered away. */
const RETIRE_SETTLE_MS = 250;
export const VERSION = '0.1.0';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The primary of `volley serve`: owns one SO_REUSEPORT socket per worker slot and address
 * (never accepting on them), forks the workers, watches their heartbeats, restarts crashed
 * ones with backoff, replaces hung ones, reloads, scales and stops them gracefully.
 */
export class Supervisor {
  readonly options: Required<
    Omit<
      SupervisorOptions,
      'maxMemoryMb' | 'maxRequests' | 'logOutput' | 'keepAliveTimeout' | 'metrics' | 'services' | 'tls' | 'http2'
    >
  > &
    SupervisorOptions;
  readonly log: LogSink;
  readonly #groups: SocketGroup[] = [];
  readonly #unix: { path: string; fd: number }[] = [];
  readonly #slots = new Map<number, Slot>();
  readonly #startedAt = Date.now();
  #desired = 0;
  /** Fallback where SO_REUSEPORT does not balance (macOS, Windows) or the addon is missing. */
  readonly #clusterMode = process.env.VOLLEY_FORCE_CLUSTER === '1' || !reusePortSupported();
  #generation = 1;
  #stopping = false;
  #started = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #pingSeq = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #resolveDone!: (code: number) => void;
  readonly done: Promise<number>;
  reloads = 0;
  readonly #services: ReadonlyMap<string, PrimaryService>;
  /** Observers of lifecycle changes (admin endpoint, tests). */
  onChange: (() => void) | undefined;

  constructor(options: SupervisorOptions) {
    this.options = {
      listen: options.listen?.length ? options.listen : [`0.0.0.0:${process.env.PORT || 7878}`],
      workers: 'auto',
      heartbeatTimeout: 10_000,
      shutdownTimeout: 30_000,
      shutdownDelay: 0,
      readyTimeout: 30_000,
      maxRequestsJitter: 0,
      cpuAffinity: false,
      logFormat: 'text',
      ...options,
      app: resolvePath(options.app),
    };
    this.#services = new Map(Object.entries(options.services ?? {}));
    this.log = new LogSink(options.logOutput ?? process.stdout, this.options.logFormat);
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  get desiredWorkers(): number {
    return this.#desired;
  }

  /** Listen addresses as bound (port 0 resolved). */
  get addresses(): string[] {
    if (this.#clusterMode) return this.options.listen;
    return [...this.#groups.map((g) => g.label), ...this.#unix.map((u) => `unix:${u.path}`)];
  }

  /** True while at least one worker is ready. */
  get healthy(): boolean {
    return [...this.#slots.values()].some((s) => s.worker?.state === 'ready');
  }

  /** True when every wanted worker is ready and no shutdown started. */
  get ready(): boolean {
    if (this.#stopping || !this.#started) return false;
    const slots = [...this.#slots.values()].filter((s) => !s.retiring);
    return slots.length === this.#desired && slots.every((s) => s.worker?.state === 'ready');
  }

  /**
   * Opens the sockets and starts the workers; resolves once all are ready. On failure
   * everything started is stopped again and a StartupError says what and where.
   */
  async start(): Promise<void> {
    const count = this.options.workers === 'auto' ? usableCpuCount() : this.options.workers;
    if (this.#clusterMode) {
      this.log.event(
        'SO_REUSEPORT load balancing is not available here (' +
          (process.env.VOLLEY_FORCE_CLUSTER === '1' ? 'VOLLEY_FORCE_CLUSTER=1' : `platform ${process.platform}`) +
          '): falling back to node:cluster round-robin, where the primary accepts every connection',
      );
    }
    if (!Number.isInteger(count) || count < 1) throw new StartupError(`--workers must be a positive integer or 'auto'`);
    this.#desired = count;
    if (this.options.http2 && !this.options.tls) throw new StartupError('--http2 needs --tls-cert and --tls-key');
    if (this.options.tls) {
      // Fail fast, naming the file, before any socket or worker exists.
      try {
        loadTls(this.options.tls);
      } catch (err) {
        throw new StartupError((err as Error).message, err);
      }
    }
    try {
      await this.#openAddresses();
      for (let id = 1; id <= count; id++) this.#openSlot(id);
    } catch (err) {
      this.#closeSockets();
      throw err instanceof VolleyError ? err : new StartupError((err as Error).message, err);
    }
    this.log.event(
      `volley ${VERSION} serving ${this.options.app} with ${count} worker(s) on ${this.addresses.join(', ')} ` +
        (this.#clusterMode ? '(node:cluster round-robin)' : '(SO_REUSEPORT, one socket per worker)'),
    );
    const workers = [...this.#slots.values()].map((slot) => this.#spawn(slot));
    try {
      await Promise.all(workers.map((w) => this.#awaitReady(w)));
    } catch (err) {
      this.log.event(`start-up failed: ${(err as Error).message}`);
      for (const w of workers) w.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.closed));
      this.#closeSockets();
      const firstLine = (err as Error).message.split('\n')[0];
      throw new StartupError(`a worker failed to start: ${firstLine}`, err);
    }
    this.#started = true;
    this.#applySteering();
    this.#heartbeat = setInterval(() => this.#checkHeartbeats(), HEARTBEAT_INTERVAL_MS);
    this.log.event(`all ${count} worker(s) ready`);
    this.onChange?.();
  }

  async #openAddresses(): Promise<void> {
    if (this.#clusterMode) {
      for (const text of this.options.listen) parseAddress(text, '--listen');
      return;
    }
    for (const text of this.options.listen) {
      const address = parseAddress(text, '--listen');
      if (address.kind === 'unix') {
        try {
          if (await isSocketLive(address.path)) throw new Error('address in use: a server is listening there');
          await removeSocketFile(address.path);
          const fd = native().openUnixListener({ path: address.path });
          this.#unix.push({ path: address.path, fd });
        } catch (err) {
          throw new StartupError(`cannot listen on ${text}: ${(err as Error).message}`, err);
        }
      } else {
        const host = await resolveHost(address.host, `--listen ${text}`);
        const group = new SocketGroup(host, address.port);
        group.useCpuSteering(this.options.cpuAffinity);
        this.#groups.push(group);
      }
    }
  }

  /** Opens the slot's socket on every TCP address. */
  #openSlot(id: number): Slot {
    for (const group of this.#groups) {
      try {
        group.open(id);
      } catch (err) {
        throw new StartupError(`cannot listen on ${group.label}: ${(err as Error).message}`, err);
      }
    }
    const limit = this.options.maxRequests;
    const jitter = this.options.maxRequestsJitter ?? 0;
    const slot: Slot = {
      id,
      worker: undefined,
      restarts: 0,
      backoff: new Backoff(),
      restartTimer: undefined,
      retiring: false,
      requestLimit: limit ? limit + Math.floor(Math.random() * (jitter + 1)) : Number.POSITIVE_INFINITY,
      recycling: false,
      accepting: false,
    };
    this.#slots.set(id, slot);
    return slot;
  }

  #closeSockets(): void {
    for (const group of this.#groups) group.closeAll();
    for (const { fd, path } of this.#unix.splice(0)) {
      native().closeFd(fd);
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  }

  #spawn(slot: Slot): WorkerProcess {
    const sockets = this.#clusterMode
      ? []
      : [
          ...this.#groups.map((g) => ({ fd: g.fd(slot.id)!, label: g.label })),
          ...this.#unix.map((u) => ({ fd: u.fd, label: `unix:${u.path}` })),
        ];
    const worker = new WorkerProcess({
      slot: slot.id,
      generation: this.#generation,
      sockets,
      ...(this.#clusterMode ? { clusterAddresses: this.options.listen } : {}),
      config: {
        app: this.options.app,
        shutdownTimeout: this.options.shutdownTimeout,
        metrics: this.options.metrics ?? false,
        ...(this.options.tls || this.options.http2
          ? { protocol: { ...(this.options.tls ? { tls: this.options.tls } : {}), http2: this.options.http2 ?? false } }
          : {}),
        server: this.options.keepAliveTimeout ? { keepAliveTimeout: this.options.keepAliveTimeout } : {},
      },
      log: this.log,
    });
    slot.worker = worker;
    worker.onMessage = (w, m) => this.#onMessage(w, m);
    this.log.event(`worker ${slot.id} started (pid ${worker.pid}, generation ${worker.generation})`);
    if (this.options.cpuAffinity) this.#pin(slot.id, worker.pid);
    worker.ready.then(
      () => {
        this.log.event(`worker ${slot.id} ready (pid ${worker.pid})`);
        if (!slot.accepting) {
          slot.accepting = true;
          this.#applySteering();
        }
        this.onChange?.();
      },
      () => undefined,
    );
    worker.exited.then((exit) => this.#onExit(slot, worker, describeExit(exit)));
    return worker;
  }

  #pin(slotId: number, pid: number): void {
    const cpus = affinityCpus();
    const index = Math.max(0, this.#groups[0]?.indexOf(slotId) ?? slotId - 1);
    const cpu = cpus[index % cpus.length]!;
    try {
      native().setCpuAffinity(pid, cpu);
    } catch (err) {
      this.log.event(`could not pin worker ${slotId} to CPU ${cpu}: ${(err as Error).message}`);
    }
  }

  /** Waits for a worker to be ready, failing after readyTimeout. */
  #awaitReady(worker: WorkerProcess): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`worker ${worker.slot} (pid ${worker.pid}) was not ready within ${this.options.readyTimeout} ms`),
        );
      }, this.options.readyTimeout);
      worker.ready.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  #onMessage(worker: WorkerProcess, message: WorkerMessage): void {
    if (message.volley === 'rpc') {
      this.#serveRpc(worker, message.id, message.service, message.op, message.args);
      return;
    }
    if (message.volley === 'broadcast') {
      for (const w of this.workers()) {
        if (w.state !== 'draining')
          w.send({ volley: 'broadcast', channel: message.channel, payload: message.payload, from: worker.slot });
      }
      return;
    }
    if (message.volley !== 'pong') return;
    worker.lastPong = Date.now();
    worker.lagMs = message.lagMs;
    worker.rssBytes = message.rssBytes;
    worker.requests = message.requests;
    const slot = this.#slots.get(worker.slot);
    if (!slot || slot.worker !== worker || slot.recycling || this.#stopping || worker.state !== 'ready') return;
    const maxMemory = this.options.maxMemoryMb;
    if (maxMemory && worker.rssBytes > maxMemory * 1024 * 1024) {
      this.#recycle(slot, `RSS ${Math.round(worker.rssBytes / 1048576)} MB is over --max-memory ${maxMemory} MB`);
    } else if (worker.requests >= slot.requestLimit) {
      this.#recycle(slot, `it served ${worker.requests} requests (--max-requests)`);
    }
  }

  #serveRpc(worker: WorkerProcess, id: number, service: string, op: string, args: unknown[]): void {
    const handler = this.#services.get(service);
    if (!handler) {
      worker.send({ volley: 'rpc-reply', id, ok: false, error: `the primary hosts no service '${service}'` });
      return;
    }
    Promise.resolve()
      .then(() => handler(op, args, worker.slot))
      .then(
        (value) => worker.send({ volley: 'rpc-reply', id, ok: true, value: value ?? null }),
        (err: unknown) =>
          worker.send({ volley: 'rpc-reply', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
  }

  #recycle(slot: Slot, why: string): void {
    slot.recycling = true;
    this.log.event(`recycling worker ${slot.id} (pid ${slot.worker?.pid}): ${why}`);
    this.#enqueue(async () => {
      try {
        await this.#replaceGracefully(slot);
      } catch (err) {
        this.log.event(`recycling worker ${slot.id} failed: ${(err as Error).message}`);
      } finally {
        slot.recycling = false;
      }
    });
  }

  #onExit(slot: Slot, worker: WorkerProcess, how: string): void {
    this.onChange?.();
    if (worker.retired || this.#stopping || slot.worker !== worker) {
      this.log.event(`worker ${slot.id} (pid ${worker.pid}) exited (${how})`);
      return;
    }
    if (!this.#started) return; // start() reports start-up failures itself
    slot.worker = undefined;
    slot.restarts++;
    const delay = slot.backoff.next(Date.now() - worker.startedAt);
    this.log.event(`worker ${slot.id} (pid ${worker.pid}) died (${how}); restarting in ${delay} ms`);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.#stopping || slot.retiring) return;
      const successor = this.#spawn(slot);
      this.#awaitReady(successor).catch((err) => {
        this.log.event(`worker ${slot.id} failed to start: ${(err as Error).message}`);
        successor.kill('SIGKILL');
      });
    }, delay);
  }

  #checkHeartbeats(): void {
    const now = Date.now();
    const seq = ++this.#pingSeq;
    for (const slot of this.#slots.values()) {
      const worker = slot.worker;
      if (worker?.state !== 'ready') continue;
      if (now - worker.lastPong > this.options.heartbeatTimeout) {
        this.log.event(
          `worker ${slot.id} (pid ${worker.pid}) has not answered for ${now - worker.lastPong} ms ` +
            `(--heartbeat-timeout ${this.options.heartbeatTimeout}); starting a successor and killing it`,
        );
        worker.retired = true;
        slot.restarts++;
        const successor = this.#spawn(slot);
        worker.kill('SIGKILL');
        this.#awaitReady(successor).catch((err) => {
          this.log.event(`worker ${slot.id} failed to start: ${(err as Error).message}`);
          successor.kill('SIGKILL');
        });
        continue;
      }
      worker.send({ volley: 'ping', seq });
    }
  }

  /** Runs cluster operations (reload, scale, recycle) one at a time. */
  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(op, op);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Starts a successor on the slot, waits until it is ready, then drains the predecessor. */
  async #replaceGracefully(slot: Slot): Promise<void> {
    const old = slot.worker;
    const successor = this.#spawn(slot);
    try {
      await this.#awaitReady(successor);
    } catch (err) {
      successor.retired = true;
      successor.kill('SIGKILL');
      slot.worker = old;
      throw err;
    }
    if (old) {
      old.drain(this.options.shutdownTimeout);
      this.log.event(`worker ${slot.id} (pid ${old.pid}) draining; replaced by pid ${successor.pid}`);
    }
  }

  /**
   * Rolling reload: one slot at a time, a new generation loads the app afresh; the old
   * worker drains only once its successor is ready. A successor that fails stops the reload
   * with the old workers still serving.
   */
  reload(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#stopping) throw new OperationError('the server is stopping');
      this.#generation++;
      this.reloads++;
      this.log.event(`rolling reload to generation ${this.#generation} started`);
      for (const slot of [...this.#slots.values()]) {
        if (slot.retiring || this.#stopping) continue;
        try {
          await this.#replaceGracefully(slot);
        } catch (err) {
          this.log.event(`rolling reload stopped at worker ${slot.id}: ${(err as Error).message}`);
          this.#generation--;
          throw new OperationError(`reload failed at worker ${slot.id}: ${(err as Error).message}`, err);
        }
      }
      this.log.event(`rolling reload to generation ${this.#generation} done`);
    });
  }

  /** Changes the number of workers while serving. */
  scale(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 1 || count > 1024) {
      return Promise.reject(new OperationError(`worker count must be an integer from 1 to 1024, got ${count}`));
    }
    return this.#enqueue(async () => {
      if (this.#stopping) throw new OperationError('the server is stopping');
      const from = this.#desired;
      this.#desired = count;
      this.log.event(`scaling from ${from} to ${count} worker(s)`);
      let live = [...this.#slots.values()].filter((s) => !s.retiring);
      while (live.length < count) {
        const id = Math.max(0, ...this.#slots.keys()) + 1;
        const slot = this.#openSlot(id);
        this.#applySteering();
        await this.#awaitReady(this.#spawn(slot)).catch((err) => {
          this.log.event(`worker ${id} failed to start: ${(err as Error).message}`);
        });
        live = [...this.#slots.values()].filter((s) => !s.retiring);
      }
      const retiring = live.sort((a, b) => b.id - a.id).slice(0, live.length - count);
      await Promise.all(retiring.map((slot) => this.#retire(slot)));
      this.log.event(`now ${count} worker(s)`);
      this.onChange?.();
    });
  }

  /**
   * Retires a slot without resetting connections queued on its socket: steer new connections
   * to the other sockets, let the worker accept what is queued, drain it, then close the socket.
   */
  async #retire(slot: Slot): Promise<void> {
    slot.retiring = true;
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    this.#applySteering();
    await sleep(RETIRE_SETTLE_MS);
    const worker = slot.worker;
    if (worker) {
      worker.drain(this.options.shutdownTimeout);
      await worker.closed;
    }
    for (const group of this.#groups) group.close(slot.id);
    this.#slots.delete(slot.id);
    this.#applySteering();
    if (this.options.cpuAffinity) {
      for (const s of this.#slots.values()) if (s.worker) this.#pin(s.id, s.worker.pid);
    }
  }

  /**
   * New connections go only to sockets whose slot has had a ready worker and is not retiring.
   * A slot whose worker crashed or is being replaced keeps its share: its queue waits for
   * the successor. A new slot gets none until its first worker is ready.
   */
  #applySteering(): void {
    if (!this.#started) return;
    const active = new Set<number>();
    for (const slot of this.#slots.values()) if (slot.accepting && !slot.retiring) active.add(slot.id);
    for (const group of this.#groups) {
      try {
        group.steer(active);
      } catch (err) {
        this.log.event(`could not steer connections on ${group.label}: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Graceful stop: readiness turns 503 at once; workers keep serving for shutdownDelay, then
   * drain (finish in-flight requests, close keep-alive connections) for up to shutdownTimeout.
   * Resolves `done` with 0 once every worker is gone.
   */
  async stop(reason = 'stop requested'): Promise<number> {
    if (this.#stopping) return this.done;
    this.#stopping = true;
    this.onChange?.();
    this.log.event(`graceful stop (${reason}); readiness now 503`);
    if (this.options.shutdownDelay > 0) await sleep(this.options.shutdownDelay);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const workers: WorkerProcess[] = [];
    for (const slot of this.#slots.values()) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      if (slot.worker?.alive) workers.push(slot.worker);
    }
    for (const w of workers) w.drain(this.options.shutdownTimeout);
    await Promise.all(workers.map((w) => w.closed));
    this.#closeSockets();
    this.log.event('all workers stopped; primary exiting');
    this.#resolveDone(0);
    return 0;
  }

  /** Immediate stop: kills every worker (a second SIGINT). */
  async forceStop(): Promise<number> {
    this.#stopping = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.log.event('forced stop: killing all workers');
    const workers = [...this.#slots.values()].flatMap((s) => (s.worker ? [s.worker] : []));
    for (const slot of this.#slots.values()) if (slot.restartTimer) clearTimeout(slot.restartTimer);
    for (const w of workers) {
      w.retired = true;
      w.kill('SIGKILL');
    }
    await Promise.all(workers.map((w) => w.closed));
    this.#closeSockets();
    this.#resolveDone(130);
    return 130;
  }

  /** Live worker processes (including draining ones still on their way out). */
  workers(): WorkerProcess[] {
    return [...this.#slots.values()].flatMap((s) => (s.worker?.alive ? [s.worker] : []));
  }

  status(): SupervisorStatus {
    const workers: WorkerStatus[] = [];
    for (const slot of [...this.#slots.values()].sort((a, b) => a.id - b.id)) {
      const w = slot.worker;
      if (!w) continue;
      workers.push({
        id: slot.id,
        pid: w.pid,
        generation: w.generation,
        state: w.state,
        restarts: slot.restarts,
        requests: w.requests,
        rssBytes: w.rssBytes,
        eventLoopLagMs: Math.round(w.lagMs * 100) / 100,
        startedAt: new Date(w.startedAt).toISOString(),
      });
    }
    return {
      primary: { pid: process.pid, version: VERSION, uptimeMs: Date.now() - this.#startedAt },
      desiredWorkers: this.#desired,
      workers,
    };
  }
}
