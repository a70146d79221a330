import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SupervisorStatus, WorkerStatus } from '../cluster/primary/supervisor.js';
import { parsePrometheusText, parseSampleLine } from './prom-text.js';
import {
  computeRates,
  type Histogram,
  histogramDelta,
  histogramSum,
  quantileBucket,
  snapshotFrom,
} from './top-stats.js';

const INF = Number.POSITIVE_INFINITY;

test('parseSampleLine reads names, escaped label values, +Inf and timestamps; skips junk', () => {
  assert.deepEqual(parseSampleLine('volley_up 1'), { name: 'volley_up', labels: {}, value: 1 });
  assert.deepEqual(parseSampleLine('a_bucket{le="+Inf",route="/x/{id}",worker="2"} 17 1700000000000'), {
    name: 'a_bucket',
    labels: { le: '+Inf', route: '/x/{id}', worker: '2' },
    value: 17,
  });
  assert.deepEqual(parseSampleLine('m{route="a\\"b,c}\\\\d\\ne",} +Inf'), {
    name: 'm',
    labels: { route: 'a"b,c}\\d\ne' },
    value: INF,
  });
  assert.equal(parseSampleLine('m{route="unterminated} 1'), undefined);
  assert.equal(parseSampleLine('m{=1} 1'), undefined);
  assert.equal(parseSampleLine('m abc'), undefined);
  assert.equal(parseSampleLine('# HELP m help'), undefined);
  assert.ok(Number.isNaN(parseSampleLine('m NaN')!.value));
  const text = '# HELP m h\n# TYPE m counter\n\nm{worker="1"} 2\nm 2\n';
  assert.equal(parsePrometheusText(text).length, 2);
});

const h = (pairs: [number, number][]): Histogram => ({
  bounds: pairs.map((p) => p[0]),
  counts: pairs.map((p) => p[1]),
});

test('quantileBucket: the first bucket whose cumulative count reaches 99%', () => {
  // 100 requests: 98 at most 1 ms, 1 at most 5 ms, 1 at most 10 ms
  const hist = h([
    [0.001, 98],
    [0.005, 99],
    [0.01, 100],
    [INF, 100],
  ]);
  assert.deepEqual(quantileBucket(hist, 0.99), { bound: 0.005, overflow: false });
  assert.deepEqual(quantileBucket(hist, 0.5), { bound: 0.001, overflow: false });
  assert.deepEqual(quantileBucket(hist, 1), { bound: 0.01, overflow: false });
  // one request only: the p99 is that request's bucket
  assert.deepEqual(
    quantileBucket(
      h([
        [0.001, 0],
        [0.25, 1],
        [INF, 1],
      ]),
      0.99,
    ),
    { bound: 0.25, overflow: false },
  );
  // above the largest finite bound
  assert.deepEqual(
    quantileBucket(
      h([
        [0.001, 5],
        [10, 5],
        [INF, 10],
      ]),
      0.99,
    ),
    { bound: 10, overflow: true },
  );
  // nothing counted
  assert.equal(
    quantileBucket(
      h([
        [0.001, 0],
        [INF, 0],
      ]),
      0.99,
    ),
    undefined,
  );
  assert.equal(quantileBucket(undefined, 0.99), undefined);
});

test('histogramDelta subtracts bucket by bucket and treats a decrease as a counter reset', () => {
  const a = h([
    [0.001, 10],
    [0.01, 20],
    [INF, 20],
  ]);
  const b = h([
    [0.001, 15],
    [0.01, 40],
    [INF, 41],
  ]);
  assert.deepEqual(
    histogramDelta(a, b),
    h([
      [0.001, 5],
      [0.01, 20],
      [INF, 21],
    ]),
  );
  assert.deepEqual(histogramDelta(undefined, b), b);
  const reset = h([
    [0.001, 1],
    [0.01, 2],
    [INF, 2],
  ]);
  assert.deepEqual(histogramDelta(b, reset), reset);
  assert.deepEqual(
    histogramSum([a, b]),
    h([
      [0.001, 25],
      [0.01, 60],
      [INF, 61],
    ]),
  );
  assert.equal(histogramSum([]), undefined);
});

function worker(id: number, pid: number, requests: number): WorkerStatus {
  return {
    id,
    pid,
    generation: 1,
    state: 'ready',
    restarts: 0,
    requests,
    rssBytes: 50 * 1048576,
    eventLoopLagMs: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
  };
}

function status(workers: WorkerStatus[]): SupervisorStatus {
  return { primary: { pid: 1, version: '0.1.0', uptimeMs: 1000 }, desiredWorkers: workers.length, workers };
}

