import { UsageError } from '../../errors.js';
import { AdminServer } from './admin-server.js';
import { addAdminViews } from './admin-views.js';
import { RotatingFile } from './rotating-file.js';
import { Supervisor } from './supervisor.js';
import type { SupervisorOptions } from './supervisor-options.js';
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
}

/**
 * Runs a supervisor as the main thing of this process: admin endpoint, signals
 * (SIGTERM/SIGINT stop, a second SIGINT forces, SIGHUP reloads, SIGTTIN/SIGTTOU scale),
 * and resolves with the exit code once it has stopped.
 */
export async function runPrimary(options: ServeOptions): Promise<number> {
  if ((options.logMaxSize !== undefined || options.logKeep !== undefined) && !options.logFile) {
    throw new UsageError('--log-max-size and --log-keep need --log-file');
  }
  if (options.watchPath?.length && !options.watch) throw new UsageError('--watch-path needs --watch');
  if (options.watch) watchPaths(options.app, options.watchPath);
  const logFile = options.logFile
    ? new RotatingFile(options.logFile, { maxSize: options.logMaxSize ?? 10 * 1024 * 1024, keep: options.logKeep ?? 5 })
    : undefined;
  const supervisor = new Supervisor({
    metrics: options.admin !== undefined,
    ...options,
    ...(logFile ? { logOutput: logFile } : {}),
  });
  let admin: AdminServer | undefined;
  let removeViews: (() => void) | undefined;
  if (options.admin) {
    admin = new AdminServer(supervisor, {
      address: options.admin,
      ...(options.adminToken !== undefined ? { token: options.adminToken } : {}),
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
      case 'SIGTTOU':
        if (supervisor.desiredWorkers > 1) {
          supervisor.scale(supervisor.desiredWorkers - 1).catch((err) => supervisor.log.event(String(err.message)));
        }
        break;
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1'];
  for (const s of signals) process.on(s, onSignal);
  let stopWatching: (() => void) | undefined;
  try {
    await supervisor.start();
    if (admin) supervisor.log.event(`admin endpoint on ${admin.description}`);
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
    if (logFile) await new Promise<void>((resolve) => logFile.end(resolve));
  }
}
