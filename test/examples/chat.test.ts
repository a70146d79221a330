import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatClient, postMessage } from '../helpers/chat-client.js';
import { freshFetch } from '../helpers/http.js';
import { freePort, sleep } from '../helpers/net.js';
import { repoRoot } from '../helpers/paths.js';
import { redisUnavailable, startRedis } from '../helpers/redis-server.js';
import { VolleyProcess } from '../helpers/volley-process.js';

const chatApp = `${repoRoot}/examples/chat.ts`;

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Connects clients until at least `perWorker` landed on each of `workers` workers. */
async function spread(port: number, room: string, workers: number, perWorker: number): Promise<ChatClient[]> {
  const clients: ChatClient[] = [];
  const count = () => {
    const byWorker = new Map<number, number>();
    for (const c of clients) byWorker.set(c.hello!.worker, (byWorker.get(c.hello!.worker) ?? 0) + 1);
    return byWorker;
  };
  for (let i = 0; i < 200; i++) {
    const c = new ChatClient(port, room);
    await c.connect();
    clients.push(c);
    const byWorker = count();
    if (byWorker.size === workers && [...byWorker.values()].every((n) => n >= perWorker)) return clients;
  }
  throw new Error(`clients did not spread over ${workers} workers`);
}

test('chat under volley serve --workers 2: clients on different workers all receive a message sent on one', async (t) => {
  const port = await freePort();
  const volley = new VolleyProcess(['serve', chatApp, '--workers', '2', '--listen', `127.0.0.1:${port}`], {
    VOLLEY_REDIS_URL: '',
  });
  t.after(() => volley.dispose());
  await volley.ready();
  const clients = await spread(port, 'lobby', 2, 2);
  t.after(() => {
    for (const c of clients) c.close();
  });
  const sender = clients.find((c) => c.hello!.worker === 1)!;
  sender.send('hello everyone');
  await until(() => clients.every((c) => c.received.length === 1), 5000, 'every client to receive the message');
  for (const c of clients) assert.equal(c.received[0]!.text, 'hello everyone');
  // The SSE fallback sees the same room.
  const sse = await freshFetch(`http://127.0.0.1:${port}/rooms/lobby/events`);
  assert.equal(sse.headers.get('content-type'), 'text/event-stream');
  const reader = sse.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /event: hello/);
  assert.equal(await postMessage(port, 'lobby', 'via POST'), 201);
  let text = '';
  while (!text.includes('via POST')) text += new TextDecoder().decode((await reader.read()).value);
  assert.match(text, /event: message\ndata: \{.*"text":"via POST"/);
  await reader.cancel();
  await until(() => clients.every((c) => c.received.length === 2), 5000, 'the POSTed message on every socket');
});

test('killing a worker under chat load: its clients see a close, reconnect and keep receiving; the others miss nothing', async (t) => {
  const port = await freePort();
  const volley = new VolleyProcess(['serve', chatApp, '--workers', '2', '--listen', `127.0.0.1:${port}`], {
    VOLLEY_REDIS_URL: '',
  });
  t.after(() => volley.dispose());
  await volley.ready();
  const clients = await spread(port, 'load', 2, 3);
  for (const c of clients) c.keepConnected();
  t.after(() => {
    for (const c of clients) c.close();
  });
  const victims = clients.filter((c) => c.hello!.worker === 1);
  const survivors = clients.filter((c) => c.hello!.worker === 2);
  const victimPid = victims[0]!.hello!.pid;

  // A steady stream of messages, each POSTed on a fresh connection (to either worker).
  const delivered: string[] = [];
  let sending = true;
  const sender = (async () => {
    for (let seq = 0; sending && seq < 400; seq++) {
      const status = await postMessage(port, 'load', `m${seq}`);
      if (status === 201) delivered.push(`m${seq}`);
      await sleep(25);
    }
  })();
  await sleep(500);
  process.kill(victimPid, 'SIGKILL');
  await until(() => victims.every((c) => c.closes >= 1), 5000, 'the killed worker’s clients to see a close');
  await until(() => victims.every((c) => c.hellos.length >= 2), 10_000, 'those clients to reconnect');
  const afterReconnect = delivered.length;
  await until(() => delivered.length >= afterReconnect + 10, 10_000, 'more messages after the reconnect');
  sending = false;
  await sender;
  await sleep(500);

  for (const c of survivors) {
    const got = new Set(c.received.map((m) => m.text));
    const missing = delivered.filter((text) => !got.has(text));
    assert.deepEqual(missing, [], 'a client of the surviving worker missed messages');
  }
  for (const c of victims) {
    const tail = delivered.slice(afterReconnect);
    const got = new Set(c.received.map((m) => m.text));
    assert.ok(
      tail.every((text) => got.has(text)),
      'a reconnected client receives what is sent after it is back',
    );
    assert.notEqual(c.hellos.at(-1)!.pid, victimPid);
  }
});

test('chat across two volley serve instances sharing a real redis-server', async (t) => {
  const why = redisUnavailable();
  if (why) {
    t.skip(why);
    return;
  }
  const redis = await startRedis();
  t.after(() => redis.stop());
  const [a, b] = [await freePort(), await freePort()];
  const env = { VOLLEY_REDIS_URL: redis.url };
  const one = new VolleyProcess(['serve', chatApp, '--workers', '2', '--listen', `127.0.0.1:${a}`], env);
  const two = new VolleyProcess(['serve', chatApp, '--workers', '2', '--listen', `127.0.0.1:${b}`], env);
  t.after(() => one.dispose());
  t.after(() => two.dispose());
  await Promise.all([one.ready(), two.ready()]);
  const left = await spread(a, 'x', 2, 1);
  const right = await spread(b, 'x', 2, 1);
  const all = [...left, ...right];
  t.after(() => {
    for (const c of all) c.close();
  });
  await sleep(300);
  left[0]!.send('from instance one');
  await until(() => all.every((c) => c.received.length === 1), 5000, 'every client on both instances');
  for (const c of all) assert.equal(c.received[0]!.text, 'from instance one');
});
