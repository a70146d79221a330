import { LATENCY_BUCKETS } from '../../protocol.js';

/** What the dashboard charts, per worker and in total. Latencies in ms, RSS in bytes. */
export const SERIES = ['rps', 'p50', 'p99', 'lag', 'rss'] as const;
export type SeriesName = (typeof SERIES)[number];
type Columns = Record<SeriesName, Float64Array>;

/** What one worker reported at a sample (its heartbeat's numbers, from the supervisor's status). */
export interface WorkerReading {
  id: number;
  pid: number;
  generation: number;
  restarts: number;
  /** Requests served by this process so far. */
  requests: number;
  /** Requests per LATENCY_BUCKETS bucket so far (the last entry past the last bound), if metrics are on. */
  latency?: number[];
  lagMs: number;
  rssBytes: number;
}

export interface Marker {
  at: number;
  kind: 'reload' | 'restart' | 'scale';
  text: string;
}

/** One sample as sent to a dashboard: `null` where there is no value (no requests: no latency). */
export interface SamplePoint {
  at: number;
  total: Record<SeriesName, number | null>;
  workers: Record<number, Record<SeriesName, number | null>>;
}

const MAX_MARKERS = 500;

/**
 * The value under which fraction `q` of the requests of a non-cumulative histogram fall,
 * interpolated linearly inside its bucket (as Prometheus' histogram_quantile does); past the
 * last bound, the last bound. In ms; NaN without requests.
 */
export function quantileMs(counts: readonly number[], q: number): number {
  let total = 0;
  for (const c of counts) total += c;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && below + c >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BUCKETS[i - 1]!;
      return 1000 * (lower + ((LATENCY_BUCKETS[i]! - lower) * (rank - below)) / c);
    }
    below += c;
  }
  return 1000 * LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1]!;
}

function columns(capacity: number): Columns {
  const c = {} as Columns;
  for (const name of SERIES) c[name] = new Float64Array(capacity).fill(Number.NaN);
  return c;
}

const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/**
 * The dashboard's history: one sample a second for the last `capacity` seconds (default 900:
 * 15 minutes), in fixed Float64Arrays, so memory is bounded and known: 8 bytes x capacity for
 * the times, for each of the 5 total series, and for each of the 5 series of every worker id
 * seen (7.2 KB per series at 900: 43 KB plus 36 KB per worker id). Requests/s and latency
 * quantiles are the differences between consecutive heartbeat readings of the same process;
 * reloads, restarts and scale changes become markers.
 */
export class SampleRing {
  readonly capacity: number;
  readonly #times: Float64Array;
  readonly #total: Columns;
  readonly #workers = new Map<number, Columns>();
  #head = 0;
  #count = 0;
  #prev = new Map<number, WorkerReading>();
  #prevAt = 0;
  #prevReloads: number | undefined;
  #prevDesired: number | undefined;
  readonly markers: Marker[] = [];

  constructor(capacity = 900) {
    this.capacity = capacity;
    this.#times = new Float64Array(capacity);
    this.#total = columns(capacity);
  }

  get size(): number {
    return this.#count;
  }

