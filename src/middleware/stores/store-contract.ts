/**
 * The behaviour every Store must have (not a test file itself): each test file runs these
 * cases against its store (memory, worker-shared, Redis). Real time with short TTLs, so the
 * same cases work for stores whose clock is not ours.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from './store.js';

type Case = (store: Store, key: (name: string) => string) => Promise<void>;

export const storeContract: Record<string, Case> = {
  'get of a missing key is undefined': async (store, key) => {
    assert.equal(await store.get(key('missing')), undefined);
  },
  'set then get round-trips JSON values as copies': async (store, key) => {
    const value = { a: 1, list: [1, 'two', { three: true }], nested: { s: 'é' } };
    await store.set(key('obj'), value);
    value.a = 99;
    const got = await store.get<typeof value>(key('obj'));
    assert.deepEqual(got, { a: 1, list: [1, 'two', { three: true }], nested: { s: 'é' } });
    got!.a = 42;
    assert.equal((await store.get<typeof value>(key('obj')))!.a, 1);
    await store.set(key('str'), 'text');
    assert.equal(await store.get(key('str')), 'text');
    await store.set(key('num'), 0);
    assert.equal(await store.get(key('num')), 0);
  },
  'a stored null reads back as null, not as missing': async (store, key) => {
    await store.set(key('null'), null);
    assert.equal(await store.get(key('null')), null);
  },
  'set overwrites value and TTL': async (store, key) => {
    await store.set(key('k'), 1, 60);
    await store.set(key('k'), 2);
    await sleep(150);
    assert.equal(await store.get(key('k')), 2);
  },
  'a value with a TTL expires; one without stays': async (store, key) => {
    await store.set(key('short'), 'x', 60);
    await store.set(key('forever'), 'y');
    assert.equal(await store.get(key('short')), 'x');
    await sleep(150);
    assert.equal(await store.get(key('short')), undefined);
    assert.equal(await store.get(key('forever')), 'y');
  },
  'delete removes a key; deleting a missing key is fine': async (store, key) => {
    await store.set(key('d'), { x: 1 });
    await store.delete(key('d'));
    assert.equal(await store.get(key('d')), undefined);
    await store.delete(key('never-there'));
  },
  'increment counts from 1 in one window that later increments do not extend': async (store, key) => {
    const before = Date.now();
    const first = await store.increment(key('c'), 10_000);
    assert.equal(first.count, 1);
    assert.ok(first.resetAt >= before + 9_000 && first.resetAt <= Date.now() + 10_050, `resetAt ${first.resetAt}`);
    await sleep(300);
    const second = await store.increment(key('c'), 10_000);
    const third = await store.increment(key('c'), 10_000);
    assert.equal(second.count, 2);
    assert.equal(third.count, 3);
    assert.ok(Math.abs(third.resetAt - first.resetAt) < 100, `window moved: ${first.resetAt} -> ${third.resetAt}`);
    assert.equal(await store.get(key('c')), 3, 'a counter reads back as its count');
  },
  'an expired window starts again at 1': async (store, key) => {
    await store.increment(key('w'), 80);
    await store.increment(key('w'), 80);
    await sleep(200);
    assert.equal((await store.increment(key('w'), 80)).count, 1);
  },
  'concurrent increments are atomic: 100 calls give each count 1..100 once': async (store, key) => {
    const results = await Promise.all(Array.from({ length: 100 }, () => store.increment(key('many'), 10_000)));
    assert.deepEqual(
      results.map((r) => r.count).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  },
  'touch extends an existing key and reports a missing one': async (store, key) => {
    await store.set(key('t'), 'v', 80);
    assert.equal(await store.touch(key('t'), 5_000), true);
    await sleep(200);
    assert.equal(await store.get(key('t')), 'v');
    assert.equal(await store.touch(key('nothing'), 1_000), false);
  },
  'bad TTLs and non-serialisable values are refused with VOLLEY_ERR_STORE': async (store, key) => {
    const isStoreError = (err: unknown) => (err as { code?: string }).code === 'VOLLEY_ERR_STORE';
    await assert.rejects(store.increment(key('bad'), 0), isStoreError);
    await assert.rejects(store.increment(key('bad'), Number.NaN), isStoreError);
    await assert.rejects(store.set(key('bad'), 1, -5), isStoreError);
    await assert.rejects(store.set(key('bad'), { n: 1n }), isStoreError);
    await assert.rejects(store.set(key('bad'), undefined), isStoreError);
    assert.equal(await store.get(key('bad')), undefined);
  },
};

/** A key namer unique to one run of one case, so cases never see each other's keys. */
export function keyspace(): (name: string) => string {
  const run = randomUUID().slice(0, 8);
  return (name) => `contract:${run}:${name}`;
}