/** /metrics text for per-worker request counts and ≤1 ms / ≤100 ms bucket counts. */
function metrics(workers: { id: number; fast: number; slow: number }[]): string {
  const lines = ['# TYPE volley_http_requests_total counter'];
  let all = 0;
  for (const w of workers) {
    all += w.fast + w.slow;
    // two label sets per worker, to check they are summed
    lines.push(`volley_http_requests_total{method="GET",route="/",status="200",worker="${w.id}"} ${w.fast}`);
    lines.push(`volley_http_requests_total{method="GET",route="/slow",status="200",worker="${w.id}"} ${w.slow}`);
    for (const [route, n, le] of [
      ['/', w.fast, 0],
      ['/slow', w.slow, 1],
    ] as const) {
      const bucket = (b: string, c: number) =>
        `volley_http_request_duration_seconds_bucket{le="${b}",method="GET",route="${route}",status="200",worker="${w.id}"} ${c}`;
      lines.push(bucket('0.001', le === 0 ? n : 0), bucket('0.1', n), bucket('+Inf', n));
    }
    lines.push(`volley_process_cpu_seconds_total{worker="${w.id}"} 1`);
  }
  // the aggregate (no worker label) must be ignored
  lines.push(`volley_http_requests_total{method="GET",route="/",status="200"} ${all * 100}`);
  return lines.join('\n');
}

test('computeRates: requests/s and p99 per worker from /metrics deltas; totals', () => {
  const s1 = snapshotFrom(
    0,
    status([worker(1, 101, 0), worker(2, 102, 0)]),
    parsePrometheusText(metrics([{ id: 1, fast: 100, slow: 0 }])),
  );
  assert.deepEqual(s1.requests, new Map([[1, 100]]));
  assert.deepEqual(s1.answered, new Set([1]));
  const first = computeRates(undefined, s1);
  assert.deepEqual(
    first.rows.map((r) => [r.rps, r.p99]),
    [
      [undefined, undefined],
      [undefined, undefined],
    ],
  );
  assert.equal(first.totalRps, undefined);

  const s2 = snapshotFrom(
    2000,
    status([worker(1, 101, 0), worker(2, 102, 0)]),
    parsePrometheusText(
      metrics([
        { id: 1, fast: 300, slow: 0 },
        { id: 2, fast: 0, slow: 10 },
      ]),
    ),
  );
  const r = computeRates(s1, s2);
  assert.equal(r.rows[0]!.rps, 100); // (300 - 100) / 2 s
  assert.deepEqual(r.rows[0]!.p99, { bound: 0.001, overflow: false });
  // worker 2 was missing from the first /metrics (it had not answered), so: /status fallback
  assert.equal(r.rows[1]!.rps, 0);
  assert.equal(r.rows[1]!.p99, undefined);
  assert.equal(r.totalRps, 100);
  assert.deepEqual(r.totalP99, { bound: 0.001, overflow: false });

  const s3 = snapshotFrom(
    3000,
    status([worker(1, 101, 0), worker(2, 102, 0)]),
    parsePrometheusText(
      metrics([
        { id: 1, fast: 398, slow: 0 },
        { id: 2, fast: 0, slow: 12 },
      ]),
    ),
  );
  const r3 = computeRates(s2, s3);
  assert.deepEqual(
    r3.rows.map((x) => x.rps),
    [98, 2],
  );
  assert.deepEqual(r3.rows[1]!.p99, { bound: 0.1, overflow: false });
  // 100 requests: 98 fast, 2 slow -> the 99th is slow
  assert.deepEqual(r3.totalP99, { bound: 0.1, overflow: false });
  assert.equal(r3.totalRps, 100);

  // no requests in the interval: 0 req/s and no p99
  const s4 = snapshotFrom(
    4000,
    s3.status,
    parsePrometheusText(
      metrics([
        { id: 1, fast: 398, slow: 0 },
        { id: 2, fast: 0, slow: 12 },
      ]),
    ),
  );
  const r4 = computeRates(s3, s4);
  assert.deepEqual(
    r4.rows.map((x) => [x.rps, x.p99]),
    [
      [0, undefined],
      [0, undefined],
    ],
  );
  assert.equal(r4.totalP99, undefined);
});

test('computeRates: a replaced worker (new pid) counts from zero; /status is the fallback without /metrics', () => {
  const s1 = snapshotFrom(
    0,
    status([worker(1, 101, 500), worker(2, 102, 40)]),
    parsePrometheusText(metrics([{ id: 1, fast: 500, slow: 0 }])),
  );
  const s2 = snapshotFrom(
    1000,
    status([worker(1, 201, 7), worker(2, 102, 50), worker(3, 103, 4)]),
    parsePrometheusText(metrics([{ id: 1, fast: 7, slow: 0 }])),
  );
  const r = computeRates(s1, s2);
  assert.deepEqual(
    r.rows.map((x) => x.rps),
    [7, 10, 4],
  );
  assert.deepEqual(r.rows[0]!.p99, { bound: 0.001, overflow: false });
  assert.equal(r.totalRps, 21);
});
