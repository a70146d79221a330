/**
 * End-to-end tests of the native SO_REUSEPORT addon (native/reuseport.c), on loopback only.
 *
 * Sockets handed to an in-process `net.Server` via `listen({ fd })` belong to that server
 * from then on: `server.close()` closes the fd, so such fds are never passed to closeFd.
 * Every child process is stopped by pid in `t.after`; every loop is bounded in count and time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { native } from '../../src/native/index.js';
import {
  ADDON,
  FIXTURES,
  forkFixture,
  killPid,
  rawRequest,
  ready,
  sleep,
  stopChild,
  waitFor,
  within,
} from './fixture-processes.js';

const LINUX = process.platform === 'linux';
const HOST = '127.0.0.1';

/** Alive = has a /proc entry and is not a zombie (an orphan's zombie may never be reaped here). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Starts an in-process server on a listening fd; the server owns the fd from then on. */
async function serveFd<S extends net.Server>(t: TestContext, server: S, fd: number): Promise<S> {
  server.listen({ fd });
  await within(once(server, 'listening'), 5000, `listen({ fd: ${fd} })`);
  t.after(() => {
    if ('closeAllConnections' in server) (server as unknown as http.Server).closeAllConnections();
    server.close();
  });
  return server;
}

function helloServer(): http.Server {
  return http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello ${req.method} ${req.url}`);
  });
}

/** One HTTP GET without keep-alive; resolves with status and body. */
function get(options: http.RequestOptions): Promise<{ status: number; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const req = http.get({ path: '/', agent: false, ...options }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('error', reject);
    }),
    10_000,
    `GET ${options.host ?? options.socketPath}:${options.port ?? ''}`,
  );
}

/**
 * Makes `n` new connections (20 at a time, each from its own ephemeral source port, so the
 * kernel's 4-tuple hash varies) to host:port and counts which of `servers` accepted each.
 */
async function spread(servers: net.Server[], host: string, port: number, n: number): Promise<number[]> {
  const counts = servers.map(() => 0);
  const handlers = servers.map((server, i) => {
    const onConnection = (socket: net.Socket) => {
      counts[i] = (counts[i] ?? 0) + 1;
      socket.on('error', () => {});
      socket.destroy();
    };
    server.on('connection', onConnection);
    return onConnection;
  });
  const clients: net.Socket[] = [];
  const connectOne = () =>
    within(
      new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host, port });
        clients.push(socket);
        socket.once('connect', () => {
          socket.on('error', () => {}); // the server resets it right after accepting
          resolve();
        });
        socket.once('error', reject);
      }),
      5000,
      `connect to ${host}:${port}`,
    );
  try {
    for (let made = 0; made < n; made += 20) {
      await Promise.all(Array.from({ length: Math.min(20, n - made) }, connectOne));
    }
    const total = () => counts.reduce((a, b) => a + b, 0);
    await waitFor(() => total() >= n, 10_000, `${n} accepted connections (have ${total()})`);
    await sleep(50); // let a stray extra accept show up in the counts
  } finally {
    for (const socket of clients) socket.destroy();
    servers.forEach((server, i) => {
      server.off('connection', handlers[i]!);
    });
  }
  return counts;
}

const percent = (counts: number[]) => {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => `${((100 * c) / total).toFixed(1)}%`).join(' / ');
};

function assertSysError(fn: () => unknown, codes: string[], syscall: string | undefined, inMessage: string): void {
  assert.throws(fn, (err: NodeJS.ErrnoException) => {
    assert.ok(err instanceof Error, 'an Error instance');
    assert.ok(codes.includes(err.code ?? ''), `code ${err.code} is one of ${codes.join(', ')}`);
    if (syscall !== undefined) assert.equal(err.syscall, syscall);
    assert.equal(typeof err.errno, 'number');
    assert.ok(err.message.includes(inMessage), `message "${err.message}" names ${inMessage}`);
    return true;
  });
}

/** Whether this machine can bind ::1 at all (some containers have IPv6 disabled). */
async function hasIpv6Loopback(): Promise<boolean> {
  const probe = net.createServer();
  try {
    probe.listen({ host: '::1', port: 0 });
    await within(Promise.race([once(probe, 'listening'), once(probe, 'error')]), 5000, 'a ::1 probe');
    return probe.listening;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

function threadMasks(pid: number): string[] {
  const masks: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      masks.push(/^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? '?');
    } catch {
      // the thread ended meanwhile
    }
  }
  return masks;
}

// ---------------------------------------------------------------------------------------------

describe('native SO_REUSEPORT addon', { skip: LINUX ? false : 'SO_REUSEPORT balancing is Linux-only' }, () => {
  test('isSupported() is true on Linux', () => {
    assert.equal(native().isSupported(), true);
  });

  test('two listeners on one port both accept: each gets at least 20% of 200 connections', async (t) => {
    const fd1 = native().openListener({ host: HOST, port: 0 });
    const port = native().localPort(fd1);
    const fd2 = native().openListener({ host: HOST, port });
    const a = await serveFd(t, net.createServer(), fd1);
    const b = await serveFd(t, net.createServer(), fd2);
    const counts = await spread([a, b], HOST, port, 200);
    t.diagnostic(`200 connections over 2 reuseport sockets: ${counts.join(' / ')} (${percent(counts)})`);
    assert.equal(counts[0]! + counts[1]!, 200);
    assert.ok(counts[0]! >= 40, `first socket accepted ${counts[0]} of 200`);
    assert.ok(counts[1]! >= 40, `second socket accepted ${counts[1]} of 200`);
  });

  test('a taken port gives EADDRINUSE naming the address', async (t) => {
    const fd = native().openListener({ host: HOST, port: 0 });
    t.after(() => native().closeFd(fd));
    const port = native().localPort(fd);
    // without SO_REUSEPORT on the second socket
    assertSysError(
      () => native().openListener({ host: HOST, port, reusePort: false }),
      ['EADDRINUSE'],
      'bind',
      `${HOST}:${port}`,
    );
    // and the other way round: a plain socket's port cannot be joined with SO_REUSEPORT either
    const plain = native().openListener({ host: HOST, port: 0, reusePort: false });
    t.after(() => native().closeFd(plain));
    const plainPort = native().localPort(plain);
    assertSysError(
      () => native().openListener({ host: HOST, port: plainPort }),
      ['EADDRINUSE'],
      'bind',
      `${HOST}:${plainPort}`,
    );
  });

  test('bad and non-local addresses are errors, not crashes', () => {
    for (const host of ['999.1.1.1', '::zz', 'localhost', '']) {
      assertSysError(() => native().openListener({ host, port: 0 }), ['EADDRNOTAVAIL', 'EINVAL'], undefined, host);
    }
    // 192.0.2.0/24 is TEST-NET-1: valid, never local. Only bound, never connected to.
    assertSysError(
      () => native().openListener({ host: '192.0.2.1', port: 0 }),
      ['EADDRNOTAVAIL'],
      'bind',
      '192.0.2.1:0',
    );
    // NaN and friends must not turn into port 0 or fd 0 (napi_get_value_int32 maps them to 0)
    for (const port of [Number.NaN, 80.5, 2 ** 32 + 80, -1, 65536]) {
      assert.throws(() => native().openListener({ host: HOST, port }), TypeError, `port ${port}`);
    }
    assert.throws(() => native().closeFd(Number.NaN), TypeError);
    assert.throws(() => native().closeFd(-1), TypeError);
  });

  test('IPv6 loopback ::1 serves HTTP', async (t) => {
    if (!(await hasIpv6Loopback())) {
      t.skip('this machine has no ::1 (IPv6 disabled on loopback)');
      return;
    }
    const fd1 = native().openListener({ host: '::1', port: 0, ipv6Only: true });
    const port = native().localPort(fd1);
    assert.ok(port > 0);
    const fd2 = native().openListener({ host: '::1', port, ipv6Only: true });
    const a = await serveFd(t, helloServer(), fd1);
    const b = await serveFd(t, helloServer(), fd2);
    assert.deepEqual(a.address(), { address: '::1', family: 'IPv6', port });
    const res = await get({ host: '::1', port, path: '/v6' });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello GET /v6');
    const counts = await spread([a, b], '::1', port, 60);
    t.diagnostic(`60 connections over 2 reuseport sockets on [::1]: ${counts.join(' / ')} (${percent(counts)})`);
    assert.equal(counts[0]! + counts[1]!, 60);
    assert.ok(counts[0]! > 0 && counts[1]! > 0, `both [::1] sockets accept (${counts})`);
  });

  test('port 0: localPort(fd) returns the bound port and a second reuseport socket binds it', async (t) => {
    const fd1 = native().openListener({ host: HOST, port: 0 });
    const port = native().localPort(fd1);
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `port ${port}`);
    const fd2 = native().openListener({ host: HOST, port });
    t.after(() => native().closeFd(fd2));
    assert.equal(native().localPort(fd2), port);
    const server = await serveFd(t, net.createServer(), fd1);
    assert.equal((server.address() as net.AddressInfo).port, port);
    // the port really is taken for a socket without SO_REUSEPORT
    const plain = net.createServer();
    plain.listen({ host: HOST, port });
    const [err] = (await within(once(plain, 'error'), 5000, 'EADDRINUSE from net.Server')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'EADDRINUSE');
  });

  test('an fd passed through fork stdio serves HTTP in the child', async (t) => {
    const fd = native().openListener({ host: HOST, port: 0 });
    t.after(() => native().closeFd(fd));
    const port = native().localPort(fd);
    const child = forkFixture(t, 'serve-fd.mjs', ['ignore', 'inherit', 'inherit', 'ipc', fd]);
    await ready(child, 'serve-fd.mjs');
    const res = await get({ host: HOST, port, path: '/from-child' });
    assert.equal(res.status, 200);
    assert.equal(res.body, `served by ${child.pid} GET /from-child`);
  });

  test('KEY: a connection queued while nobody accepts is answered by a child started later', async (t) => {
    const fd = native().openListener({ host: HOST, port: 0 });
    t.after(() => native().closeFd(fd));
    const port = native().localPort(fd);

    // A first worker serves, then dies hard; the parent's fd keeps the socket open.
    const first = forkFixture(t, 'serve-fd.mjs', ['ignore', 'inherit', 'inherit', 'ipc', fd]);
    await ready(first, 'first worker');
    assert.equal((await get({ host: HOST, port })).body, `served by ${first.pid} GET /`);
    await stopChild(first);
    assert.equal(first.signalCode, 'SIGKILL');

    // Nobody accepts now: the handshake still completes (the kernel queues it) but no answer comes.
    const client = rawRequest(port, '/queued');
    t.after(() => client.socket.destroy());
    await within(once(client.socket, 'connect'), 5000, 'connect while no worker runs');
    await sleep(500);
    assert.equal(client.received(), '', 'no response while nobody accepts');
    assert.equal(client.closed(), false, 'the queued connection is neither reset nor closed');

    // A successor on the same fd accepts the queued connection and answers it.
    const second = forkFixture(t, 'serve-fd.mjs', ['ignore', 'inherit', 'inherit', 'ipc', fd]);
    await ready(second, 'second worker');
    await waitFor(() => client.closed(), 10_000, 'the queued request to be answered');
    const response = client.received();
    assert.match(response, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(response.endsWith(`served by ${second.pid} GET /queued`), response);
  });

  test('attachSlotSteering keeps new connections off a slot; detachSteering restores spreading', async (t) => {
    const fds = [0, 1, 2].map(() => -1);
    fds[0] = native().openListener({ host: HOST, port: 0 });
    const port = native().localPort(fds[0]!);
    fds[1] = native().openListener({ host: HOST, port });
    fds[2] = native().openListener({ host: HOST, port });
    const servers: net.Server[] = [];
    for (const fd of fds) servers.push(await serveFd(t, net.createServer(), fd));

    native().attachSlotSteering(fds[0]!, [0, 2]);
    const steered = await spread(servers, HOST, port, 100);
    t.diagnostic(`slot steering [0,2], 100 connections: ${steered.join(' / ')} (${percent(steered)})`);
    assert.equal(steered[1], 0, `socket 1 got ${steered[1]} connections while steered away`);
    assert.ok(steered[0]! > 0 && steered[2]! > 0, `both chosen sockets accept (${steered})`);
    assert.equal(steered[0]! + steered[2]!, 100);

    // the program belongs to the group: attaching it through another member works the same
    native().attachSlotSteering(fds[2]!, [1]);
    const onlyOne = await spread(servers, HOST, port, 30);
    t.diagnostic(`slot steering [1], 30 connections: ${onlyOne.join(' / ')}`);
    assert.deepEqual(onlyOne, [0, 30, 0]);

    native().detachSteering(fds[0]!);
    const spreadAgain = await spread(servers, HOST, port, 100);
    t.diagnostic(`after detachSteering, 100 connections: ${spreadAgain.join(' / ')} (${percent(spreadAgain)})`);
    for (const [i, count] of spreadAgain.entries()) assert.ok(count > 0, `socket ${i} accepts again (${spreadAgain})`);
    // detaching twice is not an error
    native().detachSteering(fds[0]!);

    native().attachCpuSteering(fds[0]!, 1);
    const cpu = await spread(servers, HOST, port, 100);
    t.diagnostic(`attachCpuSteering(fd, 1), 100 connections: ${cpu.join(' / ')}`);
    assert.deepEqual(cpu, [100, 0, 0]);
    native().detachSteering(fds[0]!);

    assert.throws(() => native().attachSlotSteering(fds[0]!, []), TypeError);
    assert.throws(() => native().attachCpuSteering(fds[0]!, 0), TypeError);
  });

  test('setParentDeathSignal: the child dies with its parent; without it, it outlives the parent', async (t) => {
    const start = async (signal: number) => {
      const parent = spawn(process.execPath, [join(FIXTURES, 'pdeathsig-parent.mjs')], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, VOLLEY_ADDON: ADDON, VOLLEY_TEST_PDEATHSIG: String(signal) },
      });
      t.after(() => stopChild(parent));
      let out = '';
      parent.stdout!.setEncoding('utf8');
      parent.stdout!.on('data', (chunk: string) => {
        out += chunk;
      });
      await waitFor(() => out.includes('\n') || parent.exitCode !== null, 10_000, 'the grandchild pid');
      const childPid = (JSON.parse(out.split('\n')[0]!) as { child: number }).child;
      t.after(() => killPid(childPid));
      assert.ok(isAlive(childPid));
      return { parent, childPid };
    };

    const withSignal = await start(15); // SIGTERM
    const control = await start(0);
    await stopChild(withSignal.parent);
    await stopChild(control.parent);
    await waitFor(() => !isAlive(withSignal.childPid), 5000, `child ${withSignal.childPid} to die with its parent`);
    await sleep(300);
    assert.equal(isAlive(control.childPid), true, 'a child without a parent-death signal outlives its parent');
  });

  test('setCpuAffinity pins every thread of a process; an unknown pid gives ESRCH', async (t) => {
    const cpus = native().usableCpus();
    assert.ok(cpus.length >= 1, 'usableCpus() lists at least one CPU');
    const ownMask = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const expanded = (ownMask ?? '').split(',').flatMap((part) => {
      const [lo, hi] = part.split('-').map(Number);
      return Array.from({ length: (hi ?? lo!) - lo! + 1 }, (_, k) => lo! + k);
    });
    assert.deepEqual(cpus, expanded, `usableCpus() agrees with /proc/self/status (${ownMask})`);
    const cpu = cpus.at(-1)!;

    // from inside: setCpuAffinity(0, cpu)
    const child = forkFixture(t, 'affinity.mjs', ['ignore', 'inherit', 'inherit', 'ipc']);
    await ready(child, 'affinity.mjs');
    const reply = within(once(child, 'message'), 5000, 'the affinity report') as Promise<
      [{ ok: boolean; cpus?: number[]; threads?: string[]; code?: string }]
    >;
    child.send({ pin: cpu });
    const [report] = await reply;
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.deepEqual(report.cpus, [cpu]);
    assert.ok((report.threads ?? []).length > 1, 'node runs several threads');
    assert.deepEqual(
      report.threads,
      report.threads!.map(() => String(cpu)),
      'every thread is pinned',
    );

    // from outside: setCpuAffinity(pid, cpu) on another process
    const other = forkFixture(t, 'affinity.mjs', ['ignore', 'inherit', 'inherit', 'ipc']);
    await ready(other, 'second affinity.mjs');
    native().setCpuAffinity(other.pid!, cpus[0]!);
    const masks = threadMasks(other.pid!);
    assert.deepEqual(
      masks,
      masks.map(() => String(cpus[0])),
      `all threads of ${other.pid} pinned`,
    );

    assertSysError(() => native().setCpuAffinity(2 ** 31 - 1, cpu), ['ESRCH'], 'sched_setaffinity', 'No such process');
  });

  test('openUnixListener applies the mode and serves HTTP', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-native-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'http.sock');
    const fd = native().openUnixListener({ path, mode: 0o600 });
    const info = statSync(path);
    assert.ok(info.isSocket(), 'a socket file exists at the path');
    assert.equal(info.mode & 0o7777, 0o600);
    assertSysError(() => native().openUnixListener({ path }), ['EADDRINUSE'], 'bind', path);
    await serveFd(t, helloServer(), fd);
    const res = await get({ socketPath: path, path: '/unix' });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello GET /unix');

    const other = join(dir, 'other.sock');
    const fd2 = native().openUnixListener({ path: other, mode: 0o660 });
    t.after(() => native().closeFd(fd2));
    assert.equal(statSync(other).mode & 0o7777, 0o660);
    assertSysError(
      () => native().openUnixListener({ path: join(dir, 'x'.repeat(200)) }),
      ['ENAMETOOLONG'],
      'bind',
      'x'.repeat(50),
    );
  });

  test('closeFd closes; a bad fd gives EBADF', async () => {
    const fd = native().openListener({ host: HOST, port: 0, reusePort: false });
    const port = native().localPort(fd);
    native().closeFd(fd);
    // the port is free again: a plain bind succeeds
    const again = native().openListener({ host: HOST, port, reusePort: false });
    native().closeFd(again);
    assertSysError(() => native().closeFd(2 ** 30), ['EBADF'], 'close', 'Bad file descriptor');
  });
});
