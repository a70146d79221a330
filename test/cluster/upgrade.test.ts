/**
 * Upgrading the primary in place, end to end, on one server that the tests upgrade in turn:
 * SIGUSR2 under connection churn, `volley upgrade` (from an upgraded primary) under keep-alive
 * load, a successor that fails to load, and the refusals (an upgrade beside a reload or another
 * upgrade). Every primary writes into the same pipe, so the test reads one merged log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { readPidFile } from '../../src/cluster/primary/pid-file.js';
import { runLoad } from '../helpers/load.js';
import { freePort, pidAlive, sleep, waitPidGone } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';
import { type WrkResult, wrk } from '../helpers/wrk.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-upgrade-'));
const pidFile = join(dir, 'volley.pid');
const failFile = join(dir, 'fail');
const unixSocket = join(dir, 'app.sock');
let volley: VolleyProcess;
let port: number;
let admin: number;
/** The primary that serves, as the tests last saw it. */
let primary: number;

/** One admin request on a fresh connection (a kept-alive one could lead to a primary that left). */
function adminCall(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: admin, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.setTimeout(90_000, () => req.destroy(new Error('admin request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls the merged log (the first primary's process may be gone; its pipe lives on in its successors). */
async function waitOutput(re: RegExp, from: number, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = volley.output.slice(from).match(re);
    if (m) return m;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re}; log since:\n${volley.output.slice(from)}`);
    await sleep(50);
  }
}

/** Waits until primary `old` handed over and exited; checks the pid file, /status and who answers. */
async function handedOver(old: number, from: number): Promise<number> {
  const m = await waitOutput(new RegExp(`upgrade: primary (\\d+) serves now; this primary \\(pid ${old}\\)`), from);
  const next = Number(m[1]);
  assert.notEqual(next, old);
  assert.ok(await waitPidGone(old, 30_000), `old primary ${old} is gone`);
  assert.match(volley.output.slice(from), new RegExp(`\\[primary ${old}\\] all workers stopped; primary exiting`));
  assert.equal(readPidFile(pidFile), next, 'the pid file names the new primary');
  const status = await adminCall('GET', '/status');
  assert.equal((status.body.primary as { pid: number }).pid, next, '/status answers from the new primary');
  assert.equal((await adminCall('GET', '/readyz')).status, 200);
  const who = await fetch(`http://127.0.0.1:${port}/whoami`).then((r) => r.json() as Promise<{ primary: number }>);
  assert.equal(who.primary, next, 'a worker of the new primary answers');
  const viaUnix = await new Promise<{ primary: number }>((resolve, reject) => {
    http
      .get({ socketPath: unixSocket, path: '/whoami', agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve(JSON.parse(text) as { primary: number }));
      })
      .on('error', reject);
  });
  assert.equal(viaUnix.primary, next, 'the unix socket was handed over too (its file kept)');
  primary = next;
  return next;
}

function assertClean(result: WrkResult, what: string): void {
  assert.deepEqual(result.socketErrors, { connect: 0, read: 0, write: 0, timeout: 0 }, `${what}: socket errors`);
  assert.equal(result.nonOk, 0, `${what}: non-2xx responses`);
  assert.ok(result.requests > 200, `${what}: only ${result.requests} requests\n${result.output}`);
  console.log(`# ${what}: ${result.requests} requests, 0 socket errors, 0 non-2xx`);
}

before(async () => {
  port = await freePort();
  admin = await freePort();
  volley = new VolleyProcess(
    [
      'serve',
      fixture('upgrade-app.ts'),
      '--workers',
      '2',
      '--listen',
      `127.0.0.1:${port}`,
      '--listen',
      `unix:${unixSocket}`,
      '--admin',
      `127.0.0.1:${admin}`,
      '--pid-file',
      pidFile,
      '--shutdown-timeout',
      '5000',
    ],
    { UPGRADE_FAIL_FILE: failFile },
  );
  await volley.ready(60_000);
  primary = volley.pid;
  await volley.waitFor(/admin endpoint on/);
  for (let i = 0; i < 100 && readPidFile(pidFile) === undefined; i++) await sleep(20);
  assert.equal(readPidFile(pidFile), volley.pid, 'the pid file names the primary once it serves');
});

after(async () => {
  const last = readPidFile(pidFile) ?? primary;
  if (last !== volley.pid && pidAlive(last)) {
    process.kill(last, 'SIGTERM');
    if (!(await waitPidGone(last, 15_000))) process.kill(last, 'SIGKILL');
  }
  await volley.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGUSR2 under connection churn: 0 errors, a new primary, the old one gone, a WebSocket closed with 1001', async () => {
  const old = primary;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const from = volley.output.length;
  const done = handedOver(old, from);
  const load = wrk({
    url: `http://127.0.0.1:${port}/`,
    connections: 32,
    seconds: 60,
    churn: true,
    until: done.then(() => sleep(300)),
  });
  await sleep(700);
  process.kill(old, 'SIGUSR2');
  await done;
  assertClean(await load, 'churn load across SIGUSR2');
  assert.equal(await closed, 1001, 'the draining worker closed the WebSocket with 1001 (going away)');
});

test('volley upgrade (a second upgrade, from an upgraded primary) under keep-alive load: 0 errors', async () => {
  const old = primary;
  const from = volley.output.length;
  const done = handedOver(old, from);
  const load = wrk({
    url: `http://127.0.0.1:${port}/`,
    connections: 32,
    seconds: 60,
    until: done.then(() => sleep(300)),
  });
  await sleep(700);
  const cli = new VolleyProcess(['upgrade', '--admin', `127.0.0.1:${admin}`]);
  try {
    assert.equal((await cli.exited).code, 0, cli.output);
    assert.match(cli.output, /volley upgrade: upgraded: primary \d+ serves now/);
  } finally {
    await cli.dispose();
  }
  const next = await done;
  assert.match(cli.output, new RegExp(`primary ${next} serves now`));
  assertClean(await load, 'keep-alive load across volley upgrade');
});

test('a new primary whose app fails to load exits; the old one keeps serving with 0 errors and says why', async () => {
  const old = primary;
  const workersBefore = (await adminCall('GET', '/status')).body.workers as { pid: number }[];
  writeFileSync(failFile, '');
  try {
    const from = volley.output.length;
    const upgrade = adminCall('POST', '/upgrade');
    const load = runLoad({
      port,
      concurrency: 8,
      maxRequests: 100_000,
      maxMs: 60_000,
      churn: true,
      until: upgrade,
    });
    const reply = await upgrade;
    assert.equal(reply.status, 500);
    assert.match(
      String(reply.body.error),
      /upgrade failed: the new primary \(pid (\d+)\) could not start: .*refusing to load/,
    );
    const failed = Number(/pid (\d+)/.exec(String(reply.body.error))![1]);
    const result = await load;
    assert.equal(result.failed, 0, result.errors.join('; '));
    assert.ok(result.ok > 50, `only ${result.ok} requests`);
    assert.ok(await waitPidGone(failed, 15_000), 'the failed primary exited');
    await waitOutput(new RegExp(`\\[primary ${old}\\] upgrade failed: .*keeps serving`), from, 5000);
    assert.ok(pidAlive(old));
    assert.equal(readPidFile(pidFile), old, 'the pid file still names the serving primary');
    const status = await adminCall('GET', '/status');
    assert.equal((status.body.primary as { pid: number }).pid, old);
    assert.deepEqual(
      (status.body.workers as { pid: number }[]).map((w) => w.pid),
      workersBefore.map((w) => w.pid),
      'the same workers serve',
    );
  } finally {
    unlinkSync(failFile);
  }
});

test('an upgrade is refused during a reload; a reload and a second upgrade are refused during an upgrade', async () => {
  let from = volley.output.length;
  const reload = adminCall('POST', '/reload');
  await waitOutput(/rolling reload to generation \d+ started/, from);
  const duringReload = await adminCall('POST', '/upgrade');
  assert.equal(duringReload.status, 409);
  assert.match(String(duringReload.body.error), /while a rolling reload, scale or recycle is in progress/);
  assert.equal((await reload).status, 200);

  const old = primary;
  from = volley.output.length;
  const upgrade = adminCall('POST', '/upgrade');
  await waitOutput(/upgrade: starting a new primary/, from);
  const second = await adminCall('POST', '/upgrade');
  assert.equal(second.status, 409);
  assert.match(String(second.body.error), /an upgrade of the primary is already in progress/);
  const reloadDuring = await adminCall('POST', '/reload');
  assert.equal(reloadDuring.status, 500);
  assert.match(String(reloadDuring.body.error), /cannot reload while an upgrade of the primary is in progress/);
  assert.equal((await upgrade).status, 200);
  await handedOver(old, from);
});
