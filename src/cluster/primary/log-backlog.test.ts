import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogBacklog } from './log-backlog.js';
import type { LogRecord } from './log-sink.js';

function record(at: number, worker: number, msg: string): LogRecord {
  return { at, worker, pid: 100 + worker, stream: 'stdout', level: 'info', msg, json: JSON.stringify({ msg }) };
}

test('keeps at most maxRecords records, the newest, oldest first', () => {
  const b = new LogBacklog({ maxRecords: 3 });
  for (let i = 1; i <= 5; i++) b.push(record(i, 1, `m${i}`));
  assert.deepEqual(
    b.query().map((r) => r.msg),
    ['m3', 'm4', 'm5'],
  );
  assert.equal(b.size, 3);
});

test('keeps at most maxChars characters; one record bigger than that is not kept but still followed', () => {
  const b = new LogBacklog({ maxChars: 60 });
  const seen: string[] = [];
  b.follow((r) => seen.push(r.msg));
  b.push(record(1, 1, 'a'.repeat(10))); // 10 + 20 chars
  b.push(record(2, 1, 'b'.repeat(10)));
  b.push(record(3, 1, 'c'.repeat(10)));
  assert.deepEqual(
    b.query().map((r) => r.msg[0]),
    ['b', 'c'],
  );
  assert.ok(b.chars <= 60);
  b.push(record(4, 1, 'd'.repeat(100)));
  assert.equal(b.size, 0);
  assert.equal(b.chars, 0);
  assert.equal(seen.length, 4);
});

test('query filters by worker and time and takes the last N', () => {
  const b = new LogBacklog();
  for (let i = 1; i <= 10; i++) b.push(record(i * 1000, (i % 2) + 1, `m${i}`));
  assert.deepEqual(
    b.query({ worker: 2 }).map((r) => r.msg),
    ['m1', 'm3', 'm5', 'm7', 'm9'],
  );
  assert.deepEqual(
    b.query({ since: 8000 }).map((r) => r.msg),
    ['m8', 'm9', 'm10'],
  );
  assert.deepEqual(
    b.query({ worker: 1, last: 2 }).map((r) => r.msg),
    ['m8', 'm10'],
  );
});
