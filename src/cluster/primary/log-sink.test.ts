import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { formatJson, LogSink, MAX_BUFFERED_BYTES } from './log-sink.js';

function collect(format: 'text' | 'json'): { sink: LogSink; lines: () => string[] } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { sink: new LogSink(out, format), lines: () => text.split('\n').filter(Boolean) };
}

test('text lines are tagged with worker id, pid and stream', async () => {
  const { sink, lines } = collect('text');
  sink.line({ worker: 2, pid: 4242, stream: 'stdout' }, 'hello');
  sink.line({ worker: 2, pid: 4242, stream: 'stderr' }, 'oops');
  sink.event('worker 2 ready');
  await new Promise((r) => setImmediate(r));
  const [a, b, c] = lines();
  assert.match(a!, /^\d{4}-\d\d-\d\dT[\d:.]+Z \[worker 2 4242\] hello$/);
  assert.match(b!, /\[worker 2 4242 stderr\] oops$/);
  assert.match(c!, new RegExp(`\\[primary ${process.pid}\\] worker 2 ready$`));
});

test('json lines have time, worker, pid, stream, msg; a JSON line is merged, not wrapped', () => {
  const plain = JSON.parse(formatJson('2026-01-01T00:00:00.000Z', { worker: 1, pid: 7, stream: 'stdout' }, 'hi'));
  assert.deepEqual(plain, {
    time: '2026-01-01T00:00:00.000Z',
    level: 'info',
    worker: 1,
    pid: 7,
    stream: 'stdout',
    msg: 'hi',
  });
  const pino = JSON.parse(
    formatJson(
      '2026-01-01T00:00:00.000Z',
      { worker: 3, pid: 9, stream: 'stdout' },
      '{"level":30,"time":1,"msg":"req"}',
    ),
  );
  assert.deepEqual(pino, { time: 1, level: 'info', msg: 'req', worker: 3, pid: 9, stream: 'stdout' });
  const bunyanError = JSON.parse(formatJson('t', { worker: 1, pid: 2, stream: 'stdout' }, '{"level":50,"msg":"x"}'));
  assert.equal(bunyanError.level, 'error');
  const noLevel = JSON.parse(formatJson('t', { worker: 1, pid: 2, stream: 'stderr' }, '{"msg":"x"}'));
  assert.equal(noLevel.level, 'error', "a JSON line without a level gets its stream's");
  const notObject = JSON.parse(formatJson('t', { worker: 0, pid: 1, stream: 'primary' }, '{broken'));
  assert.equal(notObject.msg, '{broken');
  assert.equal(notObject.worker, 'primary');
});

test('a blocked output drops lines past the buffer bound and counts them, never blocking', () => {
  // A writable that never drains: everything stays buffered in writableLength.
  const stuck = new Writable({ highWaterMark: 1, write() {} });
  const sink = new LogSink(stuck, 'text');
  const line = 'y'.repeat(64 * 1024);
  const writes = Math.ceil(MAX_BUFFERED_BYTES / line.length) + 50;
  for (let i = 0; i < writes; i++) sink.line({ worker: 1, pid: 1, stream: 'stdout' }, line);
  assert.ok(sink.dropped >= 40, `dropped ${sink.dropped}`);
  assert.ok(stuck.writableLength <= MAX_BUFFERED_BYTES + 2 * line.length + 200);
});

test('a multi-line record is one JSON object, and text lines each keep the prefix', async () => {
  const stack = 'Error: boom\n    at f (/a.js:1:1)';
  const json = collect('json');
  json.sink.line({ worker: 1, pid: 5, stream: 'stderr' }, stack);
  const text = collect('text');
  text.sink.line({ worker: 1, pid: 5, stream: 'stderr' }, stack);
  await new Promise((r) => setImmediate(r));
  assert.equal(json.lines().length, 1);
  const record = JSON.parse(json.lines()[0]!);
  assert.equal(record.msg, stack);
  assert.equal(record.level, 'error');
  assert.equal(text.lines().length, 2);
  assert.match(text.lines()[1]!, /\[worker 1 5 stderr\] {5}at f \(\/a\.js:1:1\)$/);
});

test('onRecord listeners see every record with its level and JSON, even ones the output drops', () => {
  const stuck = new Writable({ highWaterMark: 1, write() {} });
  const sink = new LogSink(stuck, 'text');
  const seen: string[] = [];
  const off = sink.onRecord((r) => seen.push(`${r.worker}:${r.level}:${r.msg}:${JSON.parse(r.json).msg}`));
  const big = 'z'.repeat(MAX_BUFFERED_BYTES + 10);
  sink.line({ worker: 1, pid: 1, stream: 'stdout' }, big);
  sink.line({ worker: 2, pid: 1, stream: 'stderr' }, 'after');
  assert.equal(sink.dropped, 1);
  assert.equal(seen.length, 2);
  assert.equal(seen[1], '2:error:after:after');
  off();
  sink.line({ worker: 2, pid: 1, stream: 'stderr' }, 'unseen');
  assert.equal(seen.length, 2);
});
