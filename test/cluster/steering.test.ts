/**
 * Load-aware steering end to end (issue 19): one worker of `volley serve --workers 2` blocks
 * its event loop for 2 s (less than the heartbeat timeout, so nobody restarts it); fresh
 * connections arriving meanwhile must be served by the other worker. With `--steering off`
 * the same block holds every connection the kernel hashes to the blocked worker: that run
 * shows the check below can fail.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { sleep } from '../helpers/net.js';
import { serveFixture } from '../helpers/volley-process.js';

const BLOCK_MS = 2000;
const CONNECTIONS = 50;

type Answer = { ms: number; pid: number | undefined; error?: string };

/**
 * GET /whoami on a fresh connection with node:http (agent: false): the lightest real client,
 * so the time measured is the server's, not a client's start-up (undici's first 50 parallel
 * requests add tens of ms of their own on this machine).
 */
function whoami(port: number): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/whoami', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ ms: performance.now() - t0, pid: (JSON.parse(body) as { pid: number }).pid }));
    });
    req.on('error', (err) => resolve({ ms: performance.now() - t0, pid: undefined, error: err.message }));
  });
}

/** Blocks one worker for BLOCK_MS, then opens CONNECTIONS fresh connections at once. */
async function blockAndConnect(steering: string) {
  const { volley, port, admin } = await serveFixture({ workers: 2, admin: true, args: ['--steering', steering] });
  try {
    await volley.ready();
    // Warm both workers first (their first requests compile the app's code): the answers below
    // then time steering and the other worker's serving, not a cold start.
    await Promise.all(Array.from({ length: 40 }, () => whoami(port)));
    // /busy answers, then burns the CPU of whichever worker took it; find out which.
    const busy = await freshFetch(`http://127.0.0.1:${port}/busy?ms=${BLOCK_MS}`);
    const busyPid = Number(busy.headers.get('x-worker-pid') ?? Number.NaN);
    await busy.text();
    await sleep(50);
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: CONNECTIONS }, () => whoami(port)));
    const allDoneMs = performance.now() - started;
    const status = (await freshFetch(`http://127.0.0.1:${admin}/status`).then((r) => r.json())) as {
      workers: { id: number; pid: number }[];
      steering: {
        mode: string;
        events: { exclusions: number; rescues: number };
        slots: Record<string, { rescued: number }>;
      };
    };
    const metrics = await freshFetch(`http://127.0.0.1:${admin}/metrics`).then((r) => r.text());
    return { answers, allDoneMs, status, busyPid, metrics };
  } finally {
    await volley.dispose();
  }
}

function summary(answers: Answer[]): string {
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  const byPid = new Map<number | undefined, number>();
  for (const a of answers) byPid.set(a.pid, (byPid.get(a.pid) ?? 0) + 1);
  return `p50 ${ms[ms.length >> 1]!.toFixed(1)} ms, max ${ms.at(-1)!.toFixed(1)} ms, by pid ${JSON.stringify([...byPid])}`;
}

test('rescue (the default): while one worker is blocked for 2 s, 50 fresh connections are all answered by the other within 200 ms', async (t) => {
  const { answers, allDoneMs, status, busyPid, metrics } = await blockAndConnect('rescue');
  t.diagnostic(`steering rescue: ${summary(answers)}; all answered after ${allDoneMs.toFixed(0)} ms`);
  t.diagnostic(`status.steering: ${JSON.stringify(status.steering)}`);
  assert.deepEqual(
    answers.filter((a) => a.error),
    [],
  );
  const slowest = Math.max(...answers.map((a) => a.ms));
  assert.ok(slowest < 200, `the slowest connection took ${slowest.toFixed(1)} ms (${summary(answers)})`);
  assert.ok(allDoneMs < BLOCK_MS - 500, 'all answered while the blocked worker was still blocked');
  assert.ok(
    answers.every((a) => a.pid !== busyPid),
    `every answer came from the worker that is not blocked (blocked pid ${busyPid})`,
  );
  assert.equal(status.steering.mode, 'rescue');
  assert.ok(status.steering.events.exclusions >= 1, 'the blocked worker was steered away from');
  const rescued = Object.values(status.steering.slots).reduce((n, s) => n + s.rescued, 0);
  assert.ok(rescued >= 1, 'the connections hashed to it before it was steered away were rescued');
  // The same in /metrics.
  const series = (re: RegExp) => [...metrics.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(series(/^volley_steer_events_total\{event="exclusion"\} (\S+)$/gm), status.steering.events.exclusions);
  assert.equal(series(/^volley_steer_rescued_connections_total\{worker="\d+"\} (\S+)$/gm), rescued);
  assert.ok(series(/^volley_steer_excluded_seconds_total\{worker="\d+"\} (\S+)$/gm) > 0);
});

test('off: the same block holds the connections the kernel hashes to the blocked worker for the whole block', async (t) => {
  const { answers, status } = await blockAndConnect('off');
  t.diagnostic(`steering off: ${summary(answers)}`);
  assert.equal(status.steering.mode, 'off');
  const held = answers.filter((a) => a.ms > BLOCK_MS / 2);
  assert.ok(held.length >= 1, `no connection waited for the blocked worker (${summary(answers)})`);
});
