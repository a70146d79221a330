import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { Router, rateLimiter, redisStore, Server, Service, TcpListener } from '../../src/index.js';
import { keyspace, storeContract } from '../../src/middleware/stores/store-contract.js';
import { freePort, sleep, waitPidGone } from '../helpers/net.js';

const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** Starts a throwaway redis-server on a loopback port; resolves once it answers PING. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}):\n${output}`);
      try {
        if (probe.status !== 'ready') await probe.connect();
        if ((await probe.ping()) === 'PONG') return child;
      } catch {
        probe.disconnect();
        await sleep(50);
      }
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not accept connections:\n${output}`);
  } finally {
    probe.disconnect();
  }
}

function get(port: number): Promise<{ status: number; server: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, server: res.headers['x-server'] as string }));
      })
      .on('error', reject);
  });
}

test('redisStore against a real redis-server', async (t) => {
  if (!hasRedis) {
    if (process.env.CI) assert.fail('redis-server is not installed, and CI is set (.ci/run installs it)');
    t.skip('redis-server is not installed (apt-get install redis-server); skipped outside CI');
    return;
  }
  const port = await freePort();
  const redis = await startRedis(port);
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  const servers: { server: Server; done: Promise<void> }[] = [];
  t.after(async () => {
    for (const { server, done } of servers) {
      await server.stopGraceful(1000);
      await done;
    }
    for (const c of clients) c.disconnect();
    redis.kill('SIGTERM');
    if (!(await waitPidGone(redis.pid!, 5000))) redis.kill('SIGKILL');
  });

  const store = redisStore(client(), { prefix: 'test:' });
  for (const [name, run] of Object.entries(storeContract)) {
    await t.test(name, () => run(store, keyspace()));
  }

  await t.test('keys are prefixed and counters carry a Redis TTL', async () => {
    const raw = client();
    await store.set('plain', { a: 1 });
    assert.equal(await raw.get('test:plain'), '{"a":1}');
    await store.increment('ctr', 30_000);
    const ttl = await raw.pttl('test:ctr');
    assert.ok(ttl > 28_000 && ttl <= 30_000, `pttl ${ttl}`);
    // A counter someone left without a TTL gets one on the next increment.
    await raw.set('test:stuck', '7');
    assert.equal((await store.increment('stuck', 5_000)).count, 8);
    assert.ok((await raw.pttl('test:stuck')) > 0);
  });

  await t.test('a limit of 50 shared by two servers through Redis admits exactly 50 of 100', async () => {
    const ports: number[] = [];
    for (const name of ['a', 'b']) {
      const service = new Service(new Router().get(() => 'ok'))
        .hoop((_req, res) => {
          res.header('x-server', name);
        })
        .hoop(rateLimiter({ max: 50, windowMs: 60_000, store: redisStore(client()), key: () => 'shared-limit' }));
      const server = new Server(new TcpListener('127.0.0.1:0'));
      const done = server.serve(service);
      servers.push({ server, done });
      const [bound] = await server.ready();
      ports.push(bound!.port!);
    }
    const results: { status: number; server: string | undefined }[] = [];
    for (let batch = 0; batch < 10; batch++) {
      results.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => get(ports[i % 2]!)))));
    }
    const admitted = results.filter((r) => r.status === 200);
    assert.equal(admitted.length, 50);
    assert.equal(results.filter((r) => r.status === 429).length, 50);
    assert.deepEqual(new Set(admitted.map((r) => r.server)), new Set(['a', 'b']), 'both servers admitted some');
  });
});
