/**
 * sd_notify(3) for a primary run by systemd (Type=notify or notify-reload): READY=1 once every
 * worker is ready, RELOADING=1 (with MONOTONIC_USEC) and READY=1 around a rolling reload,
 * STOPPING=1, MAINPID= when an upgrade hands over to a new primary, STATUS= with the workers, and
 * WATCHDOG=1 every half WATCHDOG_USEC. A datagram to $NOTIFY_SOCKET, sent by the addon (Node's
 * dgram has no unix sockets). Without NOTIFY_SOCKET nothing is sent.
 */
import { native } from '../../native/index.js';
import type { LogSink } from './log-sink.js';

export class SdNotify {
  readonly socket: string;
  readonly #log: LogSink;
  #failed = false;
  #watchdog: NodeJS.Timeout | undefined;

  private constructor(socket: string, log: LogSink) {
    this.socket = socket;
    this.#log = log;
  }

  /**
   * From $NOTIFY_SOCKET, or undefined. The variable stays set: a successor primary started by an
   * upgrade notifies the same manager. Workers never notify (the supervisor's env for them is the
   * primary's; they do not read it).
   */
  static fromEnv(log: LogSink, env: NodeJS.ProcessEnv = process.env): SdNotify | undefined {
    const socket = env.NOTIFY_SOCKET;
    return socket ? new SdNotify(socket, log) : undefined;
  }

  /** Sends `KEY=value` lines in one datagram; a failure is logged once, never thrown. */
  send(fields: Record<string, string | number>): void {
    const text = Object.entries(fields)
      .map(([k, v]) => `${k}=${String(v).replaceAll('\n', ' ')}`)
      .join('\n');
    try {
      native().sendUnixDatagram(this.socket, Buffer.from(`${text}\n`));
      this.#failed = false;
    } catch (err) {
      if (!this.#failed) this.#log.event(`sd_notify to ${this.socket} failed: ${(err as Error).message}`);
      this.#failed = true;
    }
  }

  /** RELOADING=1 with the CLOCK_MONOTONIC time, as Type=notify-reload wants it. */
  reloading(status: string): void {
    this.send({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec(), STATUS: status });
  }

  /**
   * WATCHDOG=1 every half WATCHDOG_USEC, when the watchdog is this process's: WATCHDOG_PID
   * unset, or this pid, or `alsoPid` (the predecessor an upgrade took over from: systemd set
   * the variable for it, and MAINPID moved the watchdog to us).
   */
  startWatchdog(env: NodeJS.ProcessEnv = process.env, alsoPid?: number): void {
    const usec = Number(env.WATCHDOG_USEC);
    if (!Number.isFinite(usec) || usec <= 0) return;
    const pid = env.WATCHDOG_PID === undefined ? process.pid : Number(env.WATCHDOG_PID);
    if (pid !== process.pid && pid !== alsoPid) return;
    this.stopWatchdog();
    const every = Math.max(1, Math.floor(usec / 2000));
    this.send({ WATCHDOG: 1 });
    this.#watchdog = setInterval(() => this.send({ WATCHDOG: 1 }), every);
    this.#watchdog.unref();
  }

  stopWatchdog(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }
}

/** CLOCK_MONOTONIC in microseconds (libuv's hrtime is CLOCK_MONOTONIC on Linux). */
export function monotonicUsec(): string {
  return (process.hrtime.bigint() / 1000n).toString();
}
