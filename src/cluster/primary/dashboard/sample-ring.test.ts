import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LATENCY_BUCKETS } from '../../protocol.js';
import { quantileMs, SampleRing, type WorkerReading } from './sample-ring.js';

const zeros = () => new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);

function reading(
  id: number,
  pid: number,
  requests: number,
  latency?: number[],
  extra: Partial<WorkerReading> = {},
): WorkerReading {
  return {
    id,
    pid,
    generation: 1,
    restarts: 0,
    requests,
    lagMs: 1,
    rssBytes: 50e6,
    ...(latency ? { latency } : {}),
    ...extra,
  };
}

test('quantiles interpolate inside the bucket; past the last bound they are the last bound', () => {
  const c = zeros();
  c[0] = 50; // <= 0.5 ms
  c[4] = 50; // 5..10 ms
  assert.equal(quantileMs(c, 0.5), 0.5);
  assert.ok(Math.abs(quantileMs(c, 0.99) - 9.9) < 1e-9);
  assert.ok(Number.isNaN(quantileMs(zeros(), 0.5)));
  const over = zeros();
  over[LATENCY_BUCKETS.length] = 3;
  assert.equal(quantileMs(over, 0.5), 10_000);
});

test('requests/s and latency are differences between readings of the same process; a new pid starts over', () => {
  const ring = new SampleRing(10);
  const lat1 = zeros();
  lat1[2] = 100;
  ring.record(1000, [reading(1, 11, 100, lat1), reading(2, 12, 0, zeros())], { reloads: 0, desired: 2 });
  const lat2 = [...lat1];
  lat2[5] = 200; // 200 requests in 10..25 ms during the second
  const { point } = ring.record(2000, [reading(1, 11, 300, lat2), reading(2, 22, 50, zeros())], {
    reloads: 0,
    desired: 2,
  });
  assert.equal(point.workers[1]!.rps, 200);
  assert.ok(point.workers[1]!.p50! > 10 && point.workers[1]!.p50! < 25);
  assert.equal(point.workers[2]!.rps, 50, 'a new process: all it served');
  assert.equal(point.total.rps, 250);
  assert.equal(point.total.rss, 100e6);
  assert.equal(point.workers[2]!.p50, null, 'no latency without requests');
});

test('bounded: at capacity the oldest sample goes; markers for reloads, restarts and scaling, dropped with their samples', () => {
  const ring = new SampleRing(3);
  ring.record(1000, [reading(1, 11, 0)], { reloads: 0, desired: 1 });
  const r = ring.record(2000, [reading(1, 13, 0, undefined, { restarts: 1 })], { reloads: 1, desired: 2 });
  assert.deepEqual(
    r.markers.map((m) => m.kind),
    ['reload', 'scale', 'restart'],
  );
  ring.record(3000, [reading(1, 13, 0)], { reloads: 1, desired: 2 });
  ring.record(4000, [reading(1, 13, 0)], { reloads: 1, desired: 2 });
  const snap = ring.snapshot();
  assert.deepEqual(snap.times, [2000, 3000, 4000]);
  assert.equal(snap.workers[1]!.rss.length, 3);
  assert.equal(snap.markers.length, 3, 'markers at 2000 still in the window');
  ring.record(5000, [reading(1, 13, 0)], { reloads: 1, desired: 2 });
  assert.equal(ring.snapshot().markers.length, 0);
  assert.equal(ring.size, 3);
});
