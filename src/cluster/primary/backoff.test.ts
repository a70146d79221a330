import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './backoff.js';

test('restart delays start at 100 ms, double up to 15 s, and reset after 30 s of stable running', () => {
  const b = new Backoff();
  const delays = Array.from({ length: 10 }, () => b.next(50));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000]);
  assert.equal(b.next(30_000), 100);
  assert.equal(b.next(10), 200);
});
