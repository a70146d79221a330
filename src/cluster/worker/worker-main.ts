/**
 * What a `volley serve` worker process runs (started by worker-entry.ts). It opens its channel
 * to the primary, loads the app, serves it on the listening sockets the primary handed down as
 * inherited fds, reports readiness and answers heartbeats, drains when asked, and exits by
 * itself if the primary dies.
 */
import { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { bus } from '../../bus/bus.js';
import { PrimaryRelayTransport } from '../../bus/primary-relay-transport.js';
import { native } from '../../native/index.js';
import { serverOnFd } from '../../server/fd-servers.js';
import { ListenerApp } from '../../server/listener-app.js';
import type { RequestObserver } from '../../server/server.js';
import { WORKER_CONFIG_ENV, type WorkerConfig } from '../protocol.js';
import { AppServer } from './app-server.js';
import { ACCEPTED_SHAPES, type AppShape, appShape } from './app-shape.js';
import { loadAppModule } from './load-app.js';
import { PrimaryChannel } from './primary-channel.js';
import { installPrimaryChannel } from './primary-rpc.js';
import { ListenInterceptor } from './self-listen.js';
import { appSignalHooks, exportedStopHooks, runStopHooks, type StopHook } from './stop-hooks.js';
import { type Served, serveWithVolley } from './volley-served.js';

/** How long a worker whose primary died may take to drain before it exits. */
const ORPHAN_DRAIN_MS = 1500;

function readConfig(): WorkerConfig {
  const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? 'null') as WorkerConfig | null;
  if (!config) {
    throw new Error('volley worker: started without its configuration; workers are started by `volley serve`');
  }
  return config;
}

async function main(channel: PrimaryChannel): Promise<void> {
  const config = readConfig();
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

  // Load-aware steering watches this worker's event loop through a cell the primary shares.
  if (config.progress) {
    try {
      native().attachProgressCell(config.progress.fd, config.progress.cell);
    } catch (err) {
      console.log(
        `volley worker ${process.env.VOLLEY_WORKER_ID}: load-aware steering cannot watch this worker (${(err as Error).message})`,
      );
    }
  }

  // Before the app loads: its listen() on a served port gets the slot's socket, it sees $PORT,
  // and its bus.subscribe() and workerSharedStore() reach the primary.
  const interceptor = new ListenInterceptor(config.listeners);
  if (interceptor.firstPort !== undefined) process.env.PORT = String(interceptor.firstPort);
  interceptor.install();
  installPrimaryChannel(channel);
  bus.useByDefault(() => new PrimaryRelayTransport(channel));
  const signalListenersBefore = process.listeners('SIGTERM');
  // prom-client is loaded only by workers that keep metrics (see lazy-require.ts for why).
  const metrics = config.metrics
    ? new (await import('./worker-metrics.js')).WorkerMetrics({ busDropped: () => bus.dropped })
    : undefined;
  // An app's own servers, watched from the moment their listen() is taken over.
  const appServers: AppServer[] = [];
  let tookFirst!: (first: AppServer) => void;
  const firstAppServer = new Promise<AppServer>((resolve) => {
    tookFirst = resolve;
  });
  interceptor.onTaken((taken) => {
    const appServer = new AppServer(taken.server, metrics);
    appServers.push(appServer);
    tookFirst(appServer);
  });

  const loaded = await loadAppModule(config.app);
  let shape: AppShape = appShape(loaded);
  if (appServers.length > 0 && shape.kind !== 'self') {
    console.log(`volley worker ${process.env.VOLLEY_WORKER_ID}: the app module listens itself; its export is not used`);
    shape = { kind: 'self' };
  }
  // Volley's own Server listens on the slot's sockets itself (under the node:cluster fallback
  // with a listen() the take-over would match): from here on only the app's own servers need it.
  if (shape.kind === 'volley' || shape.kind === 'listener' || shape.kind === 'fetch') interceptor.uninstall();
  const served = await serve(shape, config, { interceptor, appServers, firstAppServer }, metrics);
  const shapeHooks: StopHook[] =
    shape.kind === 'server' && shape.close
      ? [{ what: `${shape.what} close()`, run: shape.close }]
      : shape.kind === 'volley' && 'stopHooks' in shape.app
        ? shape.app.stopHooks.map((run) => ({ what: 'a Service onStop() hook', run }))
        : [];

  let stopping = false;
  const stop = (timeoutMs: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), timeoutMs + 500);
    force.unref();
    const started = Date.now();
    // The app's SIGTERM listeners as they are now (it may add them late, in a listen callback).
    const hooks = [
      ...exportedStopHooks(loaded.exports),
      ...shapeHooks,
      ...appSignalHooks([...signalListenersBefore, onSigterm]),
    ];
    served
      .drain(timeoutMs)
      .then(() => runStopHooks(hooks, timeoutMs - (Date.now() - started)))
      .finally(() => process.exit(0));
  };
  const onSigterm = () => stop(channel.connected ? config.shutdownTimeout : ORPHAN_DRAIN_MS);

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  channel.onPing((seq) => {
    const lagMs = Number.isFinite(lag.mean) ? lag.mean / 1e6 : 0;
    lag.reset();
    channel.send({
      volley: 'pong',
      seq,
      lagMs,
      rssBytes: process.memoryUsage.rss(),
      requests: served.requestCount(),
      ...(metrics ? { latency: metrics.latencyCounts() } : {}),
    });
  });
  channel.onMetrics((seq) => {
    (metrics?.registry.getMetricsAsJSON() ?? Promise.resolve([])).then(
      (list) => channel.send({ volley: 'metrics', seq, metrics: list }),
      () => channel.send({ volley: 'metrics', seq, metrics: [] }),
    );
  });
  channel.onDrain(stop);
  // A connection the primary rescued from a stalled worker's queue: served by whichever of
  // our servers listens on that address, as if it had accepted it; closed if none does (now).
  const serveRescued = (label: string, socket: Socket) => {
    const fd = config.listeners.find((l) => l.label === label && 'fd' in l) as { fd: number } | undefined;
    const server = fd && !stopping ? serverOnFd(fd.fd) : undefined;
    if (server) server.emit('connection', socket);
    else socket.destroy();
  };
  channel.onConnection(serveRescued);
  if (config.rescueFd !== undefined) {
    try {
      native().receiveConnections(config.rescueFd, (label, fds) => {
        for (const fd of fds) serveRescued(label, new Socket({ fd, readable: true, writable: true }));
      });
    } catch (err) {
      // Unread, the pair would hold what the primary sends: closed, its sends fail and it uses IPC.
      native().closeFd(config.rescueFd);
      console.log(
        `volley worker ${process.env.VOLLEY_WORKER_ID}: rescued connections come over IPC (${(err as Error).message})`,
      );
    }
  }
  // The primary is gone (crashed or killed): drain quickly and leave no orphan behind.
  channel.onDisconnect(() => stop(ORPHAN_DRAIN_MS));
  process.on('SIGTERM', onSigterm);
  // Ctrl-C reaches the whole process group; the primary decides how workers stop.
  process.on('SIGINT', () => undefined);

  await served.ready;
  channel.send({ volley: 'ready', pid: process.pid });
  await served.done;
}

