import {
  AggregatorRegistry,
  Counter,
  Gauge,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import type { Supervisor } from './supervisor.js';

type Metric = MetricObjectWithValues<MetricValue<string>>;

/** How long /metrics waits for a worker before leaving it out. */
const WORKER_TIMEOUT_MS = 2000;

function withWorkerLabel(metrics: Metric[], worker: number): Metric[] {
  return metrics.map((m) => ({
    ...m,
    values: m.values.map((v) => ({ ...v, labels: { ...v.labels, worker: String(worker) } })),
  }));
}

/**
 * /metrics of `volley serve`: asks every worker for its registry over IPC and returns, in one
 * exposition, the aggregate over all workers (no `worker` label) and each worker's own series
 * (label `worker`), plus the supervisor's series. To sum across workers in PromQL, select the
 * series without a worker label, e.g. `volley_http_requests_total{worker=""}`.
 */
export class ClusterMetrics {
  readonly #supervisor: Supervisor;
  readonly #registry = new Registry();

  constructor(supervisor: Supervisor) {
    this.#supervisor = supervisor;
    const registers = [this.#registry];
    new Gauge({
      name: 'volley_workers',
      help: 'Worker processes by state',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const state of ['starting', 'ready', 'draining']) this.set({ state }, 0);
        for (const w of supervisor.status().workers) this.inc({ state: w.state });
      },
    });
    new Counter({
      name: 'volley_worker_restarts_total',
      help: 'Workers replaced after a crash or a missed heartbeat, by slot',
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const w of supervisor.status().workers) this.inc({ worker: String(w.id) }, w.restarts);
      },
    });
    new Counter({
      name: 'volley_reloads_total',
      help: 'Rolling reloads started',
      registers,
      collect() {
        this.reset();
        this.inc(supervisor.reloads);
      },
    });
    new Gauge({
      name: 'volley_worker_rss_bytes',
      help: 'Resident set size of each worker, as last reported by its heartbeat',
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const w of supervisor.status().workers) this.set({ worker: String(w.id) }, w.rssBytes);
      },
    });
    const steering = () => supervisor.status().steering;
    new Counter({
      name: 'volley_steer_events_total',
      help: 'Load-aware steering: stalls reported, workers steered away from and back, rescues of stranded connections',
      labelNames: ['event'],
      registers,
      collect() {
        this.reset();
        const events = steering()?.events ?? { stalls: 0, exclusions: 0, inclusions: 0, rescues: 0 };
        this.inc({ event: 'stall' }, events.stalls);
        this.inc({ event: 'exclusion' }, events.exclusions);
        this.inc({ event: 'inclusion' }, events.inclusions);
        this.inc({ event: 'rescue' }, events.rescues);
      },
    });
    new Counter({
      name: 'volley_steer_excluded_seconds_total',
      help: 'Time each slot spent steered away from by load-aware steering',
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const [id, s] of Object.entries(steering()?.slots ?? {})) this.inc({ worker: id }, s.excludedMs / 1000);
      },
    });
    new Counter({
      name: 'volley_steer_rescued_connections_total',
      help: "Connections taken from a stalled slot's queue and handed to another worker",
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const [id, s] of Object.entries(steering()?.slots ?? {})) this.inc({ worker: id }, s.rescued);
      },
    });
    new Gauge({
      name: 'volley_steer_excluded',
      help: 'Whether load-aware steering keeps new connections away from the slot now (1) or not (0)',
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const [id, s] of Object.entries(steering()?.slots ?? {})) this.set({ worker: id }, s.excluded ? 1 : 0);
      },
    });
    new Counter({
      name: 'volley_log_dropped_lines_total',
      help: 'Merged-log lines dropped because the log output was too slow',
      registers,
      collect() {
        this.reset();
        this.inc(supervisor.log.dropped);
      },
    });
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  async render(): Promise<string> {
    const replies = await Promise.all(
      this.#supervisor
        .workers()
        .map(async (w) => ({ id: w.slot, metrics: (await w.metrics(WORKER_TIMEOUT_MS)) as Metric[] | undefined })),
    );
    const answered = replies.filter((r): r is { id: number; metrics: Metric[] } => Array.isArray(r.metrics));
    const sections: string[] = [];
    if (answered.length > 0) {
      const aggregate = await AggregatorRegistry.aggregate(answered.map((r) => r.metrics)).getMetricsAsJSON();
      const perWorker = answered.map((r) => withWorkerLabel(r.metrics, r.id));
      sections.push(await AggregatorRegistry.aggregate([aggregate as Metric[], ...perWorker]).metrics());
    }
    sections.push(await this.#registry.metrics());
    return sections.join('\n');
  }
}
