import { EventEmitter } from 'node:events';
import { VolleyError } from '../../errors.js';
import { VERSION } from '../../version.js';
import type { WorkerMessage } from '../protocol.js';
import { Backoff } from './backoff.js';
import { pinToCpu } from './cpu-pinning.js';
import { OperationError, StartupError } from './errors.js';
import type { Handover } from './handover.js';
import type { ListenSockets } from './listen-sockets.js';
import { LogSink } from './log-sink.js';
import { openListenSockets } from './open-listen-sockets.js';
import { PrimaryServices } from './primary-services.js';
import { type FailedAttempt, Slot } from './slot.js';
import type { SteeringSnapshot } from './steering/load-steering.js';
import { SlotSteering, type SlotSteeringDeps } from './steering/slot-steering.js';
import {
  type ResolvedSupervisorOptions,
  resolveSupervisorOptions,
  type SupervisorOptions,
} from './supervisor-options.js';
import { describeExit, type SpawnWorker, type WorkerHandle } from './worker-handle.js';
import { processSpawner } from './worker-process.js';

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
  /** The slot's last successor that failed to become ready (a failed reload or recycle), if any. */
  lastFailure?: { pid: number; generation: number; error: string; at: string };
}

export interface SupervisorStatus {
  primary: { pid: number; version: string; uptimeMs: number };
  desiredWorkers: number;
  workers: WorkerStatus[];
  /** Load-aware steering: its mode, the slots steered away from now, and its counters (absent from a primary older than #19). */
  steering?: SteeringSnapshot;
}

/**
 * What the supervisor works with, all replaceable so unit tests can drive it with fake workers
 * and sockets in milliseconds. The defaults are the real ones.
 */
export interface SupervisorCollaborators {
  /** Opens the listening sockets (default: SO_REUSEPORT groups, else node:cluster). */
  sockets?: (listen: string[], log: LogSink) => Promise<ListenSockets>;
  /** Starts a worker (default: a forked process whose output goes into the log). */
  spawnWorker?: SpawnWorker;
  /** Pins a worker to a CPU for --cpu-affinity; returns the CPU. */
  pin?: (pid: number, socketIndex: number) => number;
  /** Restart delays of a slot whose worker keeps crashing. */
  backoff?: () => Backoff;
  heartbeatIntervalMs?: number;
  /** How long a retiring socket keeps being accepted on after new connections were steered away. */
  retireSettleMs?: number;
  /** Sockets a predecessor primary handed over (an upgrade): the default opener adopts them. */
  handover?: Handover;
  /** The stall monitor and rescue of load-aware steering (default: the addon's). */
  steering?: Pick<SlotSteeringDeps, 'monitor' | 'acceptQueued' | 'queueLength' | 'timing' | 'holdMs'>;
}

type Replacement = 'start' | 'restart' | 'hung' | 'reload' | 'recycle';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/**
 * The primary of `volley serve`: owns one listening socket per worker slot and address
 * (never accepting on them), starts the workers, watches their heartbeats, restarts crashed
 * ones with backoff, replaces hung ones, reloads, recycles, scales and stops them gracefully.
 * Every start of a worker goes through one method, #replaceWorker.
 */
export class Supervisor {
  readonly options: ResolvedSupervisorOptions;
  readonly log: LogSink;
  readonly #openSockets: NonNullable<SupervisorCollaborators['sockets']>;
  readonly #spawnWorker: SpawnWorker;
  readonly #pinWorker: NonNullable<SupervisorCollaborators['pin']>;
  readonly #newBackoff: () => Backoff;
  readonly #steeringDeps: SupervisorCollaborators['steering'];
  #steering: SlotSteering | undefined;
  readonly #heartbeatIntervalMs: number;
  readonly #retireSettleMs: number;
  readonly #services: PrimaryServices;
  #sockets: ListenSockets | undefined;
  readonly #slots = new Map<number, Slot>();
  /** Workers on their way out (draining, replaced, killed): waited for by stop(). */
  readonly #leaving = new Set<WorkerHandle>();
  readonly #startedAt = Date.now();
  #desired = 0;
  /** The newest generation: each rolling reload takes the next number, failed or not. */
  #generation = 1;
  #stopping = false;
  #started = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #pingSeq = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** Cluster operations queued or running. */
  #operations = 0;
  /** An operation that excludes every other (an upgrade of the primary), while it runs. */
  #exclusive: string | undefined;
  #resolveDone!: (code: number) => void;
  readonly done: Promise<number>;
  reloads = 0;
  /** Observers of lifecycle changes (admin endpoint, tests). */
  onChange: (() => void) | undefined;
  /** Reloads, scaling and the stop, for those who tell others (sd_notify): `reloading`, `reloaded`, `scaled`, `stopping`. */
  readonly lifecycle = new EventEmitter<{
    reloading: [];
    reloaded: [ok: boolean];
    scaled: [];
    stopping: [reason: string];
  }>();

