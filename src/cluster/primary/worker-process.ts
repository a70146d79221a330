import { type ChildProcess, fork } from 'node:child_process';
import cluster from 'node:cluster';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { native } from '../../native/index.js';
import {
  isWorkerMessage,
  type PrimaryMessage,
  WORKER_CONFIG_ENV,
  type WorkerConfig,
  type WorkerMessage,
} from '../protocol.js';
import { LineCoalescer } from './line-coalescer.js';
import { LineFramer } from './line-framer.js';
import type { LogSink } from './log-sink.js';
import type { SpawnRequest, SpawnWorker, WorkerExit, WorkerHandle, WorkerState } from './worker-handle.js';

// Next to the module this code is in: dist/src/cluster/worker/worker-entry.js when run from tsc's
// output, and dist/worker-entry.js when run from the bundle, dist/volley.js (scripts/bundle.mjs),
// so a worker always loads the same copy of Volley as its primary and its app.
const WORKER_ENTRY = fileURLToPath(
  new URL(import.meta.url.endsWith('/volley.js') ? './worker-entry.js' : '../worker/worker-entry.js', import.meta.url),
);
/** Child fd where the first listening socket lands (0-2 stdio, 3 IPC). */
const FIRST_LISTEN_FD = 4;

/** Starts real worker processes whose output goes into `log`. */
export function processSpawner(log: LogSink): SpawnWorker {
  return (request) => new WorkerProcess(request, log);
}

/**
 * One worker process as the primary sees it: its state, heartbeat data, and promises for
 * readiness and exit. Its stdout and stderr are framed into lines, and lines into records
 * (a stack trace is one), into the merged log, and
 * `closed` resolves only once both pipes were read to the end, so nothing it wrote is lost.
 */
export class WorkerProcess implements WorkerHandle {
  readonly slot: number;
  readonly generation: number;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startedAt = Date.now();
  state: WorkerState = 'starting';
  lastPong = Date.now();
  lagMs = 0;
  rssBytes = 0;
  requests = 0;
  /** The error a worker reported before dying at start-up. */
  fatal: string | undefined;
  readonly ready: Promise<void>;
  readonly exited: Promise<WorkerExit>;
  readonly closed: Promise<void>;
  onMessage: ((w: WorkerHandle, m: WorkerMessage) => void) | undefined;
  readonly #metricsWaiters = new Map<number, (metrics: unknown[]) => void>();
  #metricsSeq = 0;
  #connectionsInFlight = 0;
  /** Our end of the worker's pair for rescued connections (native/fd-passing.c), if it has one. */
  #rescueFd: number | undefined;

