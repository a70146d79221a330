import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { concurrencyLimiter } from './concurrency-limiter.js';
import { listen } from './http-test-helpers.js';

/** An app whose goal holds each request until `open()`; `arrived` counts requests before the limiter, `entered` after it. */
function gated(limiter: ReturnType<typeof concurrencyLimiter>) {
  let release!: () => void;
  let gate = new Promise<void>((r) => {
    release = r;
  });
  const state = { arrived: 0, inside: 0, maxInside: 0, entered: 0 };
  const router = new Router()
    .hoop(() => {
      state.arrived++;
    })
    .hoop(limiter)
    .goal(async () => {
      state.entered++;
      state.inside++;
      state.maxInside = Math.max(state.maxInside, state.inside);
      await gate;
      state.inside--;
      return 'done';
    });
  const open = () => {
    release();
    gate = new Promise<void>((r) => {
      release = r;
    });
  };
  return { router, state, open };
}

/** Waits (bounded) until `cond()` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(10);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test('concurrencyLimiter admits n at once and refuses the rest with 503 (no queue)', async () => {
  const { router, state, open } = gated(concurrencyLimiter(2, { retryAfter: 3 }));
  const first = [TestClient.get('/').send(router), TestClient.get('/').send(router)];
  await until(() => state.inside === 2, 'two requests inside');
  const refused = await TestClient.get('/').header('accept', 'application/json').send(router);
  assert.equal(refused.status, 503);
  assert.equal(refused.header('retry-after'), '3');
  assert.match(refused.text(), /more than 2 requests at once/);
  open();
  for (const res of await Promise.all(first)) assert.equal(res.status, 200);
  // Slots are released: the next request gets in.
  const again = TestClient.get('/').send(router);
  await until(() => state.inside === 1, 'a new request inside');
  open();
  assert.equal((await again).status, 200);
  assert.equal(state.maxInside, 2);
});

test('concurrencyLimiter queues up to maxQueue (FIFO) and refuses beyond it', async () => {
  const { router, state, open } = gated(concurrencyLimiter(1, { maxQueue: 2 }));
  const a = TestClient.get('/').send(router);
  await until(() => state.inside === 1, 'first inside');
  const b = TestClient.get('/').send(router);
  const c = TestClient.get('/').send(router);
  await until(() => state.arrived === 3, 'b and c queued');
  assert.equal(state.entered, 1);
  const d = await TestClient.get('/').send(router);
  assert.equal(d.status, 503);
  for (const expected of [2, 3]) {
    open();
    await until(() => state.entered === expected, `request ${expected} admitted`);
    assert.equal(state.inside, 1);
  }
  open();
  for (const res of await Promise.all([a, b, c])) assert.equal(res.status, 200);
  assert.equal(state.maxInside, 1);
});

test('concurrencyLimiter refuses a queued request after queueTimeout', async () => {
  const { router, state, open } = gated(concurrencyLimiter(1, { maxQueue: 5, queueTimeout: 50 }));
  const a = TestClient.get('/').send(router);
  await until(() => state.inside === 1, 'first inside');
  const b = await TestClient.get('/').send(router);
  assert.equal(b.status, 503);
  open();
  assert.equal((await a).status, 200);
  assert.equal(state.entered, 1);
});

test('a queued request whose client goes away leaves the queue', async () => {
  const { router, state, open } = gated(concurrencyLimiter(1, { maxQueue: 1 }));
  const server = await listen(router);
  try {
    const a = fetch(`http://127.0.0.1:${server.port}/`);
    await until(() => state.inside === 1, 'first inside');
    // Queue a request on a raw socket, then hang up.
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => state.arrived === 2, 'raw request queued');
    socket.destroy();
    // Once the server noticed, the queue slot is free again: a new request waits instead of 503.
    let queued: Promise<Response> | undefined;
    for (let i = 0; i < 100 && !queued; i++) {
      const attempt = fetch(`http://127.0.0.1:${server.port}/`);
      const early = await Promise.race([attempt, sleep(100).then(() => undefined)]);
      if (early === undefined) queued = attempt;
      else assert.equal(early.status, 503);
    }
    assert.ok(queued, 'the dead request never left the queue');
    open();
    await until(() => state.entered === 2, 'queued request admitted');
    open();
    assert.equal((await a).status, 200);
    assert.equal((await queued).status, 200);
    assert.equal(state.entered, 2); // the abandoned request never ran
  } finally {
    await server.close();
  }
});

test('concurrencyLimiter validates its arguments', () => {
  assert.throws(() => concurrencyLimiter(0), RangeError);
  assert.throws(() => concurrencyLimiter(1, { maxQueue: -1 }), RangeError);
  assert.throws(() => concurrencyLimiter(1, { status: 200 }), RangeError);
});
