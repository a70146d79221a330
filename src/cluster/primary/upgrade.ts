/**
 * Upgrading the primary in place (SIGUSR2, POST /upgrade, `volley upgrade`): this primary
 * starts a new one from the same command line, read afresh from disk (a new Volley, app or
 * Node), and hands it every listening socket. The successor adopts them, starts its workers
 * on them and says when they are ready; only then does this primary hand over (pid file,
 * systemd's MAINPID, the admin socket) and drain its own workers. Until then nothing changed
 * here: a successor that fails to start, exits or is not ready in time is stopped, and this
 * primary keeps serving and says why.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { OperationError, UpgradeError } from './errors.js';
import { forSuccessor, HANDOVER_ENV, type Handover } from './handover.js';
import type { Supervisor } from './supervisor.js';

/** Messages between the two primaries over the successor's IPC channel. */
export type SuccessorMessage = { volley: 'upgrade-ready'; pid: number } | { volley: 'upgrade-failed'; error: string };
export type PredecessorMessage = { volley: 'upgrade-commit' };

export interface UpgradeHooks {
  /** The admin socket to hand over with the others, if there is one. */
  adminSocket?: () => { text: string; fd: number } | undefined;
  /** The successor is ready and serves from now on: hand over what names the serving primary. */
  committed: (pid: number) => void;
}

export interface UpgradeResult {
  pid: number;
}

/**
 * The Node binary to start the successor with: looked up on PATH again when this one was
 * started by name (`node`, or the `#!/usr/bin/env node` of the volley command), so an upgraded
 * Node on PATH is picked up; otherwise the same path as this process's (read from disk again).
 */
export function successorNode(argv0 = process.argv0, path = process.env.PATH ?? ''): string {
  if (isAbsolute(argv0) || argv0.includes('/')) return process.execPath;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, argv0);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return process.execPath;
}

export class PrimaryUpgrade {
  readonly #supervisor: Supervisor;
  readonly #hooks: UpgradeHooks;
  readonly #timeoutMs: number;

  constructor(supervisor: Supervisor, hooks: UpgradeHooks, options: { timeoutMs?: number } = {}) {
    this.#supervisor = supervisor;
    this.#hooks = hooks;
    // The successor starts Node, loads Volley and starts its workers in parallel, each given
    // --ready-timeout: that, plus room for its own start.
    this.#timeoutMs = options.timeoutMs ?? supervisor.options.readyTimeout + 15_000;
  }

  /**
   * Runs one upgrade; resolves with the successor's pid once it serves (this primary then
   * drains and exits 0), rejects with an OperationError when refused (an upgrade or reload
   * already runs, stopping, no handable sockets) or an UpgradeError saying why the successor failed.
   */
  upgrade(): Promise<UpgradeResult> {
    return this.#supervisor.exclusive('an upgrade of the primary', () => this.#run());
  }

  async #run(): Promise<UpgradeResult> {
    const supervisor = this.#supervisor;
    const log = supervisor.log;
    if (process.pid === 1) {
      // A container's init: the container ends when it exits, and takes the successor with it.
      throw new OperationError('this primary is PID 1 (a container): upgrade by replacing the container instead');
    }
    const sockets = supervisor.listenSockets;
    if (!sockets?.handover) {
      throw new OperationError(
        `an upgrade hands the listening sockets to the new primary, which ${sockets?.description ?? 'these sockets'} cannot do`,
      );
    }
    const admin = this.#hooks.adminSocket?.();
    const handover: Handover = {
      version: 1,
      from: process.pid,
      workers: supervisor.desiredWorkers,
      listen: sockets.handover(),
      ...(admin ? { admin } : {}),
    };
    const { description, stdio } = forSuccessor(handover);
    const node = successorNode();
    const args = [...process.execArgv, ...process.argv.slice(1)];
    log.event(`upgrade: starting a new primary: ${node} ${args.join(' ')} (${stdio.length} socket(s) handed over)`);
    const child = spawn(node, args, {
      cwd: process.cwd(),
      env: { ...process.env, [HANDOVER_ENV]: JSON.stringify(description) },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', ...stdio],
      serialization: 'json',
    });
    let pid: number;
    try {
      pid = await this.#awaitReady(child);
    } catch (err) {
      const reason = (err as Error).message;
      this.#stopFailed(child);
      log.event(`upgrade failed: ${reason}; this primary (pid ${process.pid}) keeps serving`);
      throw new UpgradeError(`upgrade failed: ${reason}`, err);
    }
    // From here the successor serves: whatever names the serving primary names it.
    sockets.ownsFiles = false;
    this.#hooks.committed(pid);
    child.send({ volley: 'upgrade-commit' } satisfies PredecessorMessage, () => {
      if (child.connected) child.disconnect();
    });
    child.unref();
    log.event(`upgrade: primary ${pid} serves now; this primary (pid ${process.pid}) drains its workers and exits`);
    void supervisor.stop(`upgraded: primary ${pid} took over`, 0);
    return { pid };
  }

  /** The successor's pid once it says it is ready; rejects with why it will not be. */
  #awaitReady(child: ChildProcess): Promise<number> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
        this.#supervisor.lifecycle.off('stopping', onStopping);
        fn();
      };
      // A stop asked for meanwhile wins: the successor must not take over a server being stopped.
      const onStopping = () => done(() => reject(new Error('the server is stopping')));
      const onMessage = (m: unknown) => {
        const message = m as Partial<SuccessorMessage> | null;
        if (message?.volley === 'upgrade-ready') done(() => resolve(child.pid!));
        else if (message?.volley === 'upgrade-failed') {
          const error = (message as { error?: unknown }).error;
          done(() => reject(new Error(`the new primary (pid ${child.pid}) could not start: ${String(error)}`)));
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        done(() =>
          reject(
            new Error(
              `the new primary (pid ${child.pid}) exited with ${signal ? `signal ${signal}` : `code ${code}`} before it was ready`,
            ),
          ),
        );
      const onError = (err: Error) => done(() => reject(new Error(`could not start the new primary: ${err.message}`)));
      const timer = setTimeout(
        () =>
          done(() =>
            reject(new Error(`the new primary (pid ${child.pid}) was not ready within ${this.#timeoutMs} ms`)),
          ),
        this.#timeoutMs,
      );
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
      this.#supervisor.lifecycle.on('stopping', onStopping);
    });
  }

  /**
   * Stops a successor that failed: SIGTERM lets it drain workers it started (they served on
   * the shared sockets beside ours), SIGKILL if it has not gone after the drain time.
   */
  #stopFailed(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), this.#supervisor.options.shutdownTimeout + 2000);
    killer.unref();
    child.once('exit', () => clearTimeout(killer));
  }
}
