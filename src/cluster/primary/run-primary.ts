import { UsageError } from '../../errors.js';
import { native } from '../../native/index.js';
import { AdminServer } from './admin-server.js';
import { addAdminViews } from './admin-views.js';
import { UpgradeError } from './errors.js';
import { type Handover, takeHandover } from './handover.js';
import type { ListenSockets } from './listen-sockets.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { RotatingFile } from './rotating-file.js';
import { SdNotify } from './sd-notify.js';
import { PredecessorLink } from './successor.js';
import { Supervisor } from './supervisor.js';
import type { SupervisorOptions } from './supervisor-options.js';
import { type PassedSocket, SystemdSockets, takeSystemdSockets } from './systemd-sockets.js';
import { PrimaryUpgrade } from './upgrade.js';
import { watchAndReload, watchPaths } from './watch-reload.js';

export interface ServeOptions extends SupervisorOptions {
  admin?: string;
  adminToken?: string;
  /** Write the merged log to this file (rotated), instead of logOutput/stdout. */
  logFile?: string;
  /** Rotate the log file at this many bytes. Default 10 MiB. */
  logMaxSize?: number;
  /** Rotated log files kept. Default 5. */
  logKeep?: number;
  /** Rolling reload when a file under `watchPath` (default: the app's directory) changes. */
  watch?: boolean;
  /** Directories `watch` watches. */
  watchPath?: string[];
  /** Keep the serving primary's pid in this file (written atomically; an upgrade rewrites it). */
  pidFile?: string;
}

/**
 * Runs a supervisor as the main thing of this process: admin endpoint, signals
 * (SIGTERM/SIGINT stop, a second SIGINT forces, SIGHUP reloads, SIGTTIN/SIGTTOU scale,
 * SIGUSR2 upgrades the primary), and resolves with the exit code once it has stopped.
 * Started by an upgrading primary (a handover in the environment), it adopts that primary's
 * sockets, and tells it whether it failed or is ready (successor.ts).
 */
export async function runPrimary(options: ServeOptions): Promise<number> {
  const handover = takeHandover();
  // Sockets from systemd: passed to this process, or to a predecessor that handed them over.
  const passed = handover
    ? handover.listen.flatMap((h) => (h.kind === 'passed' ? h.fds : []))
    : (takeSystemdSockets() ?? []);
  const link = handover ? new PredecessorLink(handover.from) : undefined;
  try {
    return await servePrimary(options, handover, link, passed);
  } catch (err) {
    await link?.failed(err);
    throw err;
  }
}

