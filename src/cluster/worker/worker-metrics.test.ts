import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { UNMATCHED_ROUTE, WorkerMetrics } from './worker-metrics.js';

// WorkerMetrics keeps its own running totals and fills the registry from them when it is read.
// What it reports must be exactly what prom-client's own Counter and Histogram report after the
// same requests (the per-request `inc(labels)` / `observe(labels, v)` it used to call).
const COUNTER = 'volley_http_requests_total';
const HISTOGRAM = 'volley_http_request_duration_seconds';

function reference() {
  const registry = new Registry();
  const requests = new Counter({
    name: COUNTER,
    help: 'HTTP requests served, by method, matched route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: HISTOGRAM,
    help: 'HTTP request latency, from the request line to the end of the response',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    finished(method: string, route: string | undefined, status: number, seconds: number) {
      const labels = { method, route: route ?? UNMATCHED_ROUTE, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
  };
}

// Interleaved label sets, bucket edges, values past the last bound, an unmatched route.
const REQUESTS: [string, string | undefined, number, number][] = [];
const routes = ['/', '/users/{id}', undefined, '/repos/{owner}/{repo}'];
const methods = ['GET', 'POST', 'HEAD'];
const statuses = [200, 404, 500, 201];
const seconds = [0.0001, 0.0005, 0.00051, 0.001, 0.003, 0.05, 0.3, 1, 2.5, 7, 10, 10.5, 60, 0];
for (let i = 0; i < 500; i++) {
  REQUESTS.push([
    methods[i % 3]!,
    routes[(i * 7) % 4],
    statuses[(i * 5) % 4 === 0 ? 0 : (i >> 3) % 4]!,
    seconds[i % seconds.length]! + i * 1e-7,
  ]);
}

async function pick(registry: Registry, names: string[]) {
  const json = (await registry.getMetricsAsJSON()).filter((m) => names.includes(m.name));
  const text = (await registry.metrics())
    .split('\n')
    .filter((line) => names.some((n) => line.includes(n)))
    .join('\n');
  return { json, text };
}

test('request counter and latency histogram report what prom-client reports for the same requests', async () => {
  const ours = new WorkerMetrics();
  const ref = reference();
  const empty = await pick(ours.registry, [COUNTER, HISTOGRAM]);
  assert.deepEqual(empty, await pick(ref.registry, [COUNTER, HISTOGRAM]));
  for (const [i, [method, route, status, s]] of REQUESTS.entries()) {
    ours.started();
    ours.finished(method, route, status, s);
    ref.finished(method, route, status, s);
    if (i === 40) {
      // Read midway too: reading must not disturb the totals.
      assert.deepEqual(await pick(ours.registry, [COUNTER, HISTOGRAM]), await pick(ref.registry, [COUNTER, HISTOGRAM]));
    }
  }
  const a = await pick(ours.registry, [COUNTER, HISTOGRAM]);
  const b = await pick(ref.registry, [COUNTER, HISTOGRAM]);
  assert.deepEqual(a.json, b.json);
  assert.equal(a.text, b.text);
  assert.match(a.text, /volley_http_requests_total\{method="GET",route="\/",status="200"\} \d+/);
  assert.match(a.text, /route="<unmatched>"/);
});

test('in-flight gauge follows started and finished', async () => {
  const ours = new WorkerMetrics();
  ours.started();
  ours.started();
  ours.finished('GET', '/', 200, 0.001);
  const gauge = (await ours.registry.getMetricsAsJSON()).find((m) => m.name === 'volley_http_requests_in_flight');
  assert.equal(gauge?.values[0]?.value, 1);
});

test('registry.resetMetrics() forgets the request series', async () => {
  const ours = new WorkerMetrics();
  ours.finished('GET', '/', 200, 0.001);
  ours.registry.resetMetrics();
  const ref = reference();
  assert.deepEqual(await pick(ours.registry, [COUNTER, HISTOGRAM]), await pick(ref.registry, [COUNTER, HISTOGRAM]));
  ours.finished('GET', '/x', 404, 0.2);
  ref.finished('GET', '/x', 404, 0.2);
  assert.deepEqual(await pick(ours.registry, [COUNTER, HISTOGRAM]), await pick(ref.registry, [COUNTER, HISTOGRAM]));
});
