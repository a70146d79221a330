import { Backoff } from './backoff.js';
import type { WorkerHandle } from './worker-handle.js';

/**
 * Where a slot is in its life:
 * - `starting`: its first worker is on its way; its socket gets no new connections yet.
 * - `serving`: its socket takes its share of connections. Its worker is ready, or (after a
 *   crash or a hung worker was killed) a successor is on its way and the queue waits for it.
 * - `replacing`: a successor starts beside the serving worker (reload, recycle); the serving
 *   worker drains only once the successor is ready, and keeps serving if it fails.
 * - `retiring`: scaled away: no new connections, its worker drains, then its socket closes.
 * - `stopped`: its worker is gone and it takes nothing (stop, or retired).
 */
export type SlotState = 'starting' | 'serving' | 'replacing' | 'retiring' | 'stopped';

/** A successor that did not become ready: what `volley status` shows beside the serving worker. */
export interface FailedAttempt {
  pid: number;
  generation: number;
  error: string;
  at: number;
}

/** One worker slot of the supervisor: its socket share, its worker and its successor. */
export class Slot {
  readonly id: number;
  state: SlotState = 'starting';
  /** The worker that serves, or that is on its way to (while starting, after a crash). */
  worker: WorkerHandle | undefined;
  /** The successor starting beside `worker` while `replacing`. */
  candidate: WorkerHandle | undefined;
  /** Generation of the code the slot serves (of its last worker that became ready). */
  generation: number;
  restarts = 0;
  readonly backoff: Backoff;
  restartTimer: NodeJS.Timeout | undefined;
  /** Requests after which the slot's worker is recycled (max-requests plus its jitter). */
  readonly requestLimit: number;
  /** A recycle of this slot is queued or running. */
  recycleQueued = false;
  lastFailure: FailedAttempt | undefined;

  constructor(id: number, generation: number, requestLimit: number, backoff = new Backoff()) {
    this.id = id;
    this.generation = generation;
    this.requestLimit = requestLimit;
    this.backoff = backoff;
  }

  /** True while the slot's socket takes new connections. */
  get takesConnections(): boolean {
    return this.state === 'serving' || this.state === 'replacing';
  }

  /** Counts towards the wanted workers (not retiring or stopped). */
  get wanted(): boolean {
    return this.state !== 'retiring' && this.state !== 'stopped';
  }

  cancelRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }
}
