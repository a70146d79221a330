import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { runLoad } from '../helpers/load.js';
import { sleep } from '../helpers/net.js';
import { serveFixture } from '../helpers/volley-process.js';

async function workers(admin: number): Promise<{ id: number; state: string }[]> {
  const res = await freshFetch(`http://127.0.0.1:${admin}/status`);
  return ((await res.json()) as { workers: { id: number; state: string }[] }).workers;
}

function listeningSockets(port: number): number {
  const ss = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return ss.split('\n').filter((l) => l.includes(`:${port}`)).length;
}

test('scaling 2 -> 3 -> 1 under churn load gives 0 failed requests', async (t) => {
  const { volley, port, admin } = await serveFixture({ workers: 2, admin: true });
  t.after(() => volley.dispose());
  await volley.ready();

  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const load = runLoad({ port, concurrency: 16, maxRequests: 1_000_000, maxMs: 30_000, churn: true, until: finished });
  await sleep(500);
  const up = await freshFetch(`http://127.0.0.1:${admin}/scale?workers=3`, { method: 'POST' });
  assert.equal(up.status, 200, await up.text());
  assert.equal((await workers(admin)).filter((w) => w.state === 'ready').length, 3);
  assert.equal(listeningSockets(port), 3);
  await sleep(500);
  const down = await freshFetch(`http://127.0.0.1:${admin}/scale?workers=1`, { method: 'POST' });
  assert.equal(down.status, 200, await down.text());
  await sleep(500);
  done();
  const result = await load;
  assert.equal(result.failed, 0, `failed requests while scaling: ${result.errors.join('; ')}`);
  assert.ok(result.ok > 200, `only ${result.ok} requests`);
  const left = await workers(admin);
  assert.deepEqual(
    left.map((w) => w.id),
    [1],
  );
  assert.equal(listeningSockets(port), 1);
});

test('SIGTTIN adds a worker and SIGTTOU removes one', async (t) => {
  const { volley, admin } = await serveFixture({ workers: 1, admin: true });
  t.after(() => volley.dispose());
  await volley.ready();
  volley.signal('SIGTTIN');
  await volley.waitFor(/now 2 worker\(s\)/, 10_000);
  assert.equal((await workers(admin)).length, 2);
  volley.signal('SIGTTOU');
  await volley.waitFor(/now 1 worker\(s\)/, 10_000);
  assert.equal((await workers(admin)).length, 1);
});