  /** Adds the sample at `at` (ms) and returns it with the markers it made. */
  record(
    at: number,
    readings: WorkerReading[],
    meta: { reloads: number; desired: number },
  ): { point: SamplePoint; markers: Marker[] } {
    const slot = (this.#head + this.#count) % this.capacity;
    if (this.#count === this.capacity) this.#head = (this.#head + 1) % this.capacity;
    else this.#count++;
    this.#times[slot] = at;
    const made: Marker[] = [];
    const mark = (kind: Marker['kind'], text: string) => {
      const m = { at, kind, text };
      made.push(m);
      this.markers.push(m);
    };
    if (this.#prevReloads !== undefined && meta.reloads > this.#prevReloads) mark('reload', `reload ${meta.reloads}`);
    if (this.#prevDesired !== undefined && meta.desired !== this.#prevDesired)
      mark('scale', `scaled to ${meta.desired}`);
    this.#prevReloads = meta.reloads;
    this.#prevDesired = meta.desired;

    const seconds = this.#prevAt > 0 ? (at - this.#prevAt) / 1000 : 0;
    const totalLatency = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
    let totalRps = seconds > 0 ? 0 : Number.NaN;
    let maxLag = Number.NaN;
    let rss = 0;
    const point: SamplePoint = { at, total: {} as SamplePoint['total'], workers: {} };
    for (const cols of this.#workers.values()) for (const name of SERIES) cols[name][slot] = Number.NaN;
    const next = new Map<number, WorkerReading>();
    for (const r of readings) {
      next.set(r.id, r);
      let cols = this.#workers.get(r.id);
      if (!cols) {
        cols = columns(this.capacity);
        this.#workers.set(r.id, cols);
      }
      const before = this.#prev.get(r.id);
      if (before && r.restarts > before.restarts) mark('restart', `worker ${r.id} restarted (pid ${r.pid})`);
      // The same process: differences; a new one (restart, reload): everything it did so far.
      const same = before !== undefined && before.pid === r.pid;
      const requests = same ? r.requests - before.requests : r.requests;
      const rps = seconds > 0 ? requests / seconds : Number.NaN;
      let latency: number[] | undefined;
      if (r.latency) {
        latency = r.latency.map((c, i) => (same && before.latency ? c - (before.latency[i] ?? 0) : c));
        for (let i = 0; i < latency.length; i++) totalLatency[i]! += latency[i]!;
      }
      cols.rps[slot] = rps;
      cols.p50[slot] = latency ? quantileMs(latency, 0.5) : Number.NaN;
      cols.p99[slot] = latency ? quantileMs(latency, 0.99) : Number.NaN;
      // RSS 0: no heartbeat yet (a worker still starting), so no lag or RSS to show either.
      const beat = r.rssBytes > 0;
      cols.lag[slot] = beat ? r.lagMs : Number.NaN;
      cols.rss[slot] = beat ? r.rssBytes : Number.NaN;
      if (seconds > 0) totalRps += rps;
      if (beat) maxLag = Number.isNaN(maxLag) ? r.lagMs : Math.max(maxLag, r.lagMs);
      rss += r.rssBytes;
      point.workers[r.id] = {} as Record<SeriesName, number | null>;
      for (const name of SERIES) point.workers[r.id]![name] = orNull(cols[name][slot]!);
    }
    this.#prev = next;
    this.#prevAt = at;
    const t = this.#total;
    t.rps[slot] = totalRps;
    t.p50[slot] = quantileMs(totalLatency, 0.5);
    t.p99[slot] = quantileMs(totalLatency, 0.99);
    t.lag[slot] = maxLag;
    t.rss[slot] = rss > 0 ? rss : Number.NaN;
    for (const name of SERIES) point.total[name] = orNull(t[name][slot]!);
    const oldest = this.#times[this.#head]!;
    while (this.markers.length > 0 && (this.markers[0]!.at < oldest || this.markers.length > MAX_MARKERS))
      this.markers.shift();
    return { point, markers: made };
  }

  /** Every kept sample, oldest first, as columns (what a dashboard draws at start). */
  snapshot(): {
    times: number[];
    total: Record<SeriesName, (number | null)[]>;
    workers: Record<number, Record<SeriesName, (number | null)[]>>;
    markers: Marker[];
  } {
    const order = Array.from({ length: this.#count }, (_, i) => (this.#head + i) % this.capacity);
    const pick = (cols: Columns) => {
      const out = {} as Record<SeriesName, (number | null)[]>;
      for (const name of SERIES) out[name] = order.map((i) => orNull(cols[name][i]!));
      return out;
    };
    const workers: Record<number, Record<SeriesName, (number | null)[]>> = {};
    for (const [id, cols] of this.#workers) workers[id] = pick(cols);
    return { times: order.map((i) => this.#times[i]!), total: pick(this.#total), workers, markers: [...this.markers] };
  }
}
