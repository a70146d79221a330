/**
 * Load-aware steering as the supervisor uses it (issue 19): it owns the stall monitor (a thread
 * in the addon), the decisions (LoadSteering) and the rescue of stranded connections, and stands
 * between the supervisor's "these slots take connections" and the sockets' steer(). With mode
 * `off`, or sockets that cannot be watched (node:cluster's fallback, where its primary already
 * hands each connection to a free worker), it passes the supervisor's set straight through.
 */
import { native } from '../../../native/index.js';
import type { ListenSockets } from '../listen-sockets.js';
import type { WorkerHandle } from '../worker-handle.js';
import { LoadSteering, type StallSignal, type SteeringMode, type SteeringSnapshot } from './load-steering.js';
import { DEFAULT_STALL_TIMING, PROGRESS_CELLS, StallMonitor, type StallTiming } from './stall-monitor.js';

/**
 * The most connections one rescue hands to one worker. A rescue goes only to workers that keep
 * up (ROOM_BACKLOG: room to take more), and a few at a time: under load where every worker
 * is busy, moving connections costs the primary and the target CPU and puts them behind the
 * target's next long callback, where nobody can move them again. Connections left behind wait
 * for the monitor's next stranded report (every 2 lookUs while they wait).
 *
 * A short stall (a slow callback, a GC pause: under SHORT_STALL_MS) ends soon by itself, so its
 * queue is handed over sparingly; a long one (a worker truly stuck) is emptied quickly.
 * Measured in bench/skew.ts (20 ms blocks) at churn c32, where rescues compete with the
 * workers for the CPU: 8 a time cost 4-6% of req/s against `--steering off`, 2 a time about
 * 3%; with a worker blocked 2 s and 50 fresh connections at once, 2 a time left the slowest
 * waiting up to 186 ms, 8 a time 126 ms. Measured again once a rescue went over the worker's
 * socket pair instead of Node's IPC (about 280 µs less of the primary's CPU per connection):
 * 8 a time still cost about 5% of req/s at c32 (4 rounds), so the cost is the target's, not
 * the primary's.
 */
const RESCUE_SHORT_STALL = 2;
const RESCUE_LONG_STALL = 8;
const SHORT_STALL_MS = 25;

/**
 * A worker whose accept queues hold at most this many connections keeps up: it is coming round
 * and takes them within a loop turn. Measured in bench/skew.ts at churn c4: with "an empty
 * queue" as the test, about one rescue in eight found no target, and 20 of 23 of those found one
 * or two connections in the only other worker's queue (it takes every new connection while the stalled one is
 * steered away), and those left behind waited for the stall to end. The stall monitor reports
 * a stall only while another queue is empty (`room_elsewhere` in native/stall-monitor.c), which
 * keeps its reports rare under load; once reported, a short queue is room enough.
 */
const ROOM_BACKLOG = 2;

export interface WatchedSockets extends ListenSockets {
  /** The slot's TCP sockets (SO_REUSEPORT groups), the ones a stall monitor can watch. */
  tcpFdsFor(slot: number): { fd: number; label: string }[];
}

export function canWatch(sockets: ListenSockets): sockets is WatchedSockets {
  return typeof (sockets as Partial<WatchedSockets>).tcpFdsFor === 'function';
}

export interface StallWatcher {
  readonly cellsFd: number;
  watch(slots: { slot: number; fds: number[] }[]): void;
  stop(): void;
}

export interface SlotSteeringDeps {
  /** The serving worker of a slot (where rescued connections go). */
  workerOf(slot: number): WorkerHandle | undefined;
  log(message: string): void;
  /** Starts the stall monitor (default: the addon's). */
  monitor?: (
    timing: StallTiming,
    onSignal: (slot: number, signal: StallSignal, sinceTurnMs: number) => void,
  ) => StallWatcher;
  /** Takes queued connections off a listening socket (default: the addon's acceptQueued). */
  acceptQueued?: (fd: number, max: number) => number[];
  /** Connections waiting in a listening socket's queue (default: the addon's acceptQueueLength). */
  queueLength?: (fd: number) => number;
  timing?: StallTiming;
  holdMs?: number;
}

export class SlotSteering {
  readonly mode: SteeringMode;
  readonly #sockets: ListenSockets;
  readonly #deps: SlotSteeringDeps;
  readonly #decisions: LoadSteering | undefined;
  readonly #monitor: StallWatcher | undefined;
  #nextTarget = 0;

