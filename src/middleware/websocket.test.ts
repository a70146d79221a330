// WebSocket routes over real sockets: params, hoops before the upgrade, size limits, errors, graceful stop.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { Service } from '../http/service.js';
import { Router } from '../routing/index.js';
import { Server } from '../server/server.js';
import { TcpListener } from '../server/tcp-listener.js';
import { websocket } from './websocket.js';
import { wsRoute } from './websocket-route.js';

interface Ctx {
  after: (fn: () => unknown) => void;
}

async function start(t: Ctx, app: Router | Service, options = {}): Promise<{ port: number; server: Server }> {
  const server = new Server(new TcpListener('127.0.0.1:0'), options);
  const serving = server.serve(app);
  serving.catch(() => undefined);
  t.after(async () => {
    await server.stopGraceful(200);
    await serving.catch(() => undefined);
  });
  const [bound] = await server.ready();
  return { port: bound!.port!, server };
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref()),
  ]);

/** Connects; resolves with the open socket, or rejects with the HTTP status the server refused with. */
function connect(t: Ctx, url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    track(ws);
    t.after(() => ws.terminate());
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c;
      });
      res.on('end', () => {
        const err = Object.assign(new Error(`refused with ${res.statusCode}`), {
          status: res.statusCode,
          headers: res.headers,
          body,
        });
        reject(err);
      });
    });
    ws.once('error', reject);
  });
}

function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

// Messages are queued from the start: one sent right after the handshake may arrive with the 101.
const queues = new WeakMap<WebSocket, { messages: string[]; waiters: ((m: string) => void)[] }>();