/** Serves the app as its shape needs: with Volley's Server, or on the app's own server. */
async function serve(
  shape: AppShape,
  config: WorkerConfig,
  own: { interceptor: ListenInterceptor; appServers: AppServer[]; firstAppServer: Promise<AppServer> },
  observer: RequestObserver | undefined,
): Promise<Served> {
  const id = process.env.VOLLEY_WORKER_ID;
  switch (shape.kind) {
    case 'volley':
      return serveWithVolley(shape.app, config, observer);
    case 'listener':
      return serveWithVolley(new ListenerApp(shape.listener), config, observer);
    case 'fetch': {
      // @hono/node-server's adapter, made for exactly this and tuned by Hono's maintainers: it
      // streams both bodies and aborts the Request's signal when the client goes away. Loaded
      // only by workers that serve a fetch app.
      const { getRequestListener } = await import('@hono/node-server');
      return serveWithVolley(new ListenerApp(getRequestListener(shape.fetch)), config, observer);
    }
    case 'server':
    case 'self': {
      const whose = shape.kind === 'server' ? `its ${shape.what} server` : 'the server it started itself';
      if (config.protocol?.tls || config.protocol?.http2) {
        console.log(`volley worker ${id}: the app serves on ${whose}: --tls-cert, --tls-key and --http2 do not apply`);
      }
      if (shape.kind === 'server') {
        await shape.ready?.();
        const forwarders = own.interceptor.listenOnAll(shape.server);
        const server = shape.server;
        own.appServers.find((a) => a.server === server)?.acceptsAlsoFrom(forwarders);
      }
      return appServed(own.appServers, own.firstAppServer, config);
    }
  }
}

/** The app's own servers as what the worker serves: ready once the first listens (the app may take its time). */
function appServed(appServers: AppServer[], firstAppServer: Promise<AppServer>, config: WorkerConfig): Served {
  const ready = (async () => {
    const hint = setTimeout(() => {
      const where = config.listeners.map((l) => l.label).join(', ');
      console.log(
        `volley worker ${process.env.VOLLEY_WORKER_ID}: the app exports nothing to serve and has not called listen() ` +
          `on ${where} (PORT=${process.env.PORT}) yet; export ${ACCEPTED_SHAPES}`,
      );
    }, 5000);
    hint.unref();
    const first = (await firstAppServer).server;
    clearTimeout(hint);
    if (!first.listening) await new Promise<void>((resolve) => first.once('listening', () => resolve()));
  })();
  return {
    ready,
    done: ready
      .then(() => Promise.all(appServers.map((a) => new Promise((r) => a.server.once('close', r)))))
      .then(() => undefined),
    requestCount: () => appServers.reduce((n, a) => n + a.requestCount, 0),
    drain: (timeoutMs) => Promise.all(appServers.map((a) => a.drain(timeoutMs))).then(() => undefined),
  };
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
    // An app module that cannot be served is the user's to fix: its message says what and
    // where. Anything else is printed whole.
    const report =
      err instanceof Error && (err as { code?: string }).code !== 'VOLLEY_ERR_APP_MODULE' ? err.stack : message;
    console.error(`volley worker ${process.env.VOLLEY_WORKER_ID ?? '?'}: ${report ?? message}`);
    channel?.send({ volley: 'fatal', message, ...(report ? { stack: report } : {}) });
    // Let stderr and the IPC message flush before exiting.
    setTimeout(() => process.exit(1), 100);
  });
}
