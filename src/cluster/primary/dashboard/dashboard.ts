import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { LogBacklog } from '../log-backlog.js';
import type { LogRecord } from '../log-sink.js';
import type { Supervisor } from '../supervisor.js';
import { EventStream } from './event-stream.js';
import { DASHBOARD_HTML } from './page.js';
import { SampleRing, SERIES, type WorkerReading } from './sample-ring.js';

/** Log records a dashboard gets when it connects. */
const LOG_TAIL = 200;
/** Live log records are sent in batches, at most this often and this many. */
const LOG_BATCH_MS = 250;
const LOG_BATCH_MAX = 200;

const requireHere = createRequire(import.meta.url);

/** uPlot's files, read from node_modules on first request (the dashboard has no build step and no CDN). */
function asset(file: string, type: string): () => { body: Buffer; type: string } {
  let loaded: Buffer | undefined;
  return () => {
    loaded ??= readFileSync(requireHere.resolve(`uplot/dist/${file}`));
    return { body: loaded, type };
  };
}

const ASSETS: Record<string, () => { body: Buffer; type: string }> = {
  '/assets/uPlot.iife.min.js': asset('uPlot.iife.min.js', 'text/javascript; charset=utf-8'),
  '/assets/uPlot.min.css': asset('uPlot.min.css', 'text/css; charset=utf-8'),
};

/**
 * The admin endpoint's web dashboard: `GET /` (the page), `GET /events` (Server-Sent Events:
 * a snapshot, then a sample a second and the merged log as it is written) and uPlot's files.
 * It samples the supervisor once a second into a SampleRing (the last 15 minutes) whether or
 * not a page is open, so a page opened later shows the history. Mutations go through the
 * admin endpoint's POST routes with their token rules; the page only offers them.
 */
export class Dashboard {
  readonly ring = new SampleRing();
  readonly #supervisor: Supervisor;
  readonly #backlog: LogBacklog;
  readonly #tokenRequired: boolean;
  readonly #events = new EventStream();
  readonly #timer: NodeJS.Timeout;
  #logBatch: string[] = [];
  #logSkipped = 0;
  #logTimer: NodeJS.Timeout | undefined;
  readonly #unfollow: () => void;

  constructor(supervisor: Supervisor, backlog: LogBacklog, options: { tokenRequired: boolean; intervalMs?: number }) {
    this.#supervisor = supervisor;
    this.#backlog = backlog;
    this.#tokenRequired = options.tokenRequired;
    this.#timer = setInterval(() => this.#sample(), options.intervalMs ?? 1000);
    this.#timer.unref();
    this.#unfollow = backlog.follow((r) => this.#onLog(r));
  }

  routes(): Record<string, (req: IncomingMessage, res: ServerResponse) => void> {
    const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
      '/': (_req, res) => send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML),
      '/events': (req, res) => this.#events.open(req, res, () => ({ event: 'hello', data: this.#hello() })),
    };
    for (const [path, load] of Object.entries(ASSETS)) {
      routes[path] = (_req, res) => {
        const { body, type } = load();
        send(res, 200, type, body, 'public, max-age=3600');
      };
    }
    return routes;
  }

  close(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#logTimer);
    this.#unfollow();
    this.#events.closeAll();
  }

  #hello() {
    return {
      tokenRequired: this.#tokenRequired,
      series: SERIES,
      history: this.ring.snapshot(),
      status: this.#supervisor.status(),
      logs: this.#backlog.query({ last: LOG_TAIL }).map((r) => r.json),
    };
  }

  #sample(): void {
    const status = this.#supervisor.status();
    const latency = new Map<number, number[] | undefined>();
    for (const w of this.#supervisor.workers()) latency.set(w.pid, w.latency);
    const readings: WorkerReading[] = status.workers.map((w) => {
      const l = latency.get(w.pid);
      return {
        id: w.id,
        pid: w.pid,
        generation: w.generation,
        restarts: w.restarts,
        requests: w.requests,
        lagMs: w.eventLoopLagMs,
        rssBytes: w.rssBytes,
        ...(l ? { latency: l } : {}),
      };
    });
    const { point, markers } = this.ring.record(Date.now(), readings, {
      reloads: this.#supervisor.reloads,
      desired: status.desiredWorkers,
    });
    this.#events.broadcast('sample', { point, markers, status });
  }

  #onLog(record: LogRecord): void {
    if (this.#events.clients === 0) return;
    if (this.#logBatch.length < LOG_BATCH_MAX) this.#logBatch.push(record.json);
    else this.#logSkipped++;
    this.#logTimer ??= setTimeout(() => {
      this.#logTimer = undefined;
      const batch = { records: this.#logBatch, skipped: this.#logSkipped };
      this.#logBatch = [];
      this.#logSkipped = 0;
      this.#events.broadcast('logs', batch);
    }, LOG_BATCH_MS);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store'): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': cache,
    // The page loads only what the admin endpoint itself serves.
    'content-security-policy':
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
