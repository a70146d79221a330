import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';
import type { RequestObserver } from '../../server/server.js';
import { LATENCY_BUCKETS } from '../protocol.js';

/** The label for requests that matched no route (404/405): never the raw path, which is unbounded. */
export const UNMATCHED_ROUTE = '<unmatched>';

/** Upper bounds (seconds) of the latency histogram's buckets. */
const BUCKETS = LATENCY_BUCKETS;

type Labels = { method: string; route: string; status: string };

/** Running totals of one (method, route, status) label set. */
interface Series {
  readonly labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket, not cumulative (prom-client's `bucketValues`); past the last bound only `count` grows. */
  readonly buckets: number[];
}

/**
 * One worker's Prometheus registry: requests by method, route pattern and status (counter
 * and latency histogram), requests in flight, and prom-client's default process metrics
 * (event-loop lag, heap, GC, ...) under the `volley_` prefix. The primary collects it over IPC.
 *
 * Per request this only adds to a Series found through three Map lookups (keys are strings the
 * router and Node's HTTP parser reuse, so their hashes are cached); the prom-client metrics are
 * filled from the series when the registry is read. Calling prom-client's `inc(labels)` and
 * `observe(labels, v)` per request instead cost about 1 µs (label validation, a hash string built
 * twice, objects per call): a measurable part of a hello-world request.
 */
export class WorkerMetrics implements RequestObserver {
  readonly registry = new Registry();
  /** route → method → status → series. */
  readonly #index = new Map<string, Map<string, Map<number, Series>>>();
  /** Every series in the order first seen: the order prom-client lists label sets in. */
  readonly #series: Series[] = [];
  #inFlight = 0;

  /** `busDropped` reads the bus's dropped-message count (the worker runtime passes its bus's). */
  constructor(options: { busDropped?: () => number } = {}) {
    const busDropped = options.busDropped ?? (() => 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'volley_' });
    const series = this.#series;
    new Counter({
      name: 'volley_http_requests_total',
      help: 'HTTP requests served, by method, matched route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const s of series) this.inc(s.labels, s.count);
      },
    });
    this.registry.registerMetric(
      new RequestHistogram(
        'volley_http_request_duration_seconds',
        'HTTP request latency, from the request line to the end of the response',
        series,
        () => {
          // registry.resetMetrics(): forget every label set, as prom-client's reset() does.
          series.length = 0;
          this.#index.clear();
        },
      ) as unknown as Metric,
    );
    new Counter({
      name: 'volley_bus_dropped_total',
      help: 'Bus messages dropped because a subscriber queue was full',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(busDropped());
      },
    });
    const metrics = this;
    new Gauge({
      name: 'volley_http_requests_in_flight',
      help: 'HTTP requests being handled',
      registers: [this.registry],
      collect() {
        this.set(metrics.#inFlight);
      },
    });
  }

  /** Requests so far per bucket, over every series (not cumulative; the last entry is past the last bound): the heartbeat carries it. */
  latencyCounts(): number[] {
    const counts = new Array<number>(BUCKETS.length + 1).fill(0);
    for (const s of this.#series) {
      let inBuckets = 0;
      for (let i = 0; i < BUCKETS.length; i++) {
        counts[i]! += s.buckets[i]!;
        inBuckets += s.buckets[i]!;
      }
      counts[BUCKETS.length]! += s.count - inBuckets;
    }
    return counts;
  }

  started(): void {
    this.#inFlight++;
  }

  finished(method: string, route: string | undefined, status: number, seconds: number): void {
    this.#inFlight--;
    const s = this.#seriesOf(method, route ?? UNMATCHED_ROUTE, status);
    s.count++;
    s.sum += seconds;
    // The first bucket whose upper bound holds the value, as prom-client's findBound.
    const buckets = s.buckets;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]!) {
        buckets[i]!++;
        break;
      }
    }
  }

  #seriesOf(method: string, route: string, status: number): Series {
    let byMethod = this.#index.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#index.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let s = byStatus.get(status);
    if (s === undefined) {
      s = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      byStatus.set(status, s);
      this.#series.push(s);
    }
    return s;
  }
}

/**
 * The latency histogram as the registry reads it: `get()` returns what prom-client's
 * Histogram (labelNames method, route, status; BUCKETS; no exemplars) returns after the same
 * observations, value for value and in the same order (worker-metrics.test.ts compares the
 * two). prom-client has no way to add a series' counts in bulk, hence this small metric.
 */
class RequestHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames = ['method', 'route', 'status'];
  constructor(
    readonly name: string,
    readonly help: string,
    readonly series: readonly Series[],
    readonly reset: () => void,
  ) {}

  async get() {
    const bucket = `${this.name}_bucket`;
    const values: { value: number; metricName: string; exemplar: null | undefined; labels: Record<string, unknown> }[] =
      [];
    for (const s of this.series) {
      let acc = 0;
      for (let i = 0; i < BUCKETS.length; i++) {
        acc += s.buckets[i]!;
        values.push({ value: acc, metricName: bucket, exemplar: null, labels: { le: BUCKETS[i], ...s.labels } });
      }
      values.push({ value: s.count, metricName: bucket, exemplar: null, labels: { le: '+Inf', ...s.labels } });
      values.push({ value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined, labels: { ...s.labels } });
      values.push({ value: s.count, metricName: `${this.name}_count`, exemplar: undefined, labels: { ...s.labels } });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
