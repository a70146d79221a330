import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkerStatus } from '../cluster/primary/supervisor.js';
import { formatDuration, formatQuantile, renderTop, sparkline, type TopView } from './top-render.js';
import type { WorkerRow } from './top-stats.js';

function row(id: number, extra: Partial<WorkerRow> = {}): WorkerRow {
  const w: WorkerStatus = {
    id,
    pid: 4000 + id,
    generation: 2,
    state: 'ready',
    restarts: id === 2 ? 3 : 0,
    requests: 1000,
    rssBytes: 80.5 * 1048576,
    eventLoopLagMs: 1.25,
    startedAt: '2026-01-01T00:00:00.000Z',
  };
  return { ...w, rps: 123.4, p99: { bound: 0.0025, overflow: false }, ...extra };
}

function view(rows: WorkerRow[], extra: Partial<TopView> = {}): TopView {
  return {
    admin: '127.0.0.1:9100',
    status: {
      primary: { pid: 77, version: '0.1.0', uptimeMs: 3_725_000 },
      desiredWorkers: rows.length,
      workers: rows,
    },
    rows,
    totalRps: 246.8,
    totalP99: { bound: 0.005, overflow: false },
    history: [0, 50, 100, 200, 400, 800],
    intervalMs: 1000,
    ...extra,
  };
}

test('sparkline scales to the largest value and keeps the newest values that fit', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]), '▁▁▂▃▄▅▆▇█');
  assert.equal(sparkline([0, 0, 0]), '▁▁▁');
  assert.equal(sparkline([]), '');
  assert.equal(sparkline([8, 1, 8], 2), '▁█');
  assert.equal(sparkline([5, 5], 0), '');
});

test('formatters', () => {
  assert.equal(formatDuration(42_000), '42s');
  assert.equal(formatDuration(3_725_000), '1h02m');
  assert.equal(formatDuration(90_061_000), '1d01h');
  assert.equal(formatQuantile(undefined), '-');
  assert.equal(formatQuantile({ bound: 0.0005, overflow: false }), '≤0.5ms');
  assert.equal(formatQuantile({ bound: 0.025, overflow: false }), '≤25ms');
  assert.equal(formatQuantile({ bound: 2.5, overflow: false }), '≤2.5s');
  assert.equal(formatQuantile({ bound: 10, overflow: true }), '>10s');
});

test('renderTop: header, sparkline and one row per worker with every column', () => {
  const screen = renderTop(view([row(1), row(2, { rps: undefined, p99: undefined, state: 'draining' })]), 120, 30);
  const lines = screen.split('\n');
  assert.match(lines[0]!, /primary pid 77 .*up 1h02m .*workers 1 ready \/ 2 desired/);
  assert.match(lines[1]!, /total 247 req\/s {2}p99 ≤5ms/);
  assert.equal(lines[2], 'req/s ▁▁▁▂▄█'); // 0, 50, 100, 200, 400, 800 in eighths of 800
  const header = lines.find((l) => l.startsWith('ID'))!;
  assert.deepEqual(header.split(/\s+/), [
    'ID',
    'PID',
    'GEN',
    'STATE',
    'REQ/S',
    'P99',
    'RSS',
    'LAG(ms)',
    'RESTARTS',
    'STEER',
  ]);
  const w1 = lines.find((l) => /^\s*1\s+4001\b/.test(l))!;
  assert.deepEqual(w1.trim().split(/\s+/), ['1', '4001', '2', 'ready', '123', '≤2.5ms', '80.5M', '1.3', '0', '-']);
  const w2 = lines.find((l) => /^\s*2\s+4002\b/.test(l))!;
  assert.deepEqual(w2.trim().split(/\s+/), ['2', '4002', '2', 'draining', '-', '-', '80.5M', '1.3', '3', '-']);
  assert.match(lines.at(-1)!, /q quit/);
  for (const l of lines) assert.ok(l.length <= 120);
});

test('renderTop fits a narrow terminal: drops the least important columns, never wider than the width', () => {
  const history = Array.from({ length: 60 }, (_, i) => i);
  const screen = renderTop(view([row(1), row(2)], { history }), 40, 30);
  const lines = screen.split('\n');
  for (const l of lines) assert.ok(l.length <= 40, `too wide: ${JSON.stringify(l)}`);
  const header = lines.find((l) => l.startsWith('ID'))!;
  assert.match(header, /PID/);
  assert.match(header, /REQ\/S/);
  assert.match(header, /P99/);
  assert.doesNotMatch(header, /RESTARTS/);
  assert.equal(lines[2]!.length, 40);
  assert.ok(lines[2]!.endsWith('█'), 'the newest (largest) value is kept');
  assert.ok(lines[0]!.endsWith('…'), 'the long header line is cut');
});

test('renderTop fits a short terminal and shows a transient error', () => {
  const rows = Array.from({ length: 20 }, (_, i) => row(i + 1));
  const screen = renderTop(view(rows, { error: 'admin endpoint did not answer (retrying)' }), 100, 12);
  const lines = screen.split('\n');
  assert.ok(lines.length <= 12, screen);
  assert.match(screen, /… \d+ more worker\(s\)/);
  assert.match(screen, /! admin endpoint did not answer \(retrying\)/);
  const shown = lines.filter((l) => /^\s*\d+\s+40\d\d\b/.test(l)).length;
  assert.equal(shown + Number(/… (\d+) more/.exec(screen)![1]), 20);
});

test('renderTop shows load-aware steering: the mode and totals in the header, each worker state in STEER', () => {
  const rows = [row(1), row(2), row(3)];
  const slot = { exclusions: 1, excludedMs: 40 };
  const screen = renderTop(
    view(rows, {
      status: {
        primary: { pid: 77, version: '0.1.0', uptimeMs: 1000 },
        desiredWorkers: 3,
        workers: rows,
        steering: {
          mode: 'rescue',
          excluded: [2],
          events: { stalls: 2, exclusions: 1, inclusions: 0, rescues: 1 },
          slots: {
            1: { ...slot, excluded: false, stalled: false, rescued: 0 },
            2: { ...slot, excluded: true, stalled: true, rescued: 12 },
            3: { ...slot, excluded: false, stalled: true, rescued: 0 },
          },
        },
      },
    }),
    140,
    30,
  );
  const lines = screen.split('\n');
  assert.match(lines[1]!, /steering rescue: 1 away, 12 rescued$/);
  const steer = (id: number) =>
    lines
      .find((l) => new RegExp(`^\\s*${id}\\s+400${id}\\b`).test(l))!
      .trim()
      .split(/\s{2,}/)
      .at(-1);
  assert.equal(steer(1), '-');
  assert.equal(steer(2), 'away 12↷');
  assert.equal(steer(3), 'stalled');
  const off = renderTop(
    view(rows, {
      status: {
        ...view(rows).status,
        steering: {
          mode: 'off',
          excluded: [],
          events: { stalls: 0, exclusions: 0, inclusions: 0, rescues: 0 },
          slots: {},
        },
      },
    }),
    140,
    30,
  );
  assert.match(off.split('\n')[1]!, /steering off$/);
});
