import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { logsRoute } from './admin-logs.js';
import { LogBacklog } from './log-backlog.js';
import type { LogRecord } from './log-sink.js';

function record(worker: number, msg: string, at = Date.now()): LogRecord {
  return { at, worker, pid: 10 + worker, stream: 'stdout', level: 'info', msg, json: JSON.stringify({ worker, msg }) };
}

async function serve(backlog: LogBacklog) {
  const server = http.createServer(logsRoute(backlog));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('GET /logs: the backlog as NDJSON, filtered by worker, since and lines; a bad query is a 400', async (t) => {
  const backlog = new LogBacklog();
  backlog.push(record(1, 'old', Date.now() - 600_000));
  for (let i = 0; i < 5; i++) backlog.push(record((i % 2) + 1, `m${i}`));
  const { server, base } = await serve(backlog);
  t.after(() => server.close());
  const lines = async (q: string) =>
    (await (await fetch(`${base}/logs?follow=0&${q}`)).text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).msg);
  assert.deepEqual(await lines(''), ['old', 'm0', 'm1', 'm2', 'm3', 'm4']);
  assert.deepEqual(await lines('worker=2'), ['m1', 'm3']);
  assert.deepEqual(await lines('since=60000'), ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.deepEqual(await lines('lines=2&worker=1'), ['m2', 'm4']);
  const bad = await fetch(`${base}/logs?worker=two`);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /worker=N/);
});

test('GET /logs follows: records pushed after the request arrive on the open response, only the asked worker', {
  timeout: 10_000,
}, async (t) => {
  const backlog = new LogBacklog();
  const { server, base } = await serve(backlog);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const res = await fetch(`${base}/logs?worker=2`);
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
  const reader = res.body!.getReader();
  backlog.push(record(1, 'not me'));
  backlog.push(record(2, 'live one'));
  const { value } = await reader.read();
  const text = Buffer.from(value!).toString();
  assert.equal(JSON.parse(text.trim()).msg, 'live one');
  await reader.cancel();
});
