import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoad } from '../helpers/load.js';
import { fixture } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

const pidOf = (body: string) => String((JSON.parse(body) as { pid: number }).pid);

test('a second volley serve on the same port is refused; the first keeps every connection; --join-port joins', async (t) => {
  const { volley: first, port } = await serveFixture({ workers: 2 });
  t.after(() => first.dispose());
  await first.ready();

  const second = new VolleyProcess(['serve', fixture('app.ts'), '--workers', '1', '--listen', `127.0.0.1:${port}`]);
  t.after(() => second.dispose());
  const { code } = await second.exited;
  assert.notEqual(code, 0);
  assert.match(
    second.output,
    new RegExp(`127\\.0\\.0\\.1:${port} is already in use by pid ${first.pid} \\(node .*volley\\.js serve `),
  );
  assert.equal(second.workerPids.size, 0, 'no worker may start');

  const alone = await runLoad({
    port,
    path: '/whoami',
    concurrency: 4,
    maxRequests: 200,
    maxMs: 20_000,
    churn: true,
    key: pidOf,
  });
  assert.equal(alone.failed, 0, alone.errors.join('\n'));
  for (const pid of alone.byKey.keys()) assert.ok(first.workerPids.has(Number(pid)), `pid ${pid} is not the first's`);

  const joined = new VolleyProcess([
    'serve',
    fixture('app.ts'),
    '--workers',
    '1',
    '--listen',
    `127.0.0.1:${port}`,
    '--join-port',
  ]);
  t.after(() => joined.dispose());
  await joined.ready();
  const shared = await runLoad({
    port,
    path: '/whoami',
    concurrency: 4,
    maxRequests: 300,
    maxMs: 20_000,
    churn: true,
    key: pidOf,
  });
  assert.equal(shared.failed, 0, shared.errors.join('\n'));
  const [joinedPid] = joined.workerPids;
  assert.ok((shared.byKey.get(String(joinedPid)) ?? 0) > 0, 'the --join-port instance gets a share');
});
