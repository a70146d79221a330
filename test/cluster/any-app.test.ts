/**
 * `volley serve` serves apps that are not Volley's: an Express request listener, a Hono fetch
 * app, a Koa app, a CommonJS module exporting a node:http server, and a Fastify app that listens
 * itself. For each, under --workers 2: both workers answer, a rolling reload under wrk load
 * (connection churn and keep-alive at once) has no socket error and no non-2xx answer, /metrics
 * counts the requests, and a graceful stop lets an in-flight slow request finish before the
 * app's stop hook runs and the workers exit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { freshFetch } from '../helpers/http.js';
import { runLoad } from '../helpers/load.js';
import { sleep } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { serveFixture } from '../helpers/volley-process.js';
import { socketErrorCount, wrk } from '../helpers/wrk.js';

const whoami = (body: string) => String((JSON.parse(body) as { pid: number }).pid);

async function servesEveryGuarantee(app: string, stopHook?: RegExp): Promise<void> {
  const { volley, port, admin } = await serveFixture({ app: fixture(app), workers: 2, admin: true });
  try {
    await volley.ready();
    const before = new Set(volley.workerPids);

    // Both workers answer (fresh connections, so the kernel spreads them).
    const spread = await runLoad({
      port,
      path: '/whoami',
      concurrency: 2,
      maxRequests: 60,
      maxMs: 10_000,
      churn: true,
      key: whoami,
    });
    assert.equal(spread.failed, 0, spread.errors.join('; '));
    assert.equal(spread.byKey.size, 2, `answers from ${[...spread.byKey.keys()].join(', ')}`);

    // A rolling reload under wrk load, connection churn (`Connection: close`) and keep-alive at
    // once, from before the SIGHUP until the reload is done: no socket error, no non-2xx answer.
    // Keep-alive proves the drain: each connection is closed after a response that said so,
    // never reset under a request on its way.
    const reloaded = volley.waitFor(/rolling reload to generation 2 done/, 30_000);
    const until = reloaded.then(() => sleep(300));
    const url = `http://127.0.0.1:${port}/whoami`;
    const loads = Promise.all([
      wrk({ url, seconds: 40, connections: 8, churn: true, until }),
      wrk({ url, seconds: 40, connections: 8, until }),
    ]);
    await sleep(400);
    volley.signal('SIGHUP');
    const [churn, keepAlive] = await loads;
    await reloaded;
    for (const [name, during] of [
      ['churn', churn],
      ['keep-alive', keepAlive],
    ] as const) {
      assert.equal(
        socketErrorCount(during),
        0,
        `${name}: socket errors during reload: ${JSON.stringify(during.socketErrors)}`,
      );
      assert.equal(during.nonOk, 0, `${name}: non-2xx answers during reload:\n${during.output}`);
      assert.ok(during.requests > 50, `${name}: only ${during.requests} requests during the reload`);
    }
    const after = await runLoad({
      port,
      path: '/whoami',
      concurrency: 2,
      maxRequests: 40,
      maxMs: 10_000,
      churn: true,
      key: whoami,
    });
    for (const pid of after.byKey.keys()) assert.ok(!before.has(Number(pid)), `old worker ${pid} still answers`);

    // /metrics counts them, under the route label of an app whose routes Volley does not know.
    const metrics = await (await freshFetch(`http://127.0.0.1:${admin}/metrics`)).text();
    const counted = [
      ...metrics.matchAll(/^volley_http_requests_total\{[^}]*route="<app>"[^}]*worker="\d+"[^}]*\} (\d+)/gm),
    ];
    assert.ok(counted.length > 0, `no per-worker request counts in /metrics:\n${metrics.slice(0, 2000)}`);
    assert.ok(
      counted.reduce((n, m) => n + Number(m[1]), 0) >= 40,
      'the new workers counted at least the requests sent to them',
    );

    // Graceful stop with a slow request in flight: it completes, then the app's hook, then exit 0.
    const slow = freshFetch(`http://127.0.0.1:${port}/slow?ms=1500`);
    await sleep(300);
    volley.signal('SIGTERM');
    const response = await slow;
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'slow done');
    assert.equal((await volley.exited).code, 0);
    if (stopHook) assert.match(volley.output, stopHook);
  } finally {
    await volley.dispose();
  }
}

test('an Express app (a request listener) gets every volley serve guarantee', () =>
  servesEveryGuarantee('express-app.mjs'));

test('a Hono app (an object with fetch) gets every volley serve guarantee', () => servesEveryGuarantee('hono-app.ts'));

test('a Koa app (exported as it is, served through its callback()) gets every volley serve guarantee', () =>
  servesEveryGuarantee('koa-app.mjs'));

test('a CommonJS module exporting a node:http server gets every guarantee, and its onStop runs', () =>
  servesEveryGuarantee('http-server-app.cjs', /onStop in worker 1/));

test('a Fastify app that listens itself on $PORT gets every guarantee, and its onClose runs', () =>
  servesEveryGuarantee('fastify-self-listen.mjs', /fastify onClose in worker 1/));

test("a Service's onStop() hooks run in each worker when it stops", async (t) => {
  const { volley, port } = await serveFixture({ app: fixture('service-stop-app.ts'), workers: 1 });
  t.after(() => volley.dispose());
  await volley.ready();
  assert.equal(await (await freshFetch(`http://127.0.0.1:${port}/`)).text(), 'up');
  volley.signal('SIGTERM');
  assert.equal((await volley.exited).code, 0);
  assert.match(volley.output, /service onStop in worker 1/);
});

test('an exported server serves every --listen address, and a slow request on the second finishes on stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-any-app-'));
  const socketPath = join(dir, 'app.sock');
  const { volley, port } = await serveFixture({
    app: fixture('http-server-app.cjs'),
    workers: 1,
    args: ['--listen', `unix:${socketPath}`],
  });
  t.after(async () => {
    await volley.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  await volley.ready();
  const overTcp = await freshFetch(`http://127.0.0.1:${port}/whoami`);
  assert.equal(overTcp.status, 200);
  const pid = whoami(await overTcp.text());
  const unixAgent = new Agent({ connect: { socketPath } });
  t.after(() => unixAgent.close());
  const overUnix = await undiciFetch('http://localhost/whoami', { dispatcher: unixAgent });
  assert.equal(overUnix.status, 200);
  assert.equal(whoami(await overUnix.text()), pid, 'the same worker, the same server object');

  // A request in flight on the forwarded address completes during the graceful stop.
  const slow = undiciFetch('http://localhost/slow?ms=1000', { dispatcher: unixAgent });
  await sleep(300);
  volley.signal('SIGTERM');
  const response = await slow;
  assert.equal(await response.text(), 'slow done');
  assert.equal((await volley.exited).code, 0);
});
