import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { freshFetch } from '../helpers/http.js';
import { sleep, waitPidGone } from '../helpers/net.js';
import { serveFixture, VolleyProcess } from '../helpers/volley-process.js';

function get(
  port: number,
  path: string,
  agent?: http.Agent,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, ...(agent ? { agent } : {}) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

test('SIGTERM while a 2 s request is in flight: it completes with 200, the primary exits 0, no worker survives', async (t) => {
  const { volley, port, admin } = await serveFixture({ workers: 2, admin: true });
  t.after(() => volley.dispose());
  await volley.ready();
  const workers = [...volley.workerPids];
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const slow = get(port, '/slow?ms=2000', agent);
  await sleep(300);
  volley.signal('SIGTERM');
  await sleep(100);
  const readyz = await freshFetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined);
  if (readyz) assert.equal(readyz.status, 503);
  const res = await slow;
  assert.equal(res.status, 200);
  assert.match(res.body, /slow done/);
  assert.equal(res.headers.connection, 'close', 'a draining keep-alive connection is told to close');
  const { code } = await volley.exited;
  assert.equal(code, 0);
  for (const pid of workers) assert.ok(await waitPidGone(pid, 1000), `worker ${pid} survived`);
});

test('--shutdown-delay keeps serving while /readyz says 503', async (t) => {
  const { volley, port, admin } = await serveFixture({ workers: 1, admin: true, args: ['--shutdown-delay', '1500'] });
  t.after(() => volley.dispose());
  await volley.ready();
  assert.equal((await freshFetch(`http://127.0.0.1:${admin}/readyz`)).status, 200);
  volley.signal('SIGTERM');
  await sleep(300);
  assert.equal((await freshFetch(`http://127.0.0.1:${admin}/readyz`)).status, 503);
  assert.equal((await freshFetch(`http://127.0.0.1:${admin}/healthz`)).status, 200);
  const res = await freshFetch(`http://127.0.0.1:${port}/`);
  assert.equal(res.status, 200, 'still serving during the shutdown delay');
  const { code } = await volley.exited;
  assert.equal(code, 0);
});

test('a second SIGINT forces an immediate stop', async (t) => {
  const { volley, port } = await serveFixture({ workers: 1, args: ['--shutdown-timeout', '20000'] });
  t.after(() => volley.dispose());
  await volley.ready();
  const slow = get(port, '/slow?ms=15000').catch((err: Error) => err);
  await sleep(300);
  const start = Date.now();
  volley.signal('SIGINT');
  await sleep(200);
  volley.signal('SIGINT');
  await volley.exited;
  assert.ok(Date.now() - start < 3000, 'the forced stop did not wait for the slow request');
  assert.ok((await slow) instanceof Error, 'the in-flight request was cut');
  for (const pid of volley.workerPids) assert.ok(await waitPidGone(pid, 1000));
});

test('admin endpoint: healthz, readyz, status JSON, token-protected POSTs, volley status/stop', async (t) => {
  const { volley, admin } = await serveFixture({ workers: 2, admin: true, args: ['--admin-token', 's3cret'] });
  t.after(() => volley.dispose());
  await volley.ready();
  const base = `http://127.0.0.1:${admin}`;
  assert.equal((await freshFetch(`${base}/healthz`)).status, 200);
  assert.equal((await freshFetch(`${base}/readyz`)).status, 200);
  const status = (await (await freshFetch(`${base}/status`)).json()) as {
    primary: { pid: number; version: string; uptimeMs: number };
    desiredWorkers: number;
    workers: Record<string, unknown>[];
  };
  assert.equal(status.primary.pid, volley.pid);
  assert.equal(status.desiredWorkers, 2);
  assert.equal(status.workers.length, 2);
  for (const w of status.workers) {
    for (const key of [
      'id',
      'pid',
      'generation',
      'state',
      'restarts',
      'requests',
      'rssBytes',
      'eventLoopLagMs',
      'startedAt',
    ]) {
      assert.ok(key in w, `status worker lacks ${key}`);
    }
  }
  assert.equal((await freshFetch(`${base}/reload`, { method: 'POST' })).status, 401);
  assert.equal(
    (await freshFetch(`${base}/stop`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status,
    401,
  );

  const table = new VolleyProcess(['status', '--admin', `127.0.0.1:${admin}`]);
  t.after(() => table.dispose());
  assert.equal((await table.exited).code, 0);
  assert.match(table.output, /ID\s+PID\s+GEN\s+STATE/);
  assert.match(table.output, /ready/);

  const stop = new VolleyProcess(['stop', '--admin', `127.0.0.1:${admin}`, '--admin-token', 's3cret']);
  t.after(() => stop.dispose());
  assert.equal((await stop.exited).code, 0, stop.output);
  assert.equal((await volley.exited).code, 0);
});
