import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { runLoad } from '../helpers/load.js';
import { waitPidGone } from '../helpers/net.js';
import { serveFixture } from '../helpers/volley-process.js';

const pidOf = (body: string) => String((JSON.parse(body) as { pid: number }).pid);

test('--max-requests recycles a worker gracefully: a successor takes over, no request fails', async (t) => {
  const { volley, port } = await serveFixture({ workers: 1, args: ['--max-requests', '100'] });
  t.after(() => volley.dispose());
  await volley.ready();
  const [first] = [...volley.workerPids];
  const recycled = volley.waitFor(/recycling worker 1 .*--max-requests/, 15_000);
  const load = await runLoad({
    port,
    path: '/whoami',
    concurrency: 4,
    maxRequests: 100_000,
    maxMs: 15_000,
    churn: false,
    until: recycled.then(() => volley.waitFor(/worker 1 \(pid \d+\) draining; replaced by pid/, 10_000)),
    key: pidOf,
  });
  assert.equal(load.failed, 0, load.errors.join('; '));
  assert.ok(await waitPidGone(first!, 5000), 'the recycled worker exits');
  const after = await freshFetch(`http://127.0.0.1:${port}/whoami`).then((r) => r.json() as Promise<{ pid: number }>);
  assert.notEqual(after.pid, first);
});

test('--max-memory recycles a worker whose RSS grows past the limit', async (t) => {
  const { volley, port } = await serveFixture({ workers: 1, args: ['--max-memory', '150'] });
  t.after(() => volley.dispose());
  await volley.ready();
  const [first] = [...volley.workerPids];
  const res = await freshFetch(`http://127.0.0.1:${port}/grow?mb=200`);
  assert.equal(res.status, 200);
  await volley.waitFor(/recycling worker 1 \(pid \d+\): RSS \d+ MB is over --max-memory 150 MB/, 10_000);
  assert.ok(await waitPidGone(first!, 10_000));
  const after = await freshFetch(`http://127.0.0.1:${port}/whoami`).then((r) => r.json() as Promise<{ pid: number }>);
  assert.notEqual(after.pid, first);
});

test('--cpu-affinity pins worker i to CPU i and still serves', async (t) => {
  const { volley, port } = await serveFixture({ workers: 2, args: ['--cpu-affinity'] });
  t.after(() => volley.dispose());
  await volley.ready();
  const pins = new Map<number, string>();
  for (const m of volley.output.matchAll(/worker (\d+) started \(pid (\d+)/g)) {
    const status = readFileSync(`/proc/${m[2]}/status`, 'utf8');
    pins.set(Number(m[1]), /Cpus_allowed_list:\s*(\S+)/.exec(status)![1]!);
  }
  assert.deepEqual([...pins.entries()].sort(), [
    [1, '0'],
    [2, '1'],
  ]);
  const load = await runLoad({ port, path: '/whoami', concurrency: 8, maxRequests: 400, maxMs: 20_000, churn: true });
  assert.equal(load.failed, 0, load.errors.join('; '));
});
