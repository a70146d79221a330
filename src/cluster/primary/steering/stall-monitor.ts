/**
 * The primary's handle on the addon's stall monitor (native/stall-monitor.c): the progress
 * cells every worker writes once per event-loop turn, and the thread that looks at them and at
 * each slot's accept queue. Only transitions come back, as `StallSignal`s.
 */
import { native, type StallTiming } from '../../../native/index.js';
import type { StallSignal } from './load-steering.js';

/** Cells in the shared progress array; slot ids map onto them modulo this. */
export const PROGRESS_CELLS = 1024;

export type { StallTiming } from '../../../native/index.js';

/**
 * A stall is timed from its loop's last turn once a second look saw connections wait
 * (native/stall-monitor.c's look()); each look costs the primary a wake-up (about 50 µs of CPU
 * on this project's virtual machines). Counted as the thread's voluntary context switches: 125
 * looks a second while idle (the 8 ms pace), about 150 under hello churn with wrk -c64 (270
 * before looks waited for the idle pace while no other queue is empty).
 *
 * The alert pace (10 reported stalls within a second: look every 1 ms for the next second) is
 * for apps that block often: on the skewed app (bench/skew.ts, 20 ms blocks) at churn c4 about
 * 800 looks a second, and the slowest request of a 5 s run a median 34 ms instead of 38 ms.
 * Hello churn reports about 3 stalls a second (a worker the scheduler left off the CPU) and
 * stays at the idle pace.
 *
 * A 2 ms stall, rescued at once (strandUs = stallUs), with the alert pace: churn c4 +8% req/s
 * (median of 6 interleaved rounds; +1% to +12%) against 5 ms and 6 ms, slowest request a median
 * 31 ms instead of 34 ms; churn c32 and hello unchanged. Without the alert pace it changed
 * nothing: a connection that arrives mid-block waits for the next 8 ms look either way.
 */
export const DEFAULT_STALL_TIMING: StallTiming = {
  lookUs: 1000,
  idleLookUs: 8000,
  stallUs: 2000,
  strandUs: 2000,
  alertUs: 1_000_000,
  alertStalls: 10,
};

const SIGNALS: StallSignal[] = ['recovered', 'stalled', 'stranded'];

export class StallMonitor {
  /** The memfd workers inherit (WorkerConfig.progress). */
  readonly cellsFd: number;
  readonly #monitor: unknown;
  #stopped = false;

  /** `sinceTurnMs`: how long ago the slot's loop last came round (0 for a recovery). */
  constructor(timing: StallTiming, onSignal: (slot: number, signal: StallSignal, sinceTurnMs: number) => void) {
    const addon = native();
    this.cellsFd = addon.createProgressCells(PROGRESS_CELLS);
    try {
      this.#monitor = addon.startStallMonitor(
        this.cellsFd,
        PROGRESS_CELLS,
        timing,
        (slot, state, _queued, sinceTurnUs) => onSignal(slot, SIGNALS[state] ?? 'recovered', sinceTurnUs / 1000),
      );
    } catch (err) {
      addon.closeFd(this.cellsFd);
      throw err;
    }
  }

  /** The slots to watch and their TCP listening sockets (call before closing any of them). */
  watch(slots: { slot: number; fds: number[] }[]): void {
    if (!this.#stopped) native().watchStalls(this.#monitor, slots);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    native().stopStallMonitor(this.#monitor);
    native().closeFd(this.cellsFd);
  }
}
