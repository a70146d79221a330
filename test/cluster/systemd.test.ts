/**
 * systemd socket activation and sd_notify, end to end: `systemd-socket-activate -l` holds the
 * listening socket and starts `volley serve` (no --listen) on the first connection, as a
 * `.socket` unit would; a unix datagram receiver (python3) stands in for the manager's
 * NOTIFY_SOCKET and records every message. One server goes through start, reload, upgrade, stop.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, pidAlive, sleep, waitPidGone } from '../helpers/net.js';
import { fixture, volleyBin } from '../helpers/paths.js';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const missing = !has('systemd-socket-activate')
  ? 'systemd-socket-activate is not installed (Debian package systemd)'
  : !has('python3')
    ? 'python3 is not installed (the test-side notify receiver)'
    : false;
// CI installs both (.ci/run): there a missing one is a failure, not a skip.
if (missing && process.env.CI) throw new Error(`${missing}: .ci/run installs it`);
const skip = missing;

/** Prints every datagram it receives on the unix socket argv[1] as one JSON line. */
const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"bound": True}), flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

class Recorder {
  text = '';
  constructor(child: ChildProcess) {
    child.stdout!.on('data', (c: Buffer) => {
      this.text += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      this.text += c.toString();
    });
  }
  async waitFor(re: RegExp, from = 0, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.text.slice(from).match(re);
      if (m) return m;
      if (Date.now() > end) throw new Error(`timed out waiting for ${re} in:\n${this.text}`);
      await sleep(50);
    }
  }
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Kills a process by pid if it still runs (SIGTERM, then SIGKILL). */
async function stopPid(pid: number | undefined): Promise<void> {
  if (pid === undefined || !pidAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  if (!(await waitPidGone(pid, 10_000))) process.kill(pid, 'SIGKILL');
}

test('socket activation with 2 workers, and sd_notify through start, reload, upgrade and stop', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-systemd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const notifySocket = join(dir, 'notify');
  const receiver = spawn('python3', ['-c', RECEIVER, notifySocket], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => stopPid(receiver.pid));
  const notes = new Recorder(receiver);
  await notes.waitFor(/"bound": true/, 0, 10_000);

  const port = await freePort();
  const admin = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, NOTIFY_SOCKET: notifySocket, WATCHDOG_USEC: '1000000' };
  delete env.NODE_EXTRA_CA_CERTS;
  const activator = spawn(
    'systemd-socket-activate',
    [
      '-l',
      `127.0.0.1:${port}`,
      '--fdname=web',
      '-E',
      'NOTIFY_SOCKET',
      '-E',
      'WATCHDOG_USEC',
      process.execPath,
      volleyBin,
      'serve',
      fixture('app.ts'),
      '--workers',
      '2',
      '--admin',
      `127.0.0.1:${admin}`,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Without --accept it execs volley in its own process: this pid is the first primary's.
  const first = activator.pid!;
  const log = new Recorder(activator);
  const workerPids = () => [...log.text.matchAll(/worker \d+ started \(pid (\d+)/g)].map((m) => Number(m[1]));
  let current = first;
  t.after(async () => {
    await stopPid(current);
    await stopPid(first);
    for (const pid of workerPids()) await stopPid(pid);
  });
  await log.waitFor(/Listening on 127\.0\.0\.1:\d+ as 3/, 0, 10_000);

  // The first connection starts the service; it waits in the socket's queue until a worker serves it.
  const firstAnswer = await get(port, '/whoami');
  assert.equal(firstAnswer.status, 200);
  await log.waitFor(/all 2 worker\(s\) ready/);
  assert.match(
    log.text,
    new RegExp(
      `serving .* with 2 worker\\(s\\) on 127\\.0\\.0\\.1:${port} \\(1 socket\\(s\\) from systemd .*kernel does not balance`,
    ),
  );
  await notes.waitFor(new RegExp(`"READY=1\\\\nSTATUS=2 of 2 worker\\(s\\) ready; primary ${first}\\\\n"`));
  await notes.waitFor(/"WATCHDOG=1\\n"/);
  const status = JSON.parse((await get(admin, '/status')).body) as { workers: { state: string }[] };
  assert.deepEqual(
    status.workers.map((w) => w.state),
    ['ready', 'ready'],
  );

  // Reload: RELOADING=1 with a CLOCK_MONOTONIC time (this process's hrtime is the same clock), then READY=1.
  let from = notes.text.length;
  process.kill(first, 'SIGHUP');
  const reloading = await notes.waitFor(/"RELOADING=1\\nMONOTONIC_USEC=(\d+)\\n/, from);
  const skewUs = Math.abs(Number(reloading[1]) - Number(process.hrtime.bigint() / 1000n));
  assert.ok(skewUs < 60_000_000, `MONOTONIC_USEC is CLOCK_MONOTONIC (off by ${skewUs} us)`);
  await notes.waitFor(/"READY=1\\nSTATUS=reloaded: 2 of 2 worker\(s\) ready/, from);

  // Upgrade: the old primary (the main process) names its successor with MAINPID= and READY=1.
  from = notes.text.length;
  process.kill(first, 'SIGUSR2');
  const mainPid = await notes.waitFor(/"MAINPID=(\d+)\\nREADY=1\\n/, from);
  current = Number(mainPid[1]);
  assert.notEqual(current, first);
  assert.ok(await waitPidGone(first, 30_000), 'the old primary exited');
  assert.doesNotMatch(notes.text.slice(from), /STOPPING=1/, 'the old primary leaving is no stop of the service');
  assert.equal((await get(port, '/')).status, 200, 'the new primary serves the socket systemd passed');
  await notes.waitFor(new RegExp(`"STATUS=2 of 2 worker\\(s\\) ready; primary ${current}\\\\n"`), from);

  // Stop: STOPPING=1 from the new primary.
  from = notes.text.length;
  process.kill(current, 'SIGTERM');
  await notes.waitFor(/"STOPPING=1\\n/, from);
  assert.ok(await waitPidGone(current, 15_000));
});
