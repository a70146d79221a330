import assert from 'node:assert/strict';
import { test } from 'node:test';
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
  await sleep(200);
  const seen = await views(port, 2);
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
  await sleep(300); // subscriptions in place
  const published = JSON.parse(await fresh(a, '/publish?topic=room.x&text=across', 'POST')) as { transport: string };
  assert.equal(published.transport, 'redis');
  await sleep(300);
  const all = [...(await views(a, 2)).values(), ...(await views(b, 1)).values()];
  assert.equal(all.length, 3);
  for (const view of all) {
    assert.deepEqual(
      view.received.map((r) => r.message.text),
      ['across'],
      `worker ${view.worker} (pid ${view.pid})`,
    );
  }
});