  constructor(mode: SteeringMode, sockets: ListenSockets, deps: SlotSteeringDeps) {
    this.#sockets = sockets;
    this.#deps = deps;
    let monitor: StallWatcher | undefined;
    if (mode !== 'off' && canWatch(sockets)) {
      try {
        const start = deps.monitor ?? ((timing, onSignal) => new StallMonitor(timing, onSignal));
        monitor = start(deps.timing ?? DEFAULT_STALL_TIMING, (slot, signal, sinceTurnMs) =>
          this.#decisions?.signal(slot, signal, sinceTurnMs),
        );
      } catch (err) {
        deps.log(`load-aware steering is off: the stall monitor did not start (${(err as Error).message})`);
      }
    }
    this.#monitor = monitor;
    this.mode = monitor ? mode : 'off';
    this.#decisions = monitor
      ? new LoadSteering(
          mode,
          {
            steer: (slots) => sockets.steer(slots),
            rescue: (from, to, stalledMs) =>
              this.#rescue(from, to, stalledMs < SHORT_STALL_MS ? RESCUE_SHORT_STALL : RESCUE_LONG_STALL),
            hasRoom: (slot) => this.#hasRoom(slot),
          },
          deps.holdMs,
        )
      : undefined;
  }

  /** What a worker of the slot writes its loop turns into (WorkerConfig.progress), if watched. */
  progressFor(slot: number): { fd: number; cell: number } | undefined {
    return this.#monitor ? { fd: this.#monitor.cellsFd, cell: slot % PROGRESS_CELLS } : undefined;
  }

  /**
   * The supervisor's slots that take connections. Watched are exactly those: a retiring slot
   * leaves the watch list here, before its socket is closed.
   */
  apply(active: ReadonlySet<number>): void {
    if (!this.#decisions || !this.#monitor || !canWatch(this.#sockets)) {
      this.#sockets.steer(active);
      return;
    }
    const sockets = this.#sockets;
    this.#monitor.watch([...active].map((slot) => ({ slot, fds: sockets.tcpFdsFor(slot).map((s) => s.fd) })));
    this.#decisions.setActive(active);
  }

  snapshot(): SteeringSnapshot {
    return this.#decisions?.snapshot() ?? SlotSteering.offSnapshot();
  }

  /** What status() shows while nothing is steered by load. */
  static offSnapshot(): SteeringSnapshot {
    return { mode: 'off', excluded: [], events: { stalls: 0, exclusions: 0, inclusions: 0, rescues: 0 }, slots: {} };
  }

  stop(): void {
    this.#decisions?.stop();
    this.#monitor?.stop();
  }

  /** Whether the slot's accept queues hold at most ROOM_BACKLOG connections now: its worker keeps up. */
  #hasRoom(slot: number): boolean {
    const sockets = this.#sockets;
    if (!canWatch(sockets)) return false;
    const queueLength = this.#deps.queueLength ?? ((fd) => native().acceptQueueLength(fd));
    try {
      let backlog = 0;
      for (const { fd } of sockets.tcpFdsFor(slot)) backlog += queueLength(fd);
      return backlog <= ROOM_BACKLOG;
    } catch {
      return false; // its socket is closing (a retire): no room
    }
  }

  /**
   * Moves what waits in `from`'s queues to the ready workers of `to` that keep up (at most
   * ROOM_BACKLOG queued) and that have taken every connection handed to them before (none still on its way:
   * one that has not is busy), `perTarget` each at most, in turn; returns how many.
   */
  #rescue(from: number, to: readonly number[], perTarget: number): number {
    const sockets = this.#sockets;
    if (!canWatch(sockets)) return 0;
    const accept = this.#deps.acceptQueued ?? ((fd, max) => native().acceptQueued(fd, max));
    const targets = to
      .filter((slot) => this.#hasRoom(slot))
      .map((slot) => this.#deps.workerOf(slot))
      .filter((w): w is WorkerHandle => w?.state === 'ready' && w.connectionsInFlight === 0);
    let budget = targets.length * perTarget;
    let moved = 0;
    for (const { fd, label } of sockets.tcpFdsFor(from)) {
      if (budget === 0) break;
      let conns: number[];
      try {
        conns = accept(fd, budget);
      } catch (err) {
        this.#deps.log(`could not take connections from worker ${from}'s queue: ${(err as Error).message}`);
        continue;
      }
      for (const conn of conns) {
        const worker = targets[this.#nextTarget++ % targets.length]!;
        worker.sendConnection(label, conn);
        moved++;
        budget--;
      }
    }
    return moved;
  }
}