function track(ws: WebSocket): void {
  const q = { messages: [] as string[], waiters: [] as ((m: string) => void)[] };
  queues.set(ws, q);
  ws.on('message', (data) => {
    const waiter = q.waiters.shift();
    if (waiter) waiter(String(data));
    else q.messages.push(String(data));
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  const q = queues.get(ws);
  if (!q) return once(ws, 'message').then(([data]) => String(data));
  const queued = q.messages.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  return new Promise((resolve) => q.waiters.push(resolve));
}

const echo = (ws: WebSocket) => {
  ws.on('message', (data, binary) => ws.send(data, { binary }));
};

describe('websocket routes', { timeout: 30_000 }, () => {
  test('router.get(websocket()): params, depot from hoops, and hoop headers on the 101', async (t) => {
    const router = new Router('rooms/{room}')
      .hoop((_req, res, depot) => {
        depot.insert('user', 'ada');
        res.header('x-request-id', 'r-1');
      })
      .get(
        websocket((ws, req, depot) => {
          ws.send(`welcome ${depot.get<string>('user')} to ${req.param('room')}`);
          echo(ws);
        }),
      );
    const { port } = await start(t, router);
    let upgradeHeaders: Record<string, unknown> = {};
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rooms/lobby`);
    t.after(() => ws.terminate());
    ws.once('upgrade', (res) => {
      upgradeHeaders = res.headers;
    });
    assert.equal(await within(nextMessage(ws), 3000, 'welcome'), 'welcome ada to lobby');
    assert.equal(upgradeHeaders['x-request-id'], 'r-1');
    ws.send('ping');
    assert.equal(await within(nextMessage(ws), 3000, 'echo'), 'ping');
    const closed = closeOf(ws);
    ws.close(1000, 'bye');
    assert.equal((await within(closed, 3000, 'close')).code, 1000);
  });

  test('an auth hoop answering 401 refuses the upgrade with a real HTTP 401', async (t) => {
    let handlerRan = false;
    const router = new Router('secure')
      .hoop((req, res) => {
        if (req.header('authorization') !== 'Bearer good') res.status(401).header('www-authenticate', 'Bearer');
      })
      .get(
        websocket((ws) => {
          handlerRan = true;
          ws.send('secret');
        }),
      );
    const { port } = await start(t, router);
    const refused = await connect(t, `ws://127.0.0.1:${port}/secure`).then(
      () => assert.fail('the upgrade went through'),
      (err: { status?: number; headers?: Record<string, string>; body?: string }) => err,
    );
    assert.equal(refused.status, 401);
    assert.equal(refused.headers?.['www-authenticate'], 'Bearer');
    assert.equal(refused.headers?.connection, 'close');
    assert.match(refused.body ?? '', /401 Unauthorized/);
    assert.equal(handlerRan, false);
    const ok = await connect(t, `ws://127.0.0.1:${port}/secure`, { headers: { authorization: 'Bearer good' } });
    assert.equal(await within(nextMessage(ok), 3000, 'secret'), 'secret');
  });

  test('404 and 405 on upgrade requests are proper HTTP answers and the socket closes', async (t) => {
    const router = new Router().push(wsRoute('chat', echo)).push(new Router('form').post(() => 'posted'));
    const { port } = await start(t, router);
    const notFound = await connect(t, `ws://127.0.0.1:${port}/nope`).catch((e: { status?: number }) => e);
    assert.equal((notFound as { status?: number }).status, 404);
    const wrongMethod = await connect(t, `ws://127.0.0.1:${port}/form`).catch((e: { status?: number }) => e);
    assert.equal((wrongMethod as { status?: number }).status, 405);
    // Raw: the server closes the connection after answering.
    const socket = net.connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    socket.write(
      'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    await within(once(socket, 'close'), 3000, 'socket close');
    assert.match(text, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(text, /\r\nconnection: close\r\n/i);
  });

  test('plain GET to a WebSocket route is 426; bad handshakes are refused', async (t) => {
    const router = new Router().push(wsRoute('chat', echo)).push(wsRoute('page', echo, { fallback: () => 'a page' }));
    const { port } = await start(t, router);
    const plain = await fetch(`http://127.0.0.1:${port}/chat`);
    assert.equal(plain.status, 426);
    assert.equal(plain.headers.get('upgrade'), 'websocket');
    await plain.text();
    const page = await fetch(`http://127.0.0.1:${port}/page`);
    assert.equal(await page.text(), 'a page');
    const raw = async (headers: string) => {
      const socket = net.connect(port, '127.0.0.1');
      t.after(() => socket.destroy());
      socket.write(`GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n${headers}\r\n`);
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
      });
      await within(once(socket, 'close'), 3000, 'socket close');
      return text;
    };
    assert.match(
      await raw('Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n'),
      /^HTTP\/1\.1 400 /,
    );
    const version = await raw(
      'Upgrade: websocket\r\nSec-WebSocket-Version: 7\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
    );
    assert.match(version, /^HTTP\/1\.1 426 /);
    assert.match(version, /sec-websocket-version: 13/i);
    assert.match(await raw('Upgrade: h2c\r\n'), /^HTTP\/1\.1 426 /);
  });

  test('maxPayload: the router body limit by default, an option otherwise; an oversized frame closes with 1009', async (t) => {
    const router = new Router()
      .push(new Router('small').bodyLimit(1024).get(websocket(echo)))
      .push(wsRoute('tiny', echo, { maxPayload: 16 }));
    const { port } = await start(t, router);
    const small = await connect(t, `ws://127.0.0.1:${port}/small`);
    small.send('x'.repeat(1024));
    assert.equal((await within(nextMessage(small), 3000, 'at the limit')).length, 1024);
    const closed = closeOf(small);
    small.send('x'.repeat(1025));
    assert.equal((await within(closed, 3000, 'close on oversize')).code, 1009);

    const tiny = await connect(t, `ws://127.0.0.1:${port}/tiny`);
    const tinyClosed = closeOf(tiny);
    tiny.send(Buffer.alloc(17));
    assert.equal((await within(tinyClosed, 3000, 'close on oversize')).code, 1009);
    // The server is fine.
    const again = await connect(t, `ws://127.0.0.1:${port}/small`);
    again.send('still here');
    assert.equal(await within(nextMessage(again), 3000, 'echo'), 'still here');
  });

  test('a handler that throws (sync or async) closes with 1011, is logged, and the process keeps serving', async (t) => {
    const logged: unknown[] = [];
    const router = new Router()
      .push(
        wsRoute('sync', () => {
          throw new Error('sync boom');
        }),
      )
      .push(
        wsRoute('async', async () => {
          await new Promise((r) => setTimeout(r, 10));
          throw new Error('async boom');
        }),
      )
      .push(wsRoute('echo', echo));
    const service = new Service(router, { logError: (err) => logged.push(err) });
    const { port } = await start(t, service);
    for (const path of ['sync', 'async']) {
      const ws = await connect(t, `ws://127.0.0.1:${port}/${path}`);
      assert.equal((await within(closeOf(ws), 3000, `${path} close`)).code, 1011);
    }
    assert.deepEqual(
      logged.map((e) => (e as Error).message),
      ['sync boom', 'async boom'],
    );
    const ws = await connect(t, `ws://127.0.0.1:${port}/echo`);
    ws.send('alive');
    assert.equal(await within(nextMessage(ws), 3000, 'echo'), 'alive');
  });

  test('a long-lived connection outlives the request timeouts', async (t) => {
    const router = wsRoute('echo', echo);
    const { port } = await start(t, router, { requestTimeout: 300, headersTimeout: 300 });
    const ws = await connect(t, `ws://127.0.0.1:${port}/echo`);
    await new Promise((r) => setTimeout(r, 900));
    ws.send('later');
    assert.equal(await within(nextMessage(ws), 3000, 'echo'), 'later');
  });

  test('while the server drains, an upgrade on a connection still open is refused with 503', async (t) => {
    const router = new Router().push(wsRoute('echo', echo)).push(new Router('hi').get(() => 'hi'));
    const { port, server } = await start(t, router);
    const socket = net.connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.write('GET /hi HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!text.includes('\r\n\r\nhi')) await new Promise((r) => setTimeout(r, 10));
    const stopping = server.stopGraceful(10_000);
    await new Promise((r) => setTimeout(r, 50));
    socket.write(
      'GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await within(once(socket, 'close'), 3000, 'socket close');
    assert.match(text.slice(text.indexOf('\r\n\r\nhi') + 6), /^HTTP\/1\.1 503 /);
    await within(stopping, 3000, 'stopGraceful');
  });

  test('graceful stop closes open WebSockets with 1001 and the server stops promptly', async (t) => {
    const router = new Router('echo').push(new Router().goal(websocket(echo)));
    const { port, server } = await start(t, router);
    const a = await connect(t, `ws://127.0.0.1:${port}/echo`);
    const b = await connect(t, `ws://127.0.0.1:${port}/echo`);
    const closes = [closeOf(a), closeOf(b)];
    const started = Date.now();
    await within(server.stopGraceful(10_000), 3000, 'stopGraceful');
    const [ca, cb] = await within(Promise.all(closes), 3000, 'closes');
    assert.equal(ca!.code, 1001);
    assert.equal(cb!.code, 1001);
    assert.ok(Date.now() - started < 3000);
  });
});
