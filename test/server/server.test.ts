// Server and listeners over real sockets: addresses, SO_REUSEPORT, unix sockets, graceful stop, timeouts.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Router, Server, TcpListener, UnixListener } from '../../src/index.js';
import { freePort } from '../helpers/net.js';
import { deferred, rawExchange, request } from '../helpers/raw-http.js';

const socketPath = (name: string) => join(tmpdir(), `volley-${name}-${process.pid}-${Date.now()}.sock`);

/** Starts `server` on `app`; the test context stops it (forcibly if the test left it running). */
async function start(t: { after: (fn: () => unknown) => void }, server: Server, app: Router) {
  const serving = server.serve(app);
  serving.catch(() => undefined);
  t.after(async () => {
    await server.stopGraceful(500);
    await serving.catch(() => undefined);
  });
  const addresses = await server.ready();
  return { serving, addresses };
}

const hello = () => new Router().get(() => 'hello');

/** Whether something accepts TCP connections on the port. */
function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('listeners', { timeout: 20_000 }, () => {
  test('TcpListener on IPv6 ::1', async (t) => {
    const server = new Server(new TcpListener('[::1]:0'));
    const { addresses } = await start(t, server, hello());
    assert.equal(addresses.length, 1);
    assert.equal(addresses[0]!.address, '::1');
    assert.equal(addresses[0]!.family, 'IPv6');
    const res = await request({ host: '::1', port: addresses[0]!.port! }, '/');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello');
  });

  test('two Servers in one process share a port with { reusePort: true } and both serve', async (t) => {
    const first = new Server(new TcpListener('127.0.0.1:0', { reusePort: true }));
    const [bound] = (
      await start(
        t,
        first,
        new Router().get(() => 'first'),
      )
    ).addresses;
    const port = bound!.port!;
    const second = new Server(new TcpListener(`127.0.0.1:${port}`, { reusePort: true }));
    const [again] = (
      await start(
        t,
        second,
        new Router().get(() => 'second'),
      )
    ).addresses;
    assert.equal(again!.port, port);
    // The kernel spreads new connections over both sockets by hashing the client's port:
    // keep connecting until each server has answered (bounded, 2^-n chance of one-sidedness).
    const seen = new Set<string>();
    for (let i = 0; i < 400 && seen.size < 2; i++) seen.add((await request({ port }, '/')).body);
    assert.deepEqual([...seen].sort(), ['first', 'second']);
  });

  test('UnixListener with mode 0o600', async (t) => {
    const path = socketPath('unix');
    const server = new Server(new UnixListener(path, { mode: 0o600 }));
    const { addresses } = await start(t, server, hello());
    assert.equal(addresses[0]!.listener, `unix:${path}`);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.ok(statSync(path).isSocket());
    const res = await request({ socketPath: path }, '/');
    assert.equal(res.body, 'hello');
  });

  test('several listeners at once serve the same app', async (t) => {
    const path = socketPath('multi');
    const server = new Server([new TcpListener('127.0.0.1:0'), new TcpListener('[::1]:0'), new UnixListener(path)]);
    const { addresses } = await start(t, server, hello());
    assert.equal(addresses.length, 3);
    assert.equal((await request({ port: addresses[0]!.port! }, '/')).body, 'hello');
    assert.equal((await request({ host: '::1', port: addresses[1]!.port! }, '/')).body, 'hello');
    assert.equal((await request({ socketPath: path }, '/')).body, 'hello');
    assert.equal(server.requestCount, 3);
  });

  test('a port in use makes serve() reject with EADDRINUSE naming the address', async (t) => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;

    const server = new Server(new TcpListener(`127.0.0.1:${port}`));
    await assert.rejects(server.serve(hello()), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'EADDRINUSE');
      assert.ok(err.message.includes(`127.0.0.1:${port}`), err.message);
      return true;
    });
    await assert.rejects(server.ready(), { code: 'EADDRINUSE' });

    const reuse = new Server(new TcpListener(`127.0.0.1:${port}`, { reusePort: true }));
    await assert.rejects(reuse.serve(hello()), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'EADDRINUSE');
      assert.ok(err.message.includes(`127.0.0.1:${port}`), err.message);
      return true;
    });
  });

  test('when a later listener fails, the ones already bound are closed', async (t) => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const taken = (blocker.address() as net.AddressInfo).port;
    const free = await freePort();
    const server = new Server([new TcpListener(`127.0.0.1:${free}`), new TcpListener(`127.0.0.1:${taken}`)]);
    await assert.rejects(server.serve(hello()), { code: 'EADDRINUSE' });
    // The first listener's close is in progress; it must finish, leaving nothing on the port.
    await server.stopGraceful(100);
    assert.equal(await canConnect(free), false);
  });
});

