import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore, memoryStore } from './memory-store.js';
import { keyspace, storeContract } from './store-contract.js';

for (const [name, run] of Object.entries(storeContract)) {
  test(`memoryStore: ${name}`, () => run(memoryStore(), keyspace()));
}

test('memoryStore: expired entries are swept a bounded batch per write, without reads', () => {
  let now = 1_000;
  const store = new MemoryStore({ now: () => now, sweepBatch: 10 });
  for (let i = 0; i < 100; i++) store.setSync(`old${i}`, i, 50);
  assert.equal(store.size, 100);
  now += 100; // all 100 have expired
  store.setSync('fresh', 'x');
  // One write examines at most 10 entries: the sweep is incremental, never a full scan.
  assert.ok(store.size >= 91 && store.size <= 92, `size ${store.size}`);
  for (let i = 0; i < 20; i++) store.setSync(`fresh${i}`, i);
  assert.equal(store.size, 21, 'every expired entry is gone after enough writes');
  assert.equal(store.getSync('fresh'), 'x');
});

test('memoryStore: expiry follows the clock exactly', () => {
  let now = 0;
  const store = new MemoryStore({ now: () => now });
  store.setSync('k', 1, 100);
  assert.deepEqual(store.incrementSync('c', 100), { count: 1, resetAt: 100 });
  now = 99;
  assert.equal(store.getSync('k'), 1);
  assert.deepEqual(store.incrementSync('c', 100), { count: 2, resetAt: 100 });
  now = 100;
  assert.equal(store.getSync('k'), undefined);
  assert.deepEqual(store.incrementSync('c', 100), { count: 1, resetAt: 200 });
});

test('memoryStore: maxEntries drops the oldest-written keys', () => {
  const store = new MemoryStore({ maxEntries: 3 });
  for (const k of ['a', 'b', 'c']) store.setSync(k, k);
  store.setSync('a', 'a2'); // rewriting makes 'a' the newest
  store.setSync('d', 'd');
  assert.equal(store.size, 3);
  assert.equal(store.getSync('b'), undefined);
  assert.equal(store.getSync('a'), 'a2');
  assert.equal(store.getSync('d'), 'd');
});

test('memoryStore: incrementing a key that holds a non-count is a StoreError', async () => {
  const store = memoryStore();
  await store.set('s', 'text');
  await assert.rejects(store.increment('s', 1000), { code: 'VOLLEY_ERR_STORE' });
});
