import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad } from '../helpers/load.js';
import { freePort, pidAlive, sleep, waitPidGone } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

async function status(
  port: number,
): Promise<{ workers: { id: number; pid: number; state: string; restarts: number }[] }> {
  const res = await fetch(`http://127.0.0.1:${port}/status`);
  return (await res.json()) as never;
}

test('kill -9 of a worker under churn load: its slot is ready again in under 1 s, failures bounded by its in-flight requests', async (t) => {
  const { volley, port, admin } = await serveFixture({ app: fixture('plain-app.mjs'), workers: 2, admin: true });
  t.after(() => volley.dispose());
  await volley.ready();
  const before = await status(admin);
  const victim = before.workers.find((w) => w.id === 1)!;

  const concurrency = 8;
  const load = runLoad({ port, concurrency, maxRequests: 20_000, maxMs: 4000, churn: true });
  await sleep(1000);
  const killedAt = Date.now();
  process.kill(victim.pid, 'SIGKILL');
  let readyAfter = Number.POSITIVE_INFINITY;
  while (Date.now() - killedAt < 3000) {
    const s = await status(admin);
    const slot = s.workers.find((w) => w.id === 1);
    if (slot && slot.pid !== victim.pid && slot.state === 'ready') {
      readyAfter = Date.now() - killedAt;
      break;
    }
    await sleep(20);
  }
  const result = await load;
  assert.ok(readyAfter < 1000, `slot 1 took ${readyAfter} ms to be ready again`);
  // A worker can have at most `concurrency` requests in flight (one per client loop).
  assert.ok(result.failed <= concurrency, `${result.failed} failed requests: ${result.errors.join('; ')}`);
  assert.ok(result.ok > 100, `only ${result.ok} requests succeeded`);
  const after = await status(admin);
  assert.equal(after.workers.find((w) => w.id === 1)!.restarts, 1);
  assert.match(volley.output, new RegExp(`worker 1 \\(pid ${victim.pid}\\) died \\(signal SIGKILL\\)`));
});

test('a worker busy-looping is replaced within the heartbeat timeout plus 1 s, then new connections are served', async (t) => {
  const heartbeat = 2000;
  const { volley, port, admin } = await serveFixture({
    workers: 1,
    admin: true,
    args: ['--heartbeat-timeout', String(heartbeat)],
  });
  t.after(() => volley.dispose());
  await volley.ready();
  const hung = (await status(admin)).workers[0]!;
  const res = await fetch(`http://127.0.0.1:${port}/busy?ms=30000`);
  assert.equal(await res.text(), 'busy');
  const hungAt = Date.now();
  await volley.waitFor(/has not answered for \d+ ms/, heartbeat + 3000);
  const replacedAfter = Date.now() - hungAt;
  assert.ok(replacedAfter <= heartbeat + 1000 + 100, `replaced after ${replacedAfter} ms`);
  assert.ok(await waitPidGone(hung.pid, 2000), 'the hung worker must be killed');
  const served = await fetch(`http://127.0.0.1:${port}/whoami`, { signal: AbortSignal.timeout(5000) });
  const body = (await served.json()) as { pid: number };
  assert.notEqual(body.pid, hung.pid);
});

test('kill -9 of the primary: the workers are gone within 2 s', async (t) => {
  const port = await freePort();
  const volley = new VolleyProcess(['serve', fixture('app.ts'), '--workers', '2', '--listen', `127.0.0.1:${port}`]);
  t.after(() => volley.dispose());
  await volley.ready();
  const workers = [...volley.workerPids];
  assert.equal(workers.length, 2);
  for (const pid of workers) assert.ok(pidAlive(pid));
  volley.signal('SIGKILL');
  await volley.exited;
  const start = Date.now();
  for (const pid of workers) {
    assert.ok(await waitPidGone(pid, 2000 - (Date.now() - start)), `worker ${pid} outlived its primary by 2 s`);
  }
});
