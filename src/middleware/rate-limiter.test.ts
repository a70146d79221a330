import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Service } from '../http/service.js';
import { TestClient, type TestResponse } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { rateLimiter } from './rate-limiter.js';
import { memoryStore } from './stores/memory-store.js';
import type { Store } from './stores/store.js';

const app = (limiter: ReturnType<typeof rateLimiter>) => new Service(new Router().get(() => 'ok')).hoop(limiter);
const statuses = (responses: TestResponse[]) => responses.map((r) => r.status);

/**
 * A clock the test moves by hand, given to the limiter (whose default memory store reads it
 * too): window edges are then exact instants, with no sleeping and nothing for a loaded
 * machine to be late for.
 */
function manualClock(start: number) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    /** Moves to `offset` ms into the window of length `windowMs` after the current one. */
    toNextWindow: (windowMs: number, offset: number) => {
      t = (Math.floor(t / windowMs) + 1) * windowMs + offset;
    },
  };
}

test('fixed window: max requests pass with RateLimit-* headers, then 429 with Retry-After', async () => {
  const clock = manualClock(1_000_000);
  const svc = app(rateLimiter({ max: 3, windowMs: 60_000, now: clock.now }));
  const got: TestResponse[] = [];
  for (let i = 0; i < 5; i++) got.push(await TestClient.get('/').send(svc));
  assert.deepEqual(statuses(got), [200, 200, 200, 429, 429]);
  assert.deepEqual(
    got.map((r) => r.header('ratelimit-remaining')),
    ['2', '1', '0', '0', '0'],
  );
  for (const r of got) {
    assert.equal(r.header('ratelimit-limit'), '3');
    assert.equal(r.header('ratelimit-policy'), '3;w=60');
    // The clock has not moved since the window opened: the whole window is left.
    assert.equal(r.header('ratelimit-reset'), '60');
  }
  assert.equal(got[0]!.header('retry-after'), undefined);
  assert.equal(got[3]!.header('retry-after'), '60');
  assert.match(got[3]!.text(), /429 Too Many Requests: rate limit exceeded/);
  // 20.5 s later, 39.5 s of the window are left: both headers round up to whole seconds.
  clock.advance(20_500);
  const later = await TestClient.get('/').send(svc);
  assert.equal(later.status, 429);
  assert.equal(later.header('ratelimit-reset'), '40');
  assert.equal(later.header('retry-after'), '40');
});

test('fixed window: a new window admits again once the old one ends', async () => {
  const clock = manualClock(5_000);
  const svc = app(rateLimiter({ max: 2, windowMs: 1000, now: clock.now }));
  const first = [await TestClient.get('/').send(svc), await TestClient.get('/').send(svc)];
  assert.deepEqual(statuses(first), [200, 200]);
  assert.equal((await TestClient.get('/').send(svc)).status, 429);
  clock.advance(999);
  assert.equal((await TestClient.get('/').send(svc)).status, 429, 'the window is still open 1 ms before its end');
  clock.advance(1);
  const again = await TestClient.get('/').send(svc);
  assert.equal(again.status, 200);
  assert.equal(again.header('ratelimit-remaining'), '1');
});

test('key function: each key has its own budget', async () => {
  const svc = app(rateLimiter({ max: 1, windowMs: 60_000, key: (req) => req.header('x-user') ?? 'anon' }));
  const a1 = await TestClient.get('/').header('x-user', 'a').send(svc);
  const b1 = await TestClient.get('/').header('x-user', 'b').send(svc);
  const a2 = await TestClient.get('/').header('x-user', 'a').send(svc);
  assert.deepEqual(statuses([a1, b1, a2]), [200, 200, 429]);
});

test('by IP, X-Forwarded-For is ignored unless the peer is a trusted proxy', async () => {
  const untrusting = app(rateLimiter({ max: 1, windowMs: 60_000 }));
  const u1 = await TestClient.get('/').header('x-forwarded-for', '1.1.1.1').send(untrusting);
  const u2 = await TestClient.get('/').header('x-forwarded-for', '2.2.2.2').send(untrusting);
  assert.deepEqual(statuses([u1, u2]), [200, 429], 'a client cannot pick its own key');

  const trusting = app(rateLimiter({ max: 1, windowMs: 60_000, trustProxy: ['loopback', '10.0.0.0/8'] }));
  const t1 = await TestClient.get('/').header('x-forwarded-for', '1.1.1.1').send(trusting);
  const t2 = await TestClient.get('/').header('x-forwarded-for', '2.2.2.2').send(trusting);
  // The client wrote '9.9.9.9' itself; 10.0.0.5 is a trusted hop; 1.1.1.1 is what our proxies saw.
  const t3 = await TestClient.get('/').header('x-forwarded-for', '9.9.9.9, 1.1.1.1, 10.0.0.5').send(trusting);
  assert.deepEqual(statuses([t1, t2, t3]), [200, 200, 429]);
});

