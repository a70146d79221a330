import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad } from '../helpers/load.js';
import { freePort, waitPidGone } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

test('where SO_REUSEPORT is unavailable, volley serve runs on node:cluster round-robin and its first log line says so', async (t) => {
  const port = await freePort();
  const volley = new VolleyProcess(['serve', fixture('app.ts'), '--workers', '2', '--listen', `127.0.0.1:${port}`], {
    VOLLEY_FORCE_CLUSTER: '1',
  });
  t.after(() => volley.dispose());
  await volley.ready();
  const firstLine = volley.output.split('\n')[0]!;
  assert.match(firstLine, /falling back to node:cluster round-robin/);
  const load = await runLoad({
    port,
    path: '/whoami',
    concurrency: 8,
    maxRequests: 400,
    maxMs: 20_000,
    churn: true,
    key: (body) => String((JSON.parse(body) as { worker: number }).worker),
  });
  assert.equal(load.failed, 0, load.errors.join('; '));
  assert.ok((load.byKey.get('1') ?? 0) > 50 && (load.byKey.get('2') ?? 0) > 50, `spread: ${[...load.byKey]}`);
  volley.signal('SIGTERM');
  assert.equal((await volley.exited).code, 0);
  for (const pid of volley.workerPids) assert.ok(await waitPidGone(pid, 2000));
});
