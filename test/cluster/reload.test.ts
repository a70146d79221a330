import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLoad } from '../helpers/load.js';
import { freePort, sleep } from '../helpers/net.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

const whoami = (body: string) => String((JSON.parse(body) as { pid: number }).pid);

async function reloadUnderLoad(churn: boolean): Promise<void> {
  const port = await freePort();
  const volley = new VolleyProcess(['serve', fixture('app.ts'), '--workers', '2', '--listen', `127.0.0.1:${port}`]);
  try {
    await volley.ready();
    const before = new Set(volley.workerPids);
    const reloaded = volley.waitFor(/rolling reload to generation 2 done/, 20_000);
    const load = runLoad({
      port,
      path: '/whoami',
      concurrency: churn ? 16 : 64,
      maxRequests: 1_000_000,
      maxMs: 25_000,
      churn,
      until: reloaded.then(() => sleep(500)),
      key: whoami,
    });
    await sleep(500);
    volley.signal('SIGHUP');
    await reloaded;
    const result = await load;
    assert.equal(result.failed, 0, `failed requests during reload: ${result.errors.join('; ')}`);
    assert.ok(result.ok > 200, `only ${result.ok} requests`);
    // After the reload every answer comes from a new worker.
    const after = await runLoad({
      port,
      path: '/whoami',
      concurrency: 4,
      maxRequests: 200,
      maxMs: 10_000,
      churn: true,
      key: whoami,
    });
    assert.equal(after.failed, 0);
    for (const pid of after.byKey.keys()) assert.ok(!before.has(Number(pid)), `old worker ${pid} still answers`);
    assert.equal(after.byKey.size, 2, 'both new workers serve');
  } finally {
    await volley.dispose();
  }
}

test('SIGHUP under 64 keep-alive connections: 0 failed requests, every worker pid new', () => reloadUnderLoad(false));

test('SIGHUP under connection-churn load: 0 failed requests, every worker pid new', () => reloadUnderLoad(true));

test('a reload whose new code fails to load stops; the old workers keep serving and stay ready', async (t) => {
  const dir = mkdtempSync(join(repoRoot, 'test', 'fixtures', 'tmp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = join(dir, 'app.ts');
  copyFileSync(fixture('app.ts'), app);
  const { volley, port, admin } = await serveFixture({ app, workers: 2, admin: true });
  t.after(() => volley.dispose());
  await volley.ready();
  const before = new Set(volley.workerPids);
  // The bad deploy as a user makes it: a module whose default export is not an app.
  writeFileSync(app, 'export default 42;\n');
  const from = volley.output.length;
  const reload = new VolleyProcess(['reload', '--admin', `127.0.0.1:${admin}`]);
  t.after(() => reload.dispose());
  assert.notEqual((await reload.exited).code, 0, 'volley reload reports the failure');
  assert.match(
    reload.output,
    /reload failed at worker 1: .*has a default export of type number, which volley serve cannot serve/,
  );
  await volley.waitFor(/rolling reload stopped at worker 1 \(pid \d+ keeps serving\): .*cannot serve/, 15_000, from);
  const result = await runLoad({
    port,
    path: '/whoami',
    concurrency: 4,
    maxRequests: 100,
    maxMs: 10_000,
    churn: true,
    key: whoami,
  });
  assert.equal(result.failed, 0);
  for (const pid of result.byKey.keys()) assert.ok(before.has(Number(pid)), `unexpected worker ${pid}`);
  // A crash restart would come after the 100 ms backoff; the load above took longer than that.
  assert.doesNotMatch(volley.output.slice(from), /restarting in/, 'a failed successor is not restarted as a crash');
  assert.equal((await fetch(`http://127.0.0.1:${admin}/readyz`)).status, 200, 'readiness stays 200');
  const status = new VolleyProcess(['status', '--admin', `127.0.0.1:${admin}`]);
  t.after(() => status.dispose());
  assert.equal((await status.exited).code, 0);
  assert.match(status.output, /worker 1: generation 2 \(pid \d+\) failed to start at .*kept serving: .*cannot serve/);
  assert.equal(volley.child.exitCode, null, 'the primary keeps running');
});
