import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { requestSignal, timeout } from './timeout.js';

/** Resolves when `signal` aborts (bounded by the test's own timeout). */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

test('timeout answers 503 when the handler is too slow, aborts its signal and discards its late response', async () => {
  let lateDoneResolve!: () => void;
  const lateDone = new Promise<void>((resolve) => {
    lateDoneResolve = resolve;
  });
  let seen: AbortSignal | undefined;
  let afterRan = false;
  const router = new Router().push(
    new Router('slow')
      .hoop(timeout(50))
      .hoop(async (_req, _res, depot, ctrl) => {
        seen = requestSignal(depot);
        await aborted(seen!); // the hoop below is never reached: the chain stops at the timeout
        await ctrl.callNext();
      })
      .get((_req, res) => {
        afterRan = true;
        res.text('never');
      }),
  );
  router.push(
    new Router('late').hoop(timeout(50)).get(async (_req, res, depot) => {
      // Reacts to the abort at once (the tightest race with the 503), then once more later.
      await aborted(depot.get<AbortSignal>('signal')!);
      res.status(200).header('x-late', '1').text('late body');
      await sleep(20);
      res.header('x-later', '1').text('later body');
      lateDoneResolve();
      return 'late return';
    }),
  );
  const res = await TestClient.get('/slow').send(router);
  assert.equal(res.status, 503);
  assert.match(res.text(), /503 Service Unavailable: the request timed out after 50 ms/);
  const reason = (await aborted(seen!)) as DOMException; // aborted once the 503 went out
  assert.equal(reason.name, 'TimeoutError');
  assert.equal(afterRan, false);

  const late = await TestClient.get('/late').send(router);
  assert.equal(late.status, 503);
  await lateDone;
  assert.equal(late.header('x-late'), undefined);
  assert.equal(late.header('x-later'), undefined);
  assert.doesNotMatch(late.text(), /late/);
  // The connection and the app keep working.
  assert.equal((await TestClient.get('/missing').send(router)).status, 404);
});

test('timeout restores headers set by the timed-out chain, keeps earlier ones, and honours options.status', async () => {
  const router = new Router()
    .hoop((_req, res) => {
      res.header('x-before', 'kept');
    })
    .hoop(timeout(30, { status: 504, message: 'upstream too slow' }))
    .goal(async (_req, res, depot) => {
      res.header('set-cookie', 'partial=1');
      await aborted(requestSignal(depot)!);
    });
  const res = await TestClient.get('/').header('accept', 'application/json').send(router);
  assert.equal(res.status, 504);
  assert.equal(res.header('x-before'), 'kept');
  assert.equal(res.header('set-cookie'), undefined);
  assert.deepEqual(res.json(), { error: { code: 504, name: 'Gateway Timeout', detail: 'upstream too slow' } });
});

test('timeout lets a fast chain through untouched and does not abort its signal', async () => {
  let signal: AbortSignal | undefined;
  const router = new Router().hoop(timeout(5_000)).goal((_req, res, depot) => {
    signal = requestSignal(depot);
    res.status(201).header('x-fast', 'yes');
    return 'quick';
  });
  const res = await TestClient.get('/').send(router);
  assert.equal(res.status, 201);
  assert.equal(res.text(), 'quick');
  assert.equal(res.header('x-fast'), 'yes');
  assert.equal(signal?.aborted, false);
});

test('nested timeouts: the inner signal aborts when the outer one fires first', async () => {
  let inner: AbortSignal | undefined;
  const router = new Router()
    .hoop(timeout(40))
    .hoop(timeout(60_000))
    .goal(async (_req, _res, depot) => {
      inner = requestSignal(depot);
      await aborted(inner!);
    });
  const res = await TestClient.get('/').send(router);
  assert.equal(res.status, 503);
  await aborted(inner!);
  assert.ok(inner?.aborted);
});

test('timeout validates its arguments', () => {
  assert.throws(() => timeout(0), RangeError);
  assert.throws(() => timeout(Number.NaN), RangeError);
  assert.throws(() => timeout(10, { status: 200 }), RangeError);
});