  constructor(options: SupervisorOptions, collaborators: SupervisorCollaborators = {}) {
    this.options = resolveSupervisorOptions(options);
    this.log = new LogSink(options.logOutput ?? process.stdout, this.options.logFormat);
    this.#services = new PrimaryServices(options.services);
    this.#openSockets =
      collaborators.sockets ??
      ((listen, log) =>
        openListenSockets(listen, {
          cpuSteering: this.options.cpuAffinity,
          joinPort: this.options.joinPort,
          log,
          ...(collaborators.handover ? { adopt: collaborators.handover } : {}),
        }));
    this.#spawnWorker = collaborators.spawnWorker ?? processSpawner(this.log);
    this.#pinWorker = collaborators.pin ?? pinToCpu;
    this.#newBackoff = collaborators.backoff ?? (() => new Backoff());
    this.#heartbeatIntervalMs = collaborators.heartbeatIntervalMs ?? 1000;
    this.#retireSettleMs = collaborators.retireSettleMs ?? 250;
    this.#steeringDeps = collaborators.steering;
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

  /** The listening sockets, once start() opened them (an upgrade hands them over). */
  get listenSockets(): ListenSockets | undefined {
    return this.#sockets;
  }

  /** Listen addresses as bound (port 0 resolved). */
  get addresses(): string[] {
    return this.#sockets?.addresses ?? this.options.listen;
  }

  /** True while at least one worker is ready. */
  get healthy(): boolean {
    return [...this.#slots.values()].some((s) => s.worker?.state === 'ready');
  }

  /** True when every wanted worker is ready and no shutdown started. */
  get ready(): boolean {
    if (this.#stopping || !this.#started) return false;
    const wanted = [...this.#slots.values()].filter((s) => s.wanted);
    return wanted.length === this.#desired && wanted.every((s) => s.worker?.state === 'ready');
  }

  /**
   * Opens the sockets and starts the workers; resolves once all are ready. On failure
   * everything started is stopped again and a StartupError says what and where.
   */
  async start(): Promise<void> {
    const count = this.options.workers;
    this.#desired = count;
    try {
      this.#sockets = await this.#openSockets(this.options.listen, this.log);
      this.#steering = new SlotSteering(this.options.steering, this.#sockets, {
        workerOf: (id) => this.#slots.get(id)?.worker,
        log: (message) => this.log.event(message),
        ...this.#steeringDeps,
      });
      for (let id = 1; id <= count; id++) this.#openSlot(id);
    } catch (err) {
      this.#steering?.stop();
      this.#sockets?.closeAll();
      throw err instanceof VolleyError ? err : new StartupError((err as Error).message, err);
    }
    this.log.event(
      `volley ${VERSION} serving ${this.options.app} with ${count} worker(s) on ${this.addresses.join(', ')} ` +
        `(${this.#sockets.description})`,
    );
    const slots = [...this.#slots.values()];
    try {
      await Promise.all(slots.map((slot) => this.#replaceWorker(slot, 'start')));
    } catch (err) {
      this.log.event(`start-up failed: ${(err as Error).message}`);
      const workers = slots.flatMap((s) => (s.worker ? [s.worker] : []));
      for (const w of workers) w.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.closed));
      this.#steering.stop();
      this.#sockets.closeAll();
      throw new StartupError(`a worker failed to start: ${firstLine(err)}`, err);
    }
    this.#started = true;
    this.#applySteering();
    this.#heartbeat = setInterval(() => this.#checkHeartbeats(), this.#heartbeatIntervalMs);
    this.log.event(`all ${count} worker(s) ready`);
    this.onChange?.();
  }

  #openSlot(id: number): Slot {
    this.#sockets!.open(id);
    const limit = this.options.maxRequests;
    const jitter = this.options.maxRequestsJitter;
    const requestLimit = limit ? limit + Math.floor(Math.random() * (jitter + 1)) : Number.POSITIVE_INFINITY;
    const slot = new Slot(id, this.#generation, requestLimit, this.#newBackoff());
    this.#slots.set(id, slot);
    return slot;
  }

  #spawn(slot: Slot, generation: number): WorkerHandle {
    const tls = this.options.tls;
    const worker = this.#spawnWorker({
      slot: slot.id,
      generation,
      listeners: this.#sockets!.fdsFor(slot.id),
      ...(this.#steering?.progressFor(slot.id) ? { progress: this.#steering.progressFor(slot.id)! } : {}),
      config: {
        app: this.options.app,
        shutdownTimeout: this.options.shutdownTimeout,
        metrics: this.options.metrics,
        ...(tls || this.options.http2 ? { protocol: { ...(tls ? { tls } : {}), http2: this.options.http2 } } : {}),
        server: this.options.keepAliveTimeout ? { keepAliveTimeout: this.options.keepAliveTimeout } : {},
      },
    });
    worker.onMessage = (w, m) => this.#onMessage(w, m);
    this.log.event(`worker ${slot.id} started (pid ${worker.pid}, generation ${generation})`);
    if (this.options.cpuAffinity) this.#pin(slot.id, worker.pid);
    worker.exited.then((exit) => this.#onExit(slot, worker, describeExit(exit)));
    return worker;
  }

  /**
   * Starts a worker for the slot and waits until it is ready. For a reload or a recycle of a
   * slot whose worker is ready, the new one starts beside it (`replacing`) and the old one
   * drains only once its successor is ready; if the successor fails, the old one keeps serving
   * and the failure is kept for `status()`. Otherwise (first start, crash restart, hung
   * worker) the new worker takes the slot at once and a hung predecessor is killed; if it fails
   * to start, its exit is a crash of the slot like any other (#onExit restarts it with backoff).
   */
  async #replaceWorker(slot: Slot, why: Replacement): Promise<void> {
    const generation = why === 'reload' ? this.#generation : slot.generation;
    const beside = (why === 'reload' || why === 'recycle') && slot.worker?.state === 'ready';
    slot.cancelRestart();
    const successor = this.#spawn(slot, generation);
    if (beside) {
      slot.candidate = successor;
      slot.state = 'replacing';
    } else {
      const predecessor = slot.worker;
      slot.worker = successor;
      if (predecessor) {
        this.#leaving.add(predecessor);
        predecessor.kill('SIGKILL');
      }
    }
    try {
      await this.#awaitReady(successor);
    } catch (err) {
      successor.kill('SIGKILL');
      if (beside) {
        if (slot.candidate === successor) slot.candidate = undefined;
        this.#leaving.add(successor);
        slot.lastFailure = { pid: successor.pid, generation, error: firstLine(err), at: Date.now() };
        if (slot.state === 'replacing') slot.state = 'serving';
        // The serving worker may have died meanwhile: then the slot restarts like after a crash.
        if (!slot.worker && this.#started && !this.#stopping) this.#scheduleRestart(slot, 'its successor failed');
        this.onChange?.();
      }
      throw err;
    }
    if (slot.candidate === successor) {
      const predecessor = slot.worker;
      slot.candidate = undefined;
      slot.worker = successor;
      if (predecessor) {
        this.#leaving.add(predecessor);
        predecessor.drain(this.options.shutdownTimeout);
        this.log.event(`worker ${slot.id} (pid ${predecessor.pid}) draining; replaced by pid ${successor.pid}`);
      }
    }
    if (slot.worker !== successor) return; // replaced again meanwhile (hung, retired)
    slot.generation = generation;
    slot.lastFailure = undefined;
    this.log.event(`worker ${slot.id} ready (pid ${successor.pid})`);
    if (slot.state === 'starting' || slot.state === 'replacing') {
      const first = slot.state === 'starting';
      slot.state = 'serving';
      if (first) this.#applySteering();
    }
    this.onChange?.();
  }

  #pin(slotId: number, pid: number): void {
    try {
      this.#pinWorker(pid, this.#sockets!.cpuIndexOf(slotId));
    } catch (err) {
      this.log.event(`could not pin worker ${slotId} to a CPU: ${(err as Error).message}`);
    }
  }

  /** Waits for a worker to be ready, failing after readyTimeout. */
  #awaitReady(worker: WorkerHandle): Promise<void> {
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

  #onMessage(worker: WorkerHandle, message: WorkerMessage): void {
    if (message.volley === 'rpc') {
      this.#services.serve(worker, message.id, message.service, message.op, message.args);
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
    if (message.latency) worker.latency = message.latency;
    const slot = this.#slots.get(worker.slot);
    if (!slot || slot.worker !== worker || slot.state !== 'serving' || slot.recycleQueued) return;
    if (this.#stopping || worker.state !== 'ready') return;
    const maxMemory = this.options.maxMemoryMb;
    if (maxMemory && worker.rssBytes > maxMemory * 1024 * 1024) {
      this.#recycle(slot, `RSS ${Math.round(worker.rssBytes / 1048576)} MB is over --max-memory ${maxMemory} MB`);
    } else if (worker.requests >= slot.requestLimit) {
      // The count arrives with the heartbeat, once a second, so it is usually past the limit by
      // what the worker served since the last one (and the worker serves on until its successor
      // is ready): say the limit it reached, and the count as a count at that moment.
      this.#recycle(
        slot,
        `it reached --max-requests ${slot.requestLimit} (${worker.requests} requests served at this heartbeat)`,
      );
    }
  }

  #recycle(slot: Slot, why: string): void {
    if (this.#exclusive) return; // an upgrade replaces every worker anyway
    slot.recycleQueued = true;
    this.log.event(`recycling worker ${slot.id} (pid ${slot.worker?.pid}): ${why}`);
    this.#enqueue(async () => {
      try {
        if (slot.state === 'serving' && !this.#stopping) await this.#replaceWorker(slot, 'recycle');
      } catch (err) {
        this.log.event(`recycling worker ${slot.id} failed: ${(err as Error).message}`);
      } finally {
        slot.recycleQueued = false;
      }
    });
  }

