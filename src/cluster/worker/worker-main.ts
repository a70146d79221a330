/**
 * What a `volley serve` worker process runs (started by worker-entry.ts). It opens its channel
 * to the primary, loads the app, serves it on the listening sockets the primary handed down as
 * inherited fds, reports readiness and answers heartbeats, drains when asked, and exits by
 * itself if the primary dies.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { bus } from '../../bus/bus.js';
import { PrimaryRelayTransport } from '../../bus/primary-relay-transport.js';
import { native } from '../../native/index.js';
import { FdListener } from '../../server/fd-listener.js';
import type { Listener } from '../../server/listener.js';
import { Server } from '../../server/server.js';
import { TcpListener } from '../../server/tcp-listener.js';
import { UnixListener } from '../../server/unix-listener.js';
import { WORKER_CONFIG_ENV, type WorkerConfig } from '../protocol.js';
import { loadApp } from './load-app.js';
import { PrimaryChannel } from './primary-channel.js';
import { installPrimaryChannel } from './primary-rpc.js';

/** How long a worker whose primary died may take to drain before it exits. */
const ORPHAN_DRAIN_MS = 1500;

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

async function main(channel: PrimaryChannel): Promise<void> {
  const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? 'null') as WorkerConfig | null;
  if (!config) {
    throw new Error('volley worker: started without its configuration; workers are started by `volley serve`');
  }
  // If the primary is SIGKILLed, the kernel sends us SIGTERM; the disconnect handler covers the rest.
  try {
    native().setParentDeathSignal(15);
  } catch {
    // not Linux: the disconnect handler alone
  }
  // The primary may have died before the line above ran: then no signal will ever come.
  const primaryPid = Number(process.env.VOLLEY_PRIMARY_PID);
  if (primaryPid && process.ppid !== primaryPid)
    throw new Error('volley worker: the primary exited before the worker started');

  // Before the app loads, so that its bus.subscribe() and workerSharedStore() reach the primary.
  installPrimaryChannel(channel);
  bus.useByDefault(() => new PrimaryRelayTransport(channel));
  const app = await loadApp(config.app);
  // prom-client is loaded only by workers that keep metrics (see lazy-require.ts for why).
  const metrics = config.metrics
    ? new (await import('./worker-metrics.js')).WorkerMetrics({ busDropped: () => bus.dropped })
    : undefined;
  const server = new Server(listenersOf(config), {
    ...config.server,
    shutdownTimeout: config.shutdownTimeout,
    ...(metrics ? { observer: metrics } : {}),
  });

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
  channel.onPing((seq) => {
    const lagMs = Number.isFinite(lag.mean) ? lag.mean / 1e6 : 0;
    lag.reset();
    channel.send({ volley: 'pong', seq, lagMs, rssBytes: process.memoryUsage.rss(), requests: server.requestCount });
  });
  channel.onMetrics((seq) => {
    (metrics?.registry.getMetricsAsJSON() ?? Promise.resolve([])).then(
      (list) => channel.send({ volley: 'metrics', seq, metrics: list }),
      () => channel.send({ volley: 'metrics', seq, metrics: [] }),
    );
  });
  channel.onDrain(stop);
  // The primary is gone (crashed or killed): drain quickly and leave no orphan behind.
  channel.onDisconnect(() => stop(ORPHAN_DRAIN_MS));
  process.on('SIGTERM', () => stop(channel.connected ? config.shutdownTimeout : ORPHAN_DRAIN_MS));
  // Ctrl-C reaches the whole process group; the primary decides how workers stop.
  process.on('SIGINT', () => undefined);

  const serving = server.serve(app);
  serving.catch(() => undefined);
  await Promise.race([server.ready(), serving]);
  channel.send({ volley: 'ready', pid: process.pid });
  await serving;
}

/** Runs this process as a `volley serve` worker (worker-entry.js calls it). */
export function runWorker(): void {
  let channel: PrimaryChannel | undefined;
  const run = async () => {
    channel = new PrimaryChannel(process);
    await main(channel);
  };
  run().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const stack = err instanceof Error ? err.stack : undefined;
    console.error(`volley worker ${process.env.VOLLEY_WORKER_ID ?? '?'}: ${stack ?? message}`);
    channel?.send({ volley: 'fatal', message, ...(stack ? { stack } : {}) });
    // Let stderr and the IPC message flush before exiting.
    setTimeout(() => process.exit(1), 100);
  });
}
