/**
 * Load-aware steering's decisions (issue 19). The supervisor says which slots take new
 * connections (`setActive`: ready, not retiring); the stall monitor (stall-monitor.ts, a thread
 * in the addon) says when a slot's worker stops accepting (`signal`: stalled, stranded,
 * recovered). From both this class decides which sockets the kernel may pick (`steer`) and
 * when connections stuck in a stalled slot's queue are taken and handed to another worker
 * (`rescue`).
 *
 * It never steers every connection away. When every active slot is stalled, a slot that has
 * recovered (and waits out its hold) comes back first; failing that, the kernel hashes over
 * the slots whose loops last came round within `peerWindowMs` of the most recent one. Workers
 * that are all busy come round within milliseconds of each other, so they all stay in (hashing
 * as without steering), while one whose loop has not come round for far longer (blocked in a
 * long callback) stays out: a worker busy with a burst must not bring back the one stuck.
 *
 * Room: a stalled slot is steered away from only while another slot that is not stalled has
 * room (`hasRoom`: its worker keeps up; SlotSteering's test is an accept queue of at most 2
 * connections, and the stall monitor reports a stall only while another queue is empty). When every other worker
 * has a backlog too, the machine is saturated: moving new connections from one full queue to
 * another gains nothing and costs a re-attached program per stall (measured in bench/skew.ts
 * at churn c32: steering on every stall cost 4% of req/s and raised p50 by 40%). The stall
 * stays on record, and each stranded report (every 2 ms while connections wait and another
 * queue is empty) looks for room again.
 *
 * Hysteresis: a slot leaves at the first stall report that finds room (the monitor already
 * waited `stallUs` with connections queued), and comes back no sooner than `holdMs` after it
 * left, so a worker that recovers from a long callback first works through its own queue.
 *
 * Pure logic: no addon, clock and timers injected, so load-steering.test.ts drives it with
 * fake signals.
 */

export type SteeringMode = 'off' | 'queue' | 'rescue';

export const STEERING_MODES: readonly SteeringMode[] = ['off', 'queue', 'rescue'];

/** What the stall monitor reports of a slot. */
export type StallSignal = 'stalled' | 'stranded' | 'recovered';

export interface SlotSteeringStats {
  /** Whether new connections are steered away from the slot now. */
  excluded: boolean;
  /** Whether its worker is stalled now (it may still be included: never all away). */
  stalled: boolean;
  /** Times it was steered away. */
  exclusions: number;
  /** Milliseconds it spent steered away, the current exclusion included. */
  excludedMs: number;
  /** Connections taken from its queue and handed to another worker. */
  rescued: number;
}

export interface SteeringSnapshot {
  mode: SteeringMode;
  /** Slots steered away from now. */
  excluded: number[];
  /** Stall reports, exclusions and re-inclusions, rescues. */
  events: { stalls: number; exclusions: number; inclusions: number; rescues: number };
  slots: Record<number, SlotSteeringStats>;
}

export interface LoadSteeringDeps {
  /** Sends new connections only to these slots' sockets. */
  steer(slots: ReadonlySet<number>): void;
  /**
   * Takes the connections waiting in `from`'s queue and hands them to workers of `to`
   * (in turn); returns how many it moved. `stalledMs`: how long `from`'s loop has not come round.
   */
  rescue(from: number, to: readonly number[], stalledMs: number): number;
  /** Whether a slot's worker keeps up now (a short accept queue); default: always. */
  hasRoom?: (slot: number) => boolean;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

interface SlotState {
  stalled: boolean;
  /** Steered away from for its current stall (a report found room elsewhere). */
  avoided: boolean;
  /** When its loop last came round before the current stall (for the all-stalled fallback). */
  stalledAt: number;
  /** Reported stranded during its current stall: its queue still waits for a rescue target. */
  stranded: boolean;
  excludedSince: number | undefined;
  exclusions: number;
  excludedMs: number;
  rescued: number;
  /** A re-inclusion waiting for the hold time. */
  holdTimer: unknown;
}

export class LoadSteering {
  readonly mode: SteeringMode;
  readonly holdMs: number;
  readonly peerWindowMs: number;
  readonly #deps: Required<LoadSteeringDeps>;
  #active = new Set<number>();
  readonly #slots = new Map<number, SlotState>();
  /** What was last given to steer(), to skip re-attaching the same program. */
  #applied: string | undefined;
  readonly events = { stalls: 0, exclusions: 0, inclusions: 0, rescues: 0 };

  constructor(mode: SteeringMode, deps: LoadSteeringDeps, holdMs = 2, peerWindowMs = 5) {
    this.mode = mode;
    this.holdMs = holdMs;
    this.peerWindowMs = peerWindowMs;
    this.#deps = {
      now: () => performance.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (t) => clearTimeout(t as NodeJS.Timeout),
      hasRoom: () => true,
      ...deps,
    };
  }

  /** The supervisor's slots that take connections; steering only ever narrows this set. */
  setActive(active: ReadonlySet<number>): void {
    this.#active = new Set(active);
    // The sockets behind the slots may have changed (one closed, one opened): steer again.
    this.#applied = undefined;
    for (const [id, s] of this.#slots) {
      if (active.has(id)) continue;
      // Retired, stopped or restarting: the supervisor steers it away itself; forget its stall.
      this.#include(s);
      s.stalled = false;
      s.avoided = false;
      s.stranded = false;
      this.#deps.clearTimer(s.holdTimer);
      s.holdTimer = undefined;
    }
    this.#apply();
  }

