/**
 * The numbers `volley top` shows, computed from two consecutive samples of the admin endpoint
 * (/status and /metrics): per-worker requests/s and the bucket the 99th percentile latency
 * falls in over the last refresh interval. Pure functions, no I/O.
 */
import type { SupervisorStatus, WorkerStatus } from '../cluster/primary/supervisor.js';
import type { Sample } from './prom-text.js';

export const REQUESTS_METRIC = 'volley_http_requests_total';
export const DURATION_METRIC = 'volley_http_request_duration_seconds';

/** A cumulative histogram: counts[i] requests took at most bounds[i] seconds; the last bound is +Inf. */
export interface Histogram {
  bounds: number[];
  counts: number[];
}

/** Where a quantile falls: at most `bound` seconds, or above it when `overflow` (the +Inf bucket). */
export interface QuantileBucket {
  bound: number;
  overflow: boolean;
}

/** One refresh: what /status and /metrics said, and when. */
export interface Snapshot {
  at: number;
  status: SupervisorStatus;
  /** Latency histogram per worker id, summed over method, route and status. */
  histograms: Map<number, Histogram>;
  /** volley_http_requests_total per worker id, summed over method, route and status. */
  requests: Map<number, number>;
  /** Worker ids that have any series in /metrics (a worker that did not answer in time has none). */
  answered: Set<number>;
}

export interface WorkerRow extends WorkerStatus {
  /** Requests per second over the last interval; undefined before there are two samples. */
  rps: number | undefined;
  /** The p99 latency bucket over the last interval; undefined when there were no requests. */
  p99: QuantileBucket | undefined;
}

export interface Rates {
  rows: WorkerRow[];
  totalRps: number | undefined;
  totalP99: QuantileBucket | undefined;
}

/** Reads the per-worker series (label `worker`) of /metrics; the aggregate (no label) is left out. */
export function snapshotFrom(at: number, status: SupervisorStatus, samples: Sample[]): Snapshot {
  const perWorker = new Map<number, Map<number, number>>();
  const requests = new Map<number, number>();
  const answered = new Set<number>();
  for (const s of samples) {
    const worker = s.labels.worker;
    if (worker === undefined || !/^\d+$/.test(worker)) continue;
    const id = Number(worker);
    answered.add(id);
    if (s.name === REQUESTS_METRIC) {
      requests.set(id, (requests.get(id) ?? 0) + s.value);
    } else if (s.name === `${DURATION_METRIC}_bucket` && s.labels.le !== undefined) {
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      if (Number.isNaN(le)) continue;
      const buckets = perWorker.get(id) ?? new Map<number, number>();
      perWorker.set(id, buckets);
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
  }
  const histograms = new Map<number, Histogram>();
  for (const [id, buckets] of perWorker) {
    const bounds = [...buckets.keys()].sort((a, b) => a - b);
    histograms.set(id, { bounds, counts: bounds.map((b) => buckets.get(b)!) });
  }
  return { at, status, histograms, requests, answered };
}

/**
 * The requests observed between two cumulative histograms. When a count went down (the worker
 * process was replaced and started from zero) the newer histogram is the delta, as Prometheus'
 * rate() treats a counter reset.
 */
export function histogramDelta(prev: Histogram | undefined, cur: Histogram): Histogram {
  if (!prev) return cur;
  const before = new Map(prev.bounds.map((b, i) => [b, prev.counts[i]!]));
  const counts = cur.bounds.map((b, i) => cur.counts[i]! - (before.get(b) ?? 0));
  if (counts.some((c) => c < 0)) return cur;
  return { bounds: cur.bounds, counts };
}

/** Adds histograms bucket by bucket (matching on the bound). */
export function histogramSum(histograms: Histogram[]): Histogram | undefined {
  if (histograms.length === 0) return undefined;
  const sum = new Map<number, number>();
  for (const h of histograms) {
    h.bounds.forEach((b, i) => {
      sum.set(b, (sum.get(b) ?? 0) + h.counts[i]!);
    });
  }
  const bounds = [...sum.keys()].sort((a, b) => a - b);
  return { bounds, counts: bounds.map((b) => sum.get(b)!) };
}

/**
 * The bucket the q-quantile (0 < q <= 1) of a cumulative histogram falls in: the first bucket
 * whose cumulative count reaches q × total. Undefined when the histogram counted nothing.
 */
export function quantileBucket(h: Histogram | undefined, q: number): QuantileBucket | undefined {
  if (!h || h.counts.length === 0) return undefined;
  const total = h.counts[h.counts.length - 1]!;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  const i = h.counts.findIndex((c) => c >= rank);
  const at = i === -1 ? h.counts.length - 1 : i;
  const bound = h.bounds[at]!;
  if (bound !== Number.POSITIVE_INFINITY) return { bound, overflow: false };
  const finite = h.bounds.filter((b) => b !== Number.POSITIVE_INFINITY);
  return { bound: finite.length > 0 ? finite[finite.length - 1]! : 0, overflow: true };
}

/**
 * Per-worker requests/s and p99 between two snapshots. Requests/s comes from the worker's
 * request counter in /metrics (collected from the worker at that moment, so it does not alias
 * with the heartbeat); when /metrics has no counter for a worker (no request yet, or it did
 * not answer in time) it falls back to the `requests` of /status, which the worker reports
 * with each heartbeat (up to a second old). A slot that is new or whose pid changed counts
 * from zero, like a counter reset in Prometheus.
 */
export function computeRates(prev: Snapshot | undefined, cur: Snapshot): Rates {
  const seconds = prev ? (cur.at - prev.at) / 1000 : 0;
  const deltas: Histogram[] = [];
  let totalRps: number | undefined;
  const rows = cur.status.workers.map((w): WorkerRow => {
    const before = prev?.status.workers.find((p) => p.id === w.id);
    // A slot that is new or whose pid changed holds a new process, which counted from zero.
    const samePid = before !== undefined && before.pid === w.pid;
    let rps: number | undefined;
    let p99: QuantileBucket | undefined;
    if (prev && seconds > 0) {
      // The worker's request counter in /metrics, against what it had counted at the previous
      // refresh: 0 for a new process in the slot, unknown when it did not answer /metrics then.
      const now = cur.requests.get(w.id);
      const then = samePid ? (prev.answered.has(w.id) ? (prev.requests.get(w.id) ?? 0) : undefined) : 0;
      let count: number;
      if (now !== undefined && then !== undefined) {
        count = now >= then ? now - then : now;
        const h = cur.histograms.get(w.id);
        if (h) {
          const delta = histogramDelta(samePid ? prev.histograms.get(w.id) : undefined, h);
          deltas.push(delta);
          p99 = quantileBucket(delta, 0.99);
        }
      } else {
        count = samePid && w.requests >= before.requests ? w.requests - before.requests : w.requests;
      }
      rps = count / seconds;
      totalRps = (totalRps ?? 0) + rps;
    }
    return { ...w, rps, p99 };
  });
  return { rows, totalRps, totalP99: quantileBucket(histogramSum(deltas), 0.99) };
}
