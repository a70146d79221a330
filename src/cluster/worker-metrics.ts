import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { bus } from '../bus/bus.js';
import type { RequestObserver } from '../server/server.js';

/** The label for requests that matched no route (404/405): never the raw path, which is unbounded. */
export const UNMATCHED_ROUTE = '<unmatched>';

/**
 * One worker's Prometheus registry: requests by method, route pattern and status (counter
 * and latency histogram), requests in flight, and prom-client's default process metrics
 * (event-loop lag, heap, GC, ...) under the `volley_` prefix. The primary collects it over IPC.
 */
export class WorkerMetrics implements RequestObserver {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #duration: Histogram<'method' | 'route' | 'status'>;
  readonly #inFlight: Gauge;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'volley_' });
    this.#requests = new Counter({
      name: 'volley_http_requests_total',
      help: 'HTTP requests served, by method, matched route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.#duration = new Histogram({
      name: 'volley_http_request_duration_seconds',
      help: 'HTTP request latency, from the request line to the end of the response',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    new Counter({
      name: 'volley_bus_dropped_total',
      help: 'Bus messages dropped because a subscriber queue was full',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(bus.dropped);
      },
    });
    this.#inFlight = new Gauge({
      name: 'volley_http_requests_in_flight',
      help: 'HTTP requests being handled',
      registers: [this.registry],
    });
  }

  started(): void {
    this.#inFlight.inc();
  }

  finished(method: string, route: string | undefined, status: number, seconds: number): void {
    this.#inFlight.dec();
    const labels = { method, route: route ?? UNMATCHED_ROUTE, status: String(status) };
    this.#requests.inc(labels);
    this.#duration.observe(labels, seconds);
  }
}