  /** A report of the stall monitor about a slot; `sinceTurnMs`, how long ago its loop last came round. */
  signal(slot: number, what: StallSignal, sinceTurnMs = 0): void {
    if (this.mode === 'off') return;
    const s = this.#slot(slot);
    if (what === 'recovered') {
      if (!s.stalled) return;
      s.stalled = false;
      s.avoided = false;
      s.stranded = false;
      this.#scheduleInclusion(s);
      // A rescue that found no target while every other slot was stalled can go ahead now.
      if (this.mode === 'rescue') {
        for (const [id, other] of this.#slots) if (other.stranded && this.#active.has(id)) this.#rescue(id, other);
      }
      return;
    }
    let changed = false;
    if (!s.stalled) {
      s.stalled = true;
      s.stalledAt = this.#deps.now() - sinceTurnMs;
      this.events.stalls++;
      this.#deps.clearTimer(s.holdTimer);
      s.holdTimer = undefined;
      changed = true;
    }
    if (!s.avoided && this.#roomElsewhere(slot)) {
      s.avoided = true;
      changed = true;
    }
    if (changed) this.#apply();
    if (what === 'stranded') {
      s.stranded = true;
      if (this.mode === 'rescue') this.#rescue(slot, s);
    }
  }

  /** Which slots new connections go to now (what steer() was last given). */
  get effective(): ReadonlySet<number> {
    return this.#effective();
  }

  snapshot(): SteeringSnapshot {
    const now = this.#deps.now();
    const slots: Record<number, SlotSteeringStats> = {};
    for (const [id, s] of this.#slots) {
      slots[id] = {
        excluded: s.excludedSince !== undefined,
        stalled: s.stalled,
        exclusions: s.exclusions,
        excludedMs: s.excludedMs + (s.excludedSince !== undefined ? now - s.excludedSince : 0),
        rescued: s.rescued,
      };
    }
    return {
      mode: this.mode,
      excluded: [...this.#slots].filter(([, s]) => s.excludedSince !== undefined).map(([id]) => id),
      events: { ...this.events },
      slots,
    };
  }

  stop(): void {
    for (const s of this.#slots.values()) {
      this.#deps.clearTimer(s.holdTimer);
      s.holdTimer = undefined;
    }
  }

  #slot(id: number): SlotState {
    let s = this.#slots.get(id);
    if (!s) {
      s = {
        stalled: false,
        avoided: false,
        stalledAt: 0,
        stranded: false,
        excludedSince: undefined,
        exclusions: 0,
        excludedMs: 0,
        rescued: 0,
        holdTimer: undefined,
      };
      this.#slots.set(id, s);
    }
    return s;
  }

  #scheduleInclusion(s: SlotState): void {
    const left = s.excludedSince === undefined ? 0 : s.excludedSince + this.holdMs - this.#deps.now();
    if (left <= 0) {
      this.#apply();
      return;
    }
    this.#deps.clearTimer(s.holdTimer);
    const timer = this.#deps.setTimer(() => {
      if (s.holdTimer !== timer) return;
      s.holdTimer = undefined;
      this.#apply();
    }, left);
    (timer as { unref?: () => void }).unref?.();
    s.holdTimer = timer;
  }

  /** Whether an active slot other than `slot` is not stalled and has room. */
  #roomElsewhere(slot: number): boolean {
    for (const id of this.#active) {
      if (id === slot || this.#slots.get(id)?.stalled) continue;
      if (this.#deps.hasRoom(id)) return true;
    }
    return false;
  }

  /**
   * Active slots minus those avoided (stalled, with room elsewhere when reported) or held out.
   * With no slot that is neither stalled nor held, a held one (recovered) comes first, then the
   * class comment's fallback over the stalled ones.
   */
  #effective(): Set<number> {
    const fresh = new Set<number>();
    const kept = new Set<number>();
    const held = new Set<number>();
    const stalled: [id: number, at: number][] = [];
    for (const id of this.#active) {
      const s = this.#slots.get(id);
      if (!s || (!s.stalled && s.holdTimer === undefined)) fresh.add(id);
      else if (!s.stalled) held.add(id);
      else {
        stalled.push([id, s.stalledAt]);
        if (!s.avoided) kept.add(id);
      }
    }
    if (fresh.size > 0) return new Set([...fresh, ...kept]);
    if (held.size > 0) return held;
    if (stalled.length === 0) return fresh;
    const newest = Math.max(...stalled.map(([, at]) => at));
    return new Set(stalled.filter(([, at]) => at >= newest - this.peerWindowMs).map(([id]) => id));
  }

  #apply(): void {
    const effective = this.#effective();
    const now = this.#deps.now();
    for (const id of this.#active) {
      const s = this.#slot(id);
      if (!effective.has(id) && s.excludedSince === undefined) {
        s.excludedSince = now;
        s.exclusions++;
        this.events.exclusions++;
      } else if (effective.has(id)) {
        this.#include(s);
      }
    }
    const key = [...effective].sort((a, b) => a - b).join(',');
    if (key === this.#applied) return;
    this.#applied = key;
    this.#deps.steer(effective);
  }

  #include(s: SlotState): void {
    if (s.excludedSince === undefined) return;
    s.excludedMs += this.#deps.now() - s.excludedSince;
    s.excludedSince = undefined;
    this.events.inclusions++;
  }

  #rescue(slot: number, s: SlotState): void {
    const to = [...this.#effective()].filter((id) => id !== slot && !this.#slots.get(id)?.stalled);
    if (to.length === 0) return;
    const moved = this.#deps.rescue(slot, to, this.#deps.now() - s.stalledAt);
    if (moved > 0) {
      s.rescued += moved;
      this.events.rescues++;
    }
  }
}
