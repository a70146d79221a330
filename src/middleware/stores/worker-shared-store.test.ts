import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyspace, storeContract } from './store-contract.js';
import { sharedStoreService, workerSharedStore } from './worker-shared-store.js';

// Outside `volley serve` (as here) the default falls back to a memory store, so the contract
// holds for it; the cross-worker behaviour is tested in test/middleware/shared-store.test.ts.
for (const [name, run] of Object.entries(storeContract)) {
  test(`workerSharedStore (no primary, memory fallback): ${name}`, () => run(workerSharedStore(), keyspace()));
}

test('workerSharedStore warns once when it falls back to memory', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const a = workerSharedStore();
    const b = workerSharedStore();
    await a.set('x', 1);
    await b.get('x');
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  // The contract tests above may already have triggered the one warning of this process.
  assert.ok(warnings.length <= 1);
  for (const w of warnings) assert.equal((w as { code?: string }).code, 'VOLLEY_SHARED_STORE_FALLBACK');
});

test("workerSharedStore({ withoutPrimary: 'throw' }) rejects every call with VOLLEY_ERR_STORE", async () => {
  const store = workerSharedStore({ withoutPrimary: 'throw' });
  await assert.rejects(store.increment('k', 1000), { code: 'VOLLEY_ERR_STORE', message: /volley serve/ });
  await assert.rejects(store.get('k'), { code: 'VOLLEY_ERR_STORE' });
});

test('sharedStoreService: the primary side answers each operation and refuses unknown ones', async () => {
  const service = sharedStoreService();
  assert.equal(await service('get', ['a'], 1), null, 'missing is null');
  await service('set', ['a', { v: 1 }], 1);
  assert.deepEqual(await service('get', ['a'], 2), { value: { v: 1 } }, 'found values are wrapped');
  await service('set', ['n', null], 1);
  assert.deepEqual(await service('get', ['n'], 2), { value: null });
  const c1 = (await service('increment', ['c', 5000], 1)) as { count: number; resetAt: number };
  const c2 = (await service('increment', ['c', 5000], 2)) as { count: number; resetAt: number };
  assert.equal(c1.count, 1);
  assert.equal(c2.count, 2, 'workers share one counter');
  assert.equal(c2.resetAt, c1.resetAt);
  assert.equal(await service('touch', ['a', 1000], 1), true);
  assert.equal(await service('touch', ['zz', 1000], 1), false);
  await service('delete', ['a'], 1);
  assert.equal(await service('get', ['a'], 1), null);
  assert.throws(() => service('flush', ['a'], 1), /no operation 'flush'/);
  assert.throws(() => service('get', [42], 1), /key must be a string/);
  assert.throws(() => service('increment', ['c', -1], 1), { code: 'VOLLEY_ERR_STORE' });
});