describe('stopping', { timeout: 20_000 }, () => {
  test('serve() resolves after stopGraceful(), and the port no longer accepts', async () => {
    const server = new Server(new TcpListener('127.0.0.1:0'));
    const serving = server.serve(hello());
    const [bound] = await server.ready();
    assert.equal((await request({ port: bound!.port! }, '/')).body, 'hello');
    let resolved = false;
    void serving.then(() => {
      resolved = true;
    });
    assert.equal(server.draining, false);
    const stopping = server.stopGraceful(2000);
    assert.equal(server.draining, true);
    assert.equal(server.stopGraceful(), stopping, 'a second call returns the same promise');
    await stopping;
    await serving;
    assert.equal(resolved, true);
    assert.equal(await canConnect(bound!.port!), false);
  });

  test('stopGraceful() while serve() is still binding closes everything serve() bound', async () => {
    const port = await freePort();
    const server = new Server(new TcpListener(`127.0.0.1:${port}`));
    const serving = server.serve(hello());
    await server.stopGraceful(500);
    await serving;
    assert.equal(await canConnect(port), false);
  });

  test('an in-flight slow request finishes with 200 and Connection: close', async (t) => {
    const started = deferred();
    const release = deferred();
    const app = new Router().push(
      new Router('slow').get(async () => {
        started.resolve();
        await release.promise;
        return 'slow done';
      }),
    );
    const server = new Server(new TcpListener('127.0.0.1:0'));
    const { serving, addresses } = await start(t, server, app);
    const port = addresses[0]!.port!;
    const agent = new http.Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    const response = new Promise<{ status: number; connection: string | undefined; body: string }>(
      (resolve, reject) => {
        http
          .get({ port, host: '127.0.0.1', path: '/slow', agent }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c;
            });
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
          })
          .on('error', reject);
      },
    );
    await started.promise;
    const stopping = server.stopGraceful(10_000);
    // Stopped accepting: a new connection is refused while the slow request is still running.
    assert.equal(await canConnect(port), false);
    release.resolve();
    const res = await response;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'slow done');
    assert.equal(res.connection, 'close');
    await stopping;
    await serving;
  });

  test('idle keep-alive connections are closed (the test would time out otherwise)', { timeout: 8000 }, async (t) => {
    const server = new Server(new TcpListener('127.0.0.1:0'), { keepAliveTimeout: 60_000 });
    const { serving, addresses } = await start(t, server, hello());
    const socket = net.connect(addresses[0]!.port!, '127.0.0.1');
    t.after(() => socket.destroy());
    const firstReply = new Promise<string>((resolve) => socket.once('data', (c: Buffer) => resolve(c.toString())));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await firstReply, /^HTTP\/1\.1 200 OK[\s\S]*Connection: keep-alive/i);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // The shutdown timeout is far longer than this test's own: only closing idle connections ends it in time.
    await server.stopGraceful(60_000);
    await closed;
    await serving;
  });

  test('connections still busy at the timeout are forced closed', async (t) => {
    const started = deferred();
    const never = deferred();
    t.after(() => never.resolve());
    const app = new Router().push(
      new Router('stuck').get(async () => {
        started.resolve();
        await never.promise;
        return 'too late';
      }),
    );
    const server = new Server(new TcpListener('127.0.0.1:0'));
    const { serving, addresses } = await start(t, server, app);
    const reply = rawExchange(addresses[0]!.port!, ['GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n']);
    await started.promise;
    await server.stopGraceful(200);
    await serving;
    const { status, text } = await reply;
    assert.equal(status, 0, `no response expected, got: ${text}`);
  });
});

describe('timeouts', { timeout: 20_000 }, () => {
  test('a client sending its headers too slowly is cut off with 408', { timeout: 8000 }, async (t) => {
    const server = new Server(new TcpListener('127.0.0.1:0'), { headersTimeout: 300, requestTimeout: 1000 });
    const { addresses } = await start(t, server, hello());
    const socket = net.connect(addresses[0]!.port!, '127.0.0.1');
    let received = '';
    socket.on('data', (c: Buffer) => {
      received += c.toString();
    });
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // One header line every 50 ms, forever: only the server's headers timeout can end this.
    let n = 0;
    const drip = setInterval(() => socket.write(`X-Drip-${n++}: y\r\n`), 50);
    t.after(() => clearInterval(drip));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    clearInterval(drip);
    assert.match(received, /^HTTP\/1\.1 408 Request Timeout/);
  });

  test('a headers timeout longer than the request timeout is accepted (capped)', async (t) => {
    const server = new Server(new TcpListener('127.0.0.1:0'), { headersTimeout: 30_000, requestTimeout: 1000 });
    const { addresses } = await start(t, server, hello());
    assert.equal((await request({ port: addresses[0]!.port! }, '/')).body, 'hello');
  });
});
