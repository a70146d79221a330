/**
 * What a `volley serve` worker process runs (started by worker-entry.ts). It loads the app, serves it on the
 * listening sockets the primary handed down as inherited fds, reports readiness and
 * answers heartbeats over IPC, drains when asked, and exits by itself if the primary dies.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { native } from '../native/index.js';
import { FdListener } from '../server/fd-listener.js';
import { Server } from '../server/server.js';
import { TcpListener } from '../server/tcp-listener.js';
import { UnixListener } from '../server/unix-listener.js';
import { type PrimaryMessage, WORKER_CONFIG_ENV, type WorkerConfig, type WorkerMessage } from './ipc.js';
import { loadApp } from './load-app.js';

/** How long a worker whose primary died may take to drain before it exits. */
const ORPHAN_DRAIN_MS = 1500;

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? 'null') as WorkerConfig | null;
  if (!config || !process.send) {
    throw new Error('volley worker: started without its configuration; workers are started by `volley serve`');
  }
  // If the primary is SIGKILLed, the kernel sends us SIGTERM; the IPC disconnect below covers the rest.
  try {
    native().setParentDeathSignal(15);
  } catch {
    // not Linux: the disconnect handler alone
  }
  // The primary may have died before the line above ran: then no signal will ever come.
  const primaryPid = Number(process.env.VOLLEY_PRIMARY_PID);
  if (primaryPid && process.ppid !== primaryPid)
    throw new Error('volley worker: the primary exited before the worker started');

  const app = await loadApp(config.app);
  // prom-client is loaded only by workers that keep metrics (see lazy-require.ts for why).
  const metrics = config.metrics ? new (await import('./worker-metrics.js')).WorkerMetrics() : undefined;
  // Certificate files are read here, at start: a rolling reload picks up renewed ones.
  const protocol = config.protocol ?? {};
  const server = new Server(
    config.listeners.map((l) => {
      if ('fd' in l) return new FdListener(l.fd, l.label, protocol);
      if (l.address.startsWith('unix:')) return new UnixListener(l.address);
      const tcp = new TcpListener(l.address, { http2: protocol.http2 ?? false });
      return protocol.tls ? tcp.tls(protocol.tls) : tcp;
    }),
    { ...config.server, shutdownTimeout: config.shutdownTimeout, ...(metrics ? { observer: metrics } : {}) },
  );

  let stopping = false;
  const stop = (timeoutMs: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), timeoutMs + 500);
    force.unref();
    server.stopGraceful(timeoutMs).finally(() => process.exit(0));
  };

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  process.on('message', (message: PrimaryMessage) => {
    if (message?.volley === 'ping') {
      const lagMs = Number.isFinite(lag.mean) ? lag.mean / 1e6 : 0;
      lag.reset();
      send({
        volley: 'pong',
        seq: message.seq,
        lagMs,
        rssBytes: process.memoryUsage.rss(),
        requests: server.requestCount,
      });
    } else if (message?.volley === 'metrics') {
      const seq = message.seq;
      (metrics?.registry.getMetricsAsJSON() ?? Promise.resolve([])).then(
        (list) => send({ volley: 'metrics', seq, metrics: list }),
        () => send({ volley: 'metrics', seq, metrics: [] }),
      );
    } else if (message?.volley === 'drain') {
      stop(message.timeoutMs);
    }
  });
  // The primary is gone (crashed or killed): drain quickly and leave no orphan behind.
  process.on('disconnect', () => stop(ORPHAN_DRAIN_MS));
  process.on('SIGTERM', () => stop(process.connected ? config.shutdownTimeout : ORPHAN_DRAIN_MS));
  // Ctrl-C reaches the whole process group; the primary decides how workers stop.
  process.on('SIGINT', () => undefined);

  const serving = server.serve(app);
  serving.catch(() => undefined);
  await Promise.race([server.ready(), serving]);
  send({ volley: 'ready', pid: process.pid });
  await serving;
}

/** Runs this process as a `volley serve` worker (worker-entry.js calls it). */
export function runWorker(): void {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const stack = err instanceof Error ? err.stack : undefined;
    console.error(`volley worker ${process.env.VOLLEY_WORKER_ID ?? '?'}: ${stack ?? message}`);
    send({ volley: 'fatal', message, ...(stack ? { stack } : {}) });
    // Let stderr and the IPC message flush before exiting.
    setTimeout(() => process.exit(1), 100);
  });
}
