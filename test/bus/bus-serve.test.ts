import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, sleep } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { request } from '../helpers/raw-http.js';
import { redisUnavailable, startRedis } from '../helpers/redis-server.js';
import { VolleyProcess } from '../helpers/volley-process.js';

interface View {
  worker: number;
  pid: number;
  transport: string;
  received: { topic: string; message: { text: string } }[];
}

/** A request on a fresh connection, so the kernel's hash spreads them over the workers. */
const fresh = async (port: number, path: string, method = 'GET') => (await request({ port }, path, { method })).body;

/** Asks until every worker has answered once (fresh connections spread over workers). */
async function views(port: number, workers: number): Promise<Map<number, View>> {
  const seen = new Map<number, View>();
  for (let i = 0; i < 200 && seen.size < workers; i++) {
    const view = JSON.parse(await fresh(port, '/received')) as View;
    seen.set(view.worker, view);
  }
  return seen;
}

test('bus under volley serve --workers 2: a message published on one worker reaches subscribers on both (primary relay)', async (t) => {
  const port = await freePort();
  const volley = new VolleyProcess(
    ['serve', fixture('bus-app.ts'), '--workers', '2', '--listen', `127.0.0.1:${port}`],
    {
      VOLLEY_REDIS_URL: '',
    },
  );
  t.after(() => volley.dispose());
  await volley.ready();
  const published = JSON.parse(await fresh(port, '/publish?topic=room.lobby&text=hello', 'POST')) as {
    transport: string;
  };
  assert.equal(published.transport, 'primary');
  // The relay is asynchronous (worker -> primary -> workers): look until both have it, or 5 s.
  let seen = new Map<number, View>();
  for (const until = Date.now() + 5000; Date.now() < until; await sleep(20)) {
    seen = await views(port, 2);
    if (seen.size === 2 && [...seen.values()].every((v) => v.received.length > 0)) break;
  }
  assert.equal(seen.size, 2);
  for (const view of seen.values()) {
    assert.deepEqual(
      view.received.map((r) => [r.topic, r.message.text]),
      [['room.lobby', 'hello']],
    );
  }
});

test('bus over Redis: two separate volley serve instances sharing a real redis-server see each other’s messages', async (t) => {
  const why = redisUnavailable();
  if (why) {
    t.skip(why);
    return;
  }
  const redis = await startRedis();
  t.after(() => redis.stop());
  const env = { VOLLEY_REDIS_URL: redis.url };
  const [a, b] = [await freePort(), await freePort()];
  const one = new VolleyProcess(['serve', fixture('bus-app.ts'), '--workers', '2', '--listen', `127.0.0.1:${a}`], env);
  t.after(() => one.dispose());
  const two = new VolleyProcess(['serve', fixture('bus-app.ts'), '--workers', '1', '--listen', `127.0.0.1:${b}`], env);
  t.after(() => two.dispose());
  await Promise.all([one.ready(), two.ready()]);
  // Each worker's bus subscribes to one Redis pattern when the app loads, asynchronously: wait
  // until all three are in place rather than for a fixed time a loaded machine may exceed.
  // (NUMPAT counts distinct patterns, all the same here: count the subscribed clients instead.)
  const probe = new Redis(redis.url);
  t.after(() => probe.disconnect());
  const subscribed = async () =>
    ((await probe.client('LIST')) as string).split('\n').filter((l) => / psub=1 /.test(l)).length;
  const deadline = Date.now() + 10_000;
  while ((await subscribed()) < 3 && Date.now() < deadline) await sleep(20);
  assert.equal(await subscribed(), 3, 'every worker subscribed');
  const published = JSON.parse(await fresh(a, '/publish?topic=room.x&text=across', 'POST')) as { transport: string };
  assert.equal(published.transport, 'redis');
  // Delivery is asynchronous too: look until every worker has something, or 5 s have passed.
  let all: View[] = [];
  for (const until = Date.now() + 5000; Date.now() < until; await sleep(20)) {
    all = [...(await views(a, 2)).values(), ...(await views(b, 1)).values()];
    if (all.length === 3 && all.every((v) => v.received.length > 0)) break;
  }
  assert.equal(all.length, 3);
  for (const view of all) {
    assert.deepEqual(
      view.received.map((r) => r.message.text),
      ['across'],
      `worker ${view.worker} (pid ${view.pid})`,
    );
  }
});
