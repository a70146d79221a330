import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router } from '../routing/index.js';
import { TestClient } from './test-client.js';

/** Runs `fn` with req.log's lines on process.stdout captured (the test runner's own output passes through). */
async function captureStdout(fn: () => Promise<void>): Promise<string[]> {
  const original = process.stdout.write;
  const lines: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{"level"')) {
      lines.push(chunk);
      return true;
    }
    return (original as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = original;
  }
  return lines;
}

test('req.log writes pino JSON lines to stdout carrying the request id; child() adds bindings', async () => {
  let same = false;
  const app = new Router().push(
    new Router('orders/{id}').get((req) => {
      const first = req.log;
      same = first === req.log;
      req.log.info({ order: req.param('id') }, 'looking up %s', 'order');
      req.log.child({ step: 'pay' }).warn('slow');
      req.log.debug('not at the default level');
      return 'ok';
    }),
  );
  const lines = await captureStdout(async () => {
    const res = await TestClient.get('/orders/7').header('x-request-id', 'abc-123').send(app);
    assert.equal(res.status, 200);
  });
  assert.ok(same, 'one logger per request, made once');
  const records = lines.map((l) => JSON.parse(l));
  assert.equal(records.length, 2);
  assert.equal(records[0].level, 30);
  assert.equal(records[0].reqId, 'abc-123');
  assert.equal(records[0].order, '7');
  assert.equal(records[0].msg, 'looking up order');
  assert.match(records[0].time, /^\d{4}-\d\d-\d\dT/);
  assert.equal(records[0].pid, undefined, 'the merged log adds pid and worker');
  assert.deepEqual(
    [records[1].level, records[1].step, records[1].reqId, records[1].msg],
    [40, 'pay', 'abc-123', 'slow'],
  );
});

test('without an x-request-id each request gets its own id; an error is serialized with its stack', async () => {
  const app = new Router().get((req) => {
    req.log.error(new Error('kaput'));
    return 'ok';
  });
  const lines = await captureStdout(async () => {
    await TestClient.get('/').send(app);
    await TestClient.get('/').send(app);
  });
  const [a, b] = lines.map((l) => JSON.parse(l));
  assert.match(a.reqId, /^[0-9a-f-]{36}$/);
  assert.notEqual(a.reqId, b.reqId);
  assert.equal(a.level, 50);
  assert.equal(a.err.message, 'kaput');
  assert.match(a.err.stack, /Error: kaput\n\s+at /);
});