  constructor(options: SpawnRequest, log: LogSink) {
    this.slot = options.slot;
    this.generation = options.generation;
    // Inherited fds are renumbered in the child: the i-th lands on FIRST_LISTEN_FD + i.
    const inherited: number[] = [];
    const listeners: WorkerConfig['listeners'] = options.listeners.map((l) => {
      if (!('fd' in l)) return l;
      inherited.push(l.fd);
      return { fd: FIRST_LISTEN_FD + inherited.length - 1, label: l.label };
    });
    const viaCluster = options.listeners.some((l) => 'address' in l);
    const config: WorkerConfig = { ...options.config, listeners };
    let theirEnd: number | undefined;
    if (options.progress && !viaCluster) {
      inherited.push(options.progress.fd);
      config.progress = { fd: FIRST_LISTEN_FD + inherited.length - 1, cell: options.progress.cell };
      // Rescued connections come with steering: over a pair of their own, not the IPC channel
      // (which stays their way if the pair cannot be made: out of descriptors).
      try {
        [this.#rescueFd, theirEnd] = native().connectionPair();
        inherited.push(theirEnd);
        config.rescueFd = FIRST_LISTEN_FD + inherited.length - 1;
      } catch {
        // No pair (out of descriptors): #rescueFd stays unset and rescues go over IPC.
      }
    }
    const env = {
      ...process.env,
      VOLLEY_WORKER_ID: String(options.slot),
      VOLLEY_WORKER_GENERATION: String(options.generation),
      VOLLEY_PRIMARY_PID: String(process.pid),
      [WORKER_CONFIG_ENV]: JSON.stringify(config),
    };
    try {
      this.child = this.#fork(viaCluster, env, inherited);
    } catch (err) {
      this.#closeRescue();
      throw err;
    } finally {
      // The child has its end now (or never will): ours stays until the worker exits.
      if (theirEnd !== undefined) native().closeFd(theirEnd);
    }
    if (this.child.pid === undefined) {
      this.#closeRescue();
      throw new Error(`could not start a worker for slot ${options.slot}`);
    }
    this.pid = this.child.pid;
    const pipes: Promise<void>[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = { worker: this.slot, pid: this.pid, stream };
      // A stack trace or an inspected error is one record (line-coalescer.ts has the rule).
      const coalescer = new LineCoalescer((text) => log.line(source, text));
      const framer = new LineFramer((line) => coalescer.push(line));
      const pipe = this.child[stream]!;
      pipe.on('data', (chunk: Buffer) => {
        framer.push(chunk);
        coalescer.endOfChunk();
      });
      pipes.push(
        new Promise((resolve) => {
          pipe.once('close', () => {
            framer.end();
            coalescer.flush();
            resolve();
          });
        }),
      );
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#closeRescue();
        resolve({ code, signal });
      });
    });
    this.closed = Promise.all([this.exited, ...pipes]).then(() => undefined);
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (message.volley === 'ready') {
          this.state = 'ready';
          this.lastPong = Date.now();
          resolve();
        } else if (message.volley === 'fatal') {
          this.fatal = message.stack ?? message.message;
        } else if (message.volley === 'metrics') {
          this.#metricsWaiters.get(message.seq)?.(message.metrics);
          this.#metricsWaiters.delete(message.seq);
        }
        this.onMessage?.(this, message);
      });
      this.exited.then(({ code, signal }) => {
        const how = signal ? `signal ${signal}` : `code ${code}`;
        reject(new Error(this.fatal ?? `worker ${this.slot} (pid ${this.pid}) exited with ${how} before it was ready`));
      });
    });
    this.ready.catch(() => undefined);
    // The IPC channel can fail if the worker dies mid-send; the exit handler deals with it.
    this.child.on('error', () => undefined);
  }

  /** The worker's metrics (prom-client JSON), or undefined if it does not answer in time. */
  metrics(timeoutMs: number): Promise<unknown[] | undefined> {
    if (!this.child.connected) return Promise.resolve(undefined);
    const seq = ++this.#metricsSeq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#metricsWaiters.delete(seq);
        resolve(undefined);
      }, timeoutMs);
      this.#metricsWaiters.set(seq, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      this.exited.then(() => this.#metricsWaiters.get(seq)?.([]));
      this.send({ volley: 'metrics', seq });
    });
  }

  send(message: PrimaryMessage): void {
    if (this.child.connected) this.child.send(message, () => undefined);
  }

  /** Connections handed to the worker that it has not taken yet (over the pair: 1 while any wait). */
  get connectionsInFlight(): number {
    let waiting = 0;
    if (this.#rescueFd !== undefined) {
      try {
        waiting = native().unsentConnections(this.#rescueFd) > 0 ? 1 : 0;
      } catch {
        // the pair is gone with the worker
      }
    }
    return this.#connectionsInFlight + waiting;
  }

  sendConnection(label: string, fd: number): void {
    // Over the pair: one sendmsg, no round trip (native/fd-passing.c says why); our copy of the
    // descriptor closes once it is in the message. If the pair fails (a full buffer, a worker
    // gone), the IPC channel below still carries it or closes it.
    if (this.#rescueFd !== undefined && native().sendConnections(this.#rescueFd, label, [fd]) === 0) {
      native().closeFd(fd);
      return;
    }
    this.#sendOverIpc(label, fd);
  }

  #sendOverIpc(label: string, fd: number): void {
    // `readable: false`: the primary must not read a byte of the request (net.Socket would
    // start reading at once); the worker's own socket for the handle reads it all.
    const socket = new Socket({ fd, readable: false, writable: false });
    if (!this.child.connected) {
      socket.destroy();
      return;
    }
    const message: PrimaryMessage = { volley: 'connection', label };
    // Node's IPC passes the handle (SCM_RIGHTS) and closes the primary's copy once sent.
    this.#connectionsInFlight++;
    this.child.send(message, socket, {}, (err) => {
      this.#connectionsInFlight--;
      if (err) socket.destroy();
    });
  }

  /** Starts the worker: through node:cluster (its fallback) or with the inherited fds. */
  #fork(viaCluster: boolean, env: NodeJS.ProcessEnv, inherited: number[]): ChildProcess {
    if (viaCluster) {
      // node:cluster round-robin: the primary accepts and hands connections to workers.
      cluster.setupPrimary({
        exec: WORKER_ENTRY,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        execArgv: ['--enable-source-maps'],
      });
      return cluster.fork(env).process;
    }
    return fork(WORKER_ENTRY, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', ...inherited],
      env,
      execArgv: ['--enable-source-maps'],
      serialization: 'json',
    });
  }

  #closeRescue(): void {
    if (this.#rescueFd === undefined) return;
    native().closeFd(this.#rescueFd);
    this.#rescueFd = undefined;
  }

  /** Asks the worker to stop accepting, finish in-flight requests and exit; kills it after the timeout. */
  drain(timeoutMs: number): void {
    if (this.state === 'draining') return;
    this.state = 'draining';
    this.send({ volley: 'drain', timeoutMs });
    if (!this.child.connected) this.kill('SIGTERM');
    const killer = setTimeout(() => this.kill('SIGKILL'), timeoutMs + 1000);
    killer.unref();
    this.exited.then(() => clearTimeout(killer));
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
    }
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}