  /**
   * A worker exited. The slot's own worker exiting unasked is a crash (restarted with backoff);
   * a successor that failed beside a serving worker is #replaceWorker's to report; anything
   * else (drained, replaced, killed on purpose) was expected.
   */
  #onExit(slot: Slot, worker: WorkerHandle, how: string): void {
    this.#leaving.delete(worker);
    this.onChange?.();
    const crashed = slot.worker === worker && slot.wanted && !this.#stopping;
    if (!crashed) {
      if (slot.candidate !== worker) this.log.event(`worker ${slot.id} (pid ${worker.pid}) exited (${how})`);
      return;
    }
    if (!this.#started) return; // start() reports start-up failures itself
    slot.worker = undefined;
    slot.restarts++;
    if (slot.candidate) {
      // A successor is already starting beside it: it takes the slot when ready (or, if it
      // fails, #replaceWorker restarts the slot).
      this.log.event(`worker ${slot.id} (pid ${worker.pid}) died (${how}); its successor is starting`);
      return;
    }
    this.#scheduleRestart(slot, `died (${how})`, Date.now() - worker.startedAt, worker.pid);
  }

  #scheduleRestart(slot: Slot, what: string, ranForMs = 0, pid?: number): void {
    const delay = slot.backoff.next(ranForMs);
    this.log.event(`worker ${slot.id}${pid ? ` (pid ${pid})` : ''} ${what}; restarting in ${delay} ms`);
    slot.cancelRestart();
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.#stopping || !slot.wanted || slot.worker) return;
      this.#replaceWorker(slot, 'restart').catch((err) => {
        this.log.event(`worker ${slot.id} failed to start: ${firstLine(err)}`);
      });
    }, delay);
  }

  #checkHeartbeats(): void {
    const now = Date.now();
    const seq = ++this.#pingSeq;
    for (const slot of this.#slots.values()) {
      const worker = slot.worker;
      if (worker?.state !== 'ready' || !slot.wanted) continue;
      if (now - worker.lastPong > this.options.heartbeatTimeout) {
        this.log.event(
          `worker ${slot.id} (pid ${worker.pid}) has not answered for ${now - worker.lastPong} ms ` +
            `(--heartbeat-timeout ${this.options.heartbeatTimeout}); starting a successor and killing it`,
        );
        slot.restarts++;
        this.#replaceWorker(slot, 'hung').catch((err) => {
          this.log.event(`worker ${slot.id} failed to start: ${firstLine(err)}`);
        });
        continue;
      }
      worker.send({ volley: 'ping', seq });
    }
  }

  /** Runs cluster operations (reload, scale, recycle) one at a time. */
  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    this.#operations++;
    const next = this.#queue.then(op, op);
    this.#queue = next.then(
      () => this.#operations--,
      () => this.#operations--,
    );
    return next;
  }

  /** Refuses an operation while an exclusive one runs. */
  #refuseDuringExclusive(what: string): OperationError | undefined {
    if (!this.#exclusive) return undefined;
    return new OperationError(`cannot ${what} while ${this.#exclusive} is in progress; try again after it`);
  }

  /**
   * Runs `op` as the only cluster operation: refused while a reload, scale or recycle is
   * queued or running, and while it runs those are refused (an upgrade of the primary and a
   * reload must never run at once: both replace every worker).
   */
  async exclusive<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.#stopping) throw new OperationError(`cannot start ${what}: the server is stopping`);
    if (this.#exclusive) throw new OperationError(`${this.#exclusive} is already in progress`);
    if (this.#operations > 0) {
      throw new OperationError(`cannot start ${what} while a rolling reload, scale or recycle is in progress`);
    }
    this.#exclusive = what;
    try {
      return await op();
    } finally {
      this.#exclusive = undefined;
    }
  }

  /**
   * Rolling reload: one slot at a time, a new generation loads the app afresh; the old
   * worker drains only once its successor is ready. A successor that fails stops the reload
   * with the old workers still serving; the next reload takes the next generation number.
   */
  reload(): Promise<void> {
    const refused = this.#refuseDuringExclusive('reload');
    if (refused) {
      this.log.event(refused.message);
      return Promise.reject(refused);
    }
    return this.#enqueue(async () => {
      if (this.#stopping) throw new OperationError('the server is stopping');
      const generation = ++this.#generation;
      this.reloads++;
      this.log.event(`rolling reload to generation ${generation} started`);
      this.lifecycle.emit('reloading');
      for (const slot of [...this.#slots.values()]) {
        if (!slot.wanted || this.#stopping) continue;
        try {
          await this.#replaceWorker(slot, 'reload');
        } catch (err) {
          const serving = slot.worker?.state === 'ready' ? ` (pid ${slot.worker.pid} keeps serving)` : '';
          this.log.event(`rolling reload stopped at worker ${slot.id}${serving}: ${(err as Error).message}`);
          this.lifecycle.emit('reloaded', false);
          throw new OperationError(`reload failed at worker ${slot.id}: ${firstLine(err)}`, err);
        }
      }
      this.log.event(`rolling reload to generation ${generation} done`);
      this.lifecycle.emit('reloaded', true);
    });
  }

  /** Changes the number of workers while serving. */
  scale(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 1 || count > 1024) {
      return Promise.reject(new OperationError(`worker count must be an integer from 1 to 1024, got ${count}`));
    }
    const refused = this.#refuseDuringExclusive('scale');
    if (refused) return Promise.reject(refused);
    return this.#enqueue(async () => {
      if (this.#stopping) throw new OperationError('the server is stopping');
      const from = this.#desired;
      this.#desired = count;
      this.log.event(`scaling from ${from} to ${count} worker(s)`);
      let wanted = [...this.#slots.values()].filter((s) => s.wanted);
      while (wanted.length < count) {
        const id = Math.max(0, ...this.#slots.keys()) + 1;
        const slot = this.#openSlot(id);
        await this.#replaceWorker(slot, 'start').catch((err) => {
          this.log.event(`worker ${id} failed to start: ${firstLine(err)}`);
        });
        wanted = [...this.#slots.values()].filter((s) => s.wanted);
      }
      const retiring = wanted.sort((a, b) => b.id - a.id).slice(0, wanted.length - count);
      await Promise.all(retiring.map((slot) => this.#retire(slot)));
      this.log.event(`now ${count} worker(s)`);
      this.lifecycle.emit('scaled');
      this.onChange?.();
    });
  }

  /**
   * Retires a slot without resetting connections queued on its socket: steer new connections
   * to the other sockets, let the worker accept what is queued, drain it, then close the socket.
   */
  async #retire(slot: Slot): Promise<void> {
    slot.state = 'retiring';
    slot.cancelRestart();
    this.#applySteering();
    await sleep(this.#retireSettleMs);
    const worker = slot.worker;
    if (worker) {
      worker.drain(this.options.shutdownTimeout);
      await worker.closed;
    }
    this.#sockets!.close(slot.id);
    slot.state = 'stopped';
    this.#slots.delete(slot.id);
    this.#applySteering();
    if (this.options.cpuAffinity) {
      for (const s of this.#slots.values()) if (s.worker) this.#pin(s.id, s.worker.pid);
    }
  }

  /**
   * New connections go only to sockets of slots that take connections (a ready worker, or a
   * successor on its way after a crash: its queue waits for it). A new slot gets none until
   * its first worker is ready; a retiring one none from the moment it retires.
   */
  #applySteering(): void {
    if (!this.#started) return;
    const active = new Set<number>();
    for (const slot of this.#slots.values()) if (slot.takesConnections) active.add(slot.id);
    try {
      this.#steering!.apply(active);
    } catch (err) {
      this.log.event(`could not steer connections: ${(err as Error).message}`);
    }
  }

  /** Every worker the supervisor knows of and that still runs: the slots' and those on their way out. */
  #allWorkers(): WorkerHandle[] {
    return [...new Set([...this.workers(), ...this.#leaving])].filter((w) => w.alive);
  }

  /**
   * Graceful stop: readiness turns 503 at once; workers keep serving for shutdownDelay, then
   * drain (finish in-flight requests, close keep-alive connections) for up to shutdownTimeout.
   * `delayMs` 0 skips the delay (after an upgrade the successor's workers already serve).
   * Resolves `done` with 0 once every worker is gone, those draining from a reload included.
   */
  async stop(reason = 'stop requested', delayMs = this.options.shutdownDelay): Promise<number> {
    if (this.#stopping) return this.done;
    this.#stopping = true;
    this.onChange?.();
    this.log.event(`graceful stop (${reason}); readiness now 503`);
    this.lifecycle.emit('stopping', reason);
    if (delayMs > 0) await sleep(delayMs);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const slot of this.#slots.values()) slot.cancelRestart();
    const workers = this.#allWorkers();
    for (const w of workers) w.drain(this.options.shutdownTimeout);
    await Promise.all(workers.map((w) => w.closed));
    for (const slot of this.#slots.values()) slot.state = 'stopped';
    this.#steering?.stop();
    this.#sockets?.closeAll();
    this.log.event('all workers stopped; primary exiting');
    this.#resolveDone(0);
    return 0;
  }

  /** Immediate stop: kills every worker (a second SIGINT). */
  async forceStop(): Promise<number> {
    this.#stopping = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.log.event('forced stop: killing all workers');
    for (const slot of this.#slots.values()) slot.cancelRestart();
    const workers = this.#allWorkers();
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.closed));
    for (const slot of this.#slots.values()) slot.state = 'stopped';
    this.#steering?.stop();
    this.#sockets?.closeAll();
    this.#resolveDone(130);
    return 130;
  }

  /** Live workers of the slots (serving, starting and successors starting beside them). */
  workers(): WorkerHandle[] {
    return [...this.#slots.values()].flatMap((s) =>
      [s.worker, s.candidate].filter((w): w is WorkerHandle => w?.alive === true),
    );
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
        ...(slot.lastFailure ? { lastFailure: failureStatus(slot.lastFailure) } : {}),
      });
    }
    return {
      primary: { pid: process.pid, version: VERSION, uptimeMs: Date.now() - this.#startedAt },
      desiredWorkers: this.#desired,
      workers,
      steering: this.#steering?.snapshot() ?? SlotSteering.offSnapshot(),
    };
  }
}

function failureStatus(failure: FailedAttempt): NonNullable<WorkerStatus['lastFailure']> {
  return {
    pid: failure.pid,
    generation: failure.generation,
    error: failure.error,
    at: new Date(failure.at).toISOString(),
  };
}
