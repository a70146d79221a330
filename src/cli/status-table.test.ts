import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SupervisorStatus, WorkerStatus } from '../cluster/primary/supervisor.js';
import { formatStatusTable } from './status-table.js';

const worker = (id: number, extra: Partial<WorkerStatus> = {}): WorkerStatus => ({
  id,
  pid: 100 + id,
  generation: 1,
  state: 'ready',
  restarts: 0,
  requests: 5,
  rssBytes: 50 * 1048576,
  eventLoopLagMs: 1.25,
  startedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

const status = (workers: WorkerStatus[]): SupervisorStatus => ({
  primary: { pid: 7, version: '0.1.0', uptimeMs: 61_000 },
  desiredWorkers: workers.length,
  workers,
});

test('one row per worker under a header', () => {
  const lines = formatStatusTable(status([worker(1), worker(2)])).split('\n');
  assert.equal(lines[0], 'primary pid 7, volley 0.1.0, up 61s, 2 worker(s) wanted');
  assert.match(lines[1]!, /^ID\s+PID\s+GEN\s+STATE/);
  assert.match(lines[2]!, /^1\s+101\s+1\s+ready\s+0\s+5\s+50\.0M\s+1\.3\s*$/);
  assert.equal(lines.length, 4);
});

test('a failed successor is shown beside the worker that kept serving', () => {
  const failed = {
    pid: 999,
    generation: 2,
    error: 'app module must default-export a Router',
    at: '2026-01-01T00:01:00.000Z',
  };
  const text = formatStatusTable(status([worker(1, { lastFailure: failed }), worker(2)]));
  assert.match(
    text,
    /worker 1: generation 2 \(pid 999\) failed to start at 2026-01-01T00:01:00.000Z; pid 101 kept serving: app module must default-export a Router/,
  );
});