test('sliding window: the previous window still weighs on the next one', async () => {
  const windowMs = 1000;
  const clock = manualClock(10_000);
  const store = memoryStore({ now: clock.now });
  const svc = app(rateLimiter({ max: 4, windowMs, algorithm: 'sliding', store, now: clock.now }));
  // 20 ms into a clock-aligned window.
  clock.advance(20);
  const burst: TestResponse[] = [];
  for (let i = 0; i < 8; i++) burst.push(await TestClient.get('/').send(svc));
  assert.deepEqual(statuses(burst), [200, 200, 200, 200, 429, 429, 429, 429]);
  assert.ok(Number(burst[4]!.header('retry-after')) >= 1);
  // 150 ms into the next window, the 8 counted requests weigh 8 * 0.85 -> 6, plus this one: 7
  // of 4, refused; a fixed window would have reset here.
  clock.toNextWindow(windowMs, 150);
  const early = await TestClient.get('/').send(svc);
  assert.equal(early.status, 429);
  assert.equal(early.header('ratelimit-remaining'), '0');
  // 850 ms into it the previous window weighs 8 * 0.15 -> 1, plus this window's 2: 3 of 4.
  clock.advance(700);
  const late = await TestClient.get('/').send(svc);
  assert.equal(late.status, 200);
  assert.equal(late.header('ratelimit-limit'), '4');
  assert.equal(late.header('ratelimit-remaining'), '1');
});

test('a failing store is a 500, or lets requests through with failOpen', async () => {
  const down = () => Promise.reject(new Error('store down'));
  const broken: Store = { get: down, set: down, delete: down, increment: down, touch: down };
  const quiet = { logError: () => undefined };
  const closed = new Service(
    new Router().get(() => 'ok'),
    quiet,
  ).hoop(rateLimiter({ max: 1, windowMs: 1000, store: broken }));
  assert.equal((await TestClient.get('/').send(closed)).status, 500);
  const open = new Service(
    new Router().get(() => 'ok'),
    quiet,
  ).hoop(rateLimiter({ max: 1, windowMs: 1000, store: broken, failOpen: true }));
  const res = await TestClient.get('/').send(open);
  assert.equal(res.status, 200);
  assert.equal(res.header('ratelimit-limit'), undefined);
});

test('headers: false sends no RateLimit-* headers, but a 429 still has Retry-After; skip() is not counted', async () => {
  const svc = app(
    rateLimiter({ max: 1, windowMs: 60_000, headers: false, skip: (req) => req.header('x-internal') === 'yes' }),
  );
  const skipped = await TestClient.get('/').header('x-internal', 'yes').send(svc);
  const r1 = await TestClient.get('/').send(svc);
  const r2 = await TestClient.get('/').send(svc);
  assert.deepEqual(statuses([skipped, r1, r2]), [200, 200, 429]);
  assert.equal(r1.header('ratelimit-limit'), undefined);
  assert.equal(r2.header('ratelimit-remaining'), undefined);
  assert.ok(Number(r2.header('retry-after')) >= 1);
});

test('concurrent requests: exactly max of them are admitted', async () => {
  const svc = app(rateLimiter({ max: 10, windowMs: 60_000, key: () => 'all' }));
  const got = await Promise.all(Array.from({ length: 30 }, () => TestClient.get('/').send(svc)));
  assert.equal(got.filter((r) => r.status === 200).length, 10);
  assert.equal(got.filter((r) => r.status === 429).length, 20);
});

test('bad options are refused when the hoop is built', () => {
  assert.throws(() => rateLimiter({ max: -1, windowMs: 1000 }), /max/);
  assert.throws(() => rateLimiter({ max: 1.5, windowMs: 1000 }), /max/);
  assert.throws(() => rateLimiter({ max: 1, windowMs: 0 }), /windowMs/);
  assert.throws(() => rateLimiter({ max: 1, windowMs: 1000, algorithm: 'leaky' as 'fixed' }), /algorithm/);
  assert.throws(() => rateLimiter({ max: 1, windowMs: 1000, trustProxy: ['not-an-ip'] }), /trustProxy/);
});