async function servePrimary(
  options: ServeOptions,
  handover: Handover | undefined,
  link: PredecessorLink | undefined,
  passed: PassedSocket[],
): Promise<number> {
  if ((options.logMaxSize !== undefined || options.logKeep !== undefined) && !options.logFile) {
    throw new UsageError('--log-max-size and --log-keep need --log-file');
  }
  if (options.watchPath?.length && !options.watch) throw new UsageError('--watch-path needs --watch');
  if (options.watch) watchPaths(options.app, options.watchPath);
  const logFile = options.logFile
    ? new RotatingFile(options.logFile, { maxSize: options.logMaxSize ?? 10 * 1024 * 1024, keep: options.logKeep ?? 5 })
    : undefined;
  const supervisor: Supervisor = new Supervisor(
    {
      metrics: options.admin !== undefined,
      ...options,
      ...(logFile ? { logOutput: logFile } : {}),
      // A scale since the predecessor started is kept.
      ...(handover ? { workers: handover.workers } : {}),
    },
    {
      ...(handover ? { handover } : {}),
      ...(passed.length > 0
        ? {
            sockets: async (): Promise<ListenSockets> =>
              new SystemdSockets(passed, supervisor.options.workers, handover?.from),
          }
        : {}),
    },
  );
  if (passed.length > 0 && options.listen?.length) {
    supervisor.log.event(`--listen ${options.listen.join(', ')} ignored: serving the sockets systemd passed`);
  }
  const notify = SdNotify.fromEnv(supervisor.log);
  const workersLine = () => {
    const ready = supervisor.status().workers.filter((w) => w.state === 'ready').length;
    return `${ready} of ${supervisor.desiredWorkers} worker(s) ready; primary ${process.pid}`;
  };
  /** Set once a successor serves: this primary's stop is no stop of the service. */
  let handedOff = false;
  if (notify) {
    supervisor.lifecycle.on('reloading', () => notify.reloading('rolling reload'));
    supervisor.lifecycle.on('reloaded', (ok) =>
      notify.send({ READY: 1, STATUS: `${ok ? 'reloaded' : 'reload failed, old workers serve'}: ${workersLine()}` }),
    );
    supervisor.lifecycle.on('scaled', () => notify.send({ STATUS: workersLine() }));
    supervisor.lifecycle.on('stopping', () => {
      notify.stopWatchdog();
      if (!handedOff) notify.send({ STOPPING: 1, STATUS: 'stopping' });
    });
  }
  const adminFd = handover?.admin && handover.admin.text === options.admin ? handover.admin.fd : undefined;
  if (handover?.admin && adminFd === undefined) native().closeFd(handover.admin.fd); // --admin changed
  let admin: AdminServer | undefined;
  let removeViews: (() => void) | undefined;
  if (options.admin) {
    admin = new AdminServer(supervisor, {
      address: options.admin,
      ...(options.adminToken !== undefined ? { token: options.adminToken } : {}),
      ...(adminFd !== undefined ? { fd: adminFd } : {}),
    });
    // Loaded here, not at import: every app that imports 'volley' would load prom-client otherwise.
    const { ClusterMetrics } = await import('./cluster-metrics.js');
    const metrics = new ClusterMetrics(supervisor);
    admin.routes.set('/metrics', async (_req, res) => {
      const text = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
    removeViews = addAdminViews(admin, supervisor, { tokenRequired: options.adminToken !== undefined });
    await admin.listen();
  }
  const adminAddress = options.admin;
  /** Rewrites --pid-file while serving: a failure is logged, it must not break a handover. */
  const pidFileNames = (pid: number) => {
    if (!options.pidFile) return;
    try {
      writePidFile(options.pidFile, pid);
    } catch (err) {
      supervisor.log.event((err as Error).message);
    }
  };
  const upgrade = new PrimaryUpgrade(supervisor, {
    adminSocket: () => (admin?.fd !== undefined && adminAddress ? { text: adminAddress, fd: admin.fd } : undefined),
    committed: (pid) => {
      handedOff = true;
      pidFileNames(pid);
      // The manager's main process is the successor from now on (it is ready: its workers are).
      notify?.stopWatchdog();
      notify?.send({ MAINPID: pid, READY: 1, STATUS: `upgraded: primary ${pid} serves` });
      admin?.handOver();
    },
  });
  const startUpgrade = (why: string) =>
    upgrade.upgrade().catch((err: Error) => {
      // A failed successor was logged with its reason already; a refusal is said here.
      if (!(err instanceof UpgradeError)) supervisor.log.event(`upgrade (${why}) refused: ${err.message}`);
      throw err;
    });
  if (admin) admin.onUpgrade = () => startUpgrade('POST /upgrade');
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    switch (signal) {
      case 'SIGINT':
        interrupts++;
        if (interrupts > 1 || supervisor.stopping) void supervisor.forceStop();
        else void supervisor.stop('SIGINT');
        break;
      case 'SIGTERM':
        void supervisor.stop('SIGTERM');
        break;
      case 'SIGHUP':
        supervisor.reload().catch(() => undefined); // the supervisor logs why
        break;
      case 'SIGTTIN':
        supervisor.scale(supervisor.desiredWorkers + 1).catch((err) => supervisor.log.event(String(err.message)));
        break;
      case 'SIGUSR1':
        if (logFile) {
          logFile.reopen();
          supervisor.log.event(`log file ${logFile.path} reopened (SIGUSR1)`);
        }
        break;
      case 'SIGUSR2':
        startUpgrade('SIGUSR2').catch(() => undefined);
        break;
      case 'SIGTTOU':
        if (supervisor.desiredWorkers > 1) {
          supervisor.scale(supervisor.desiredWorkers - 1).catch((err) => supervisor.log.event(String(err.message)));
        }
        break;
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGUSR2'];
  for (const s of signals) process.on(s, onSignal);
  let stopWatching: (() => void) | undefined;
  try {
    // A fresh primary writes it first, so that an unwritable path fails the start before any
    // worker runs; a successor only once it serves (its predecessor's pid stays until then).
    if (options.pidFile && !link) writePidFile(options.pidFile);
    await supervisor.start();
    if (admin) supervisor.log.event(`admin endpoint on ${admin.description}`);
    if (link) await takeOver(supervisor, link, admin);
    if (!supervisor.stopping) {
      if (link) pidFileNames(process.pid);
      // A successor's READY=1 went with MAINPID= from its predecessor, the main process until then.
      notify?.send(link ? { STATUS: workersLine() } : { READY: 1, STATUS: workersLine() });
      notify?.startWatchdog(process.env, link?.from);
    }
    if (options.watch) {
      stopWatching = watchAndReload(supervisor, options.app, {
        ...(options.watchPath ? { paths: options.watchPath } : {}),
        ...(options.logFile ? { ignore: [options.logFile] } : {}),
      });
    }
    return await supervisor.done;
  } finally {
    stopWatching?.();
    for (const s of signals) process.off(s, onSignal);
    removeViews?.();
    await admin?.close();
    if (options.pidFile) removePidFile(options.pidFile);
    if (logFile) await new Promise<void>((resolve) => logFile.end(resolve));
  }
}

/** A successor whose workers are ready: tell the predecessor, and serve alone once it hands over. */
async function takeOver(supervisor: Supervisor, link: PredecessorLink, admin: AdminServer | undefined): Promise<void> {
  if (!(await link.ready())) {
    supervisor.log.event(`upgrade: primary ${link.from} did not hand over; stopping`);
    void supervisor.stop('upgrade abandoned', 0);
    return;
  }
  const sockets = supervisor.listenSockets;
  if (sockets) sockets.ownsFiles = true;
  admin?.takeOver();
  supervisor.log.event(`upgrade: took over from primary ${link.from}; this primary (pid ${process.pid}) serves now`);
}
