// proxy(): real loopback upstreams (HTTP and WebSocket), streaming both ways, headers, rewriting, 502/504, upgrades.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { Service } from '../http/service.js';
import { Router } from '../routing/index.js';
import { Server } from '../server/server.js';
import { TcpListener } from '../server/tcp-listener.js';
import { proxy } from './proxy.js';

interface Ctx {
  after: (fn: () => unknown) => void;
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref()),
  ]);

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The upstream: a plain node:http server with a WebSocket echo on /ws. Stopped by the test. */
async function startUpstream(t: Ctx) {
  const release = deferred();
  const firstChunk = deferred();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/base/stream?') || url === '/base/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
      release.promise.then(() => res.end('second\n'));
    } else if (url.startsWith('/base/hop')) {
      res.writeHead(200, {
        connection: 'x-bar, keep-alive',
        'x-bar': 'secret',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic',
        'x-keep': '1',
        'set-cookie': ['a=1', 'b=2'],
      });
      res.end('hop');
    } else if (url.startsWith('/base/hang')) {
      // never answers
    } else if (url.startsWith('/base/break')) {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 30);
    } else if (url.startsWith('/base/stream-in')) {
      let n = 0;
      req.once('data', () => firstChunk.resolve());
      req.on('data', (c: Buffer) => {
        n += c.length;
      });
      req.on('end', () => res.end(`received ${n}`));
    } else if (url.startsWith('/base/missing')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('upstream says no');
    } else {
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url, headers: req.headers, bodyBytes: n }));
      });
    }
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/base/ws')) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(`hello ${req.url} via ${req.headers['x-forwarded-for']}`);
      ws.on('message', (data, binary) => ws.send(data, { binary }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const ws of wss.clients) ws.terminate();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, release, firstChunk };
}

async function startProxy(t: Ctx, router: Router | Service) {
  const server = new Server(new TcpListener('127.0.0.1:0'));
  const serving = server.serve(router);
  serving.catch(() => undefined);
  t.after(async () => {
    await server.stopGraceful(200);
    await serving.catch(() => undefined);
  });
  const [bound] = await server.ready();
  return bound!.port!;
}

function get(
  port: number,
  path: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | string } = {},
) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('proxy()', { timeout: 30_000 }, () => {
  test('rewrites the path from the wildcard, keeps the query, sets X-Forwarded-*, drops hop-by-hop headers', async (t) => {
    const up = await startUpstream(t);
    const p = proxy(`http://127.0.0.1:${up.port}/base`);
    t.after(() => p.close());
    const router = new Router()
      .push(new Router('api/{**rest}').goal(p))
      .push(
        new Router('custom/{id}').goal(
          proxy(`http://127.0.0.1:${up.port}`, { rewrite: (req) => `/base/item-${req.param('id')}` }),
        ),
      );
    const port = await startProxy(t, router);
    const res = await get(port, '/api/echo/a%20b/c?x=1&y=2', {
      headers: {
        connection: 'keep-alive, x-foo',
        'x-foo': 'hop',
        'keep-alive': '300',
        te: 'trailers',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'x-forwarded-for': '10.0.0.1',
        'x-end-to-end': 'kept',
      },
    });
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.body) as { url: string; headers: Record<string, string>; method: string };
    assert.equal(seen.url, '/base/echo/a%20b/c?x=1&y=2');
    assert.equal(seen.method, 'GET');
    assert.equal(seen.headers['x-end-to-end'], 'kept');
    for (const h of ['x-foo', 'keep-alive', 'te', 'proxy-authorization']) assert.equal(seen.headers[h], undefined, h);
    assert.equal(seen.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], `127.0.0.1:${port}`);
    assert.equal(seen.headers.host, `127.0.0.1:${up.port}`);

    const custom = JSON.parse((await get(port, '/custom/42')).body) as { url: string };
    assert.equal(custom.url, '/base/item-42');
  });

  test('response hop-by-hop headers are dropped; status and bodies of upstream errors pass through', async (t) => {
    const up = await startUpstream(t);
    const p = proxy(`http://127.0.0.1:${up.port}/base`);
    t.after(() => p.close());
    const port = await startProxy(t, new Router('{**rest}').goal(p));
    const res = await get(port, '/hop');
    assert.equal(res.body, 'hop');
    assert.equal(res.headers['x-bar'], undefined);
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.notEqual(res.headers['keep-alive'], 'timeout=5');
    assert.equal(res.headers['x-keep'], '1');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    const missing = await get(port, '/missing');
    assert.equal(missing.status, 404);
    assert.equal(missing.body, 'upstream says no');
  });

  test('the response body is streamed, not buffered', async (t) => {
    const up = await startUpstream(t);
    const p = proxy(`http://127.0.0.1:${up.port}/base`);
    t.after(() => p.close());
    const port = await startProxy(t, new Router('{**rest}').goal(p));
    const got = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/stream', agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            // The first chunk arrived while the upstream is still holding the rest.
            if (text === 'first\n') up.release.resolve();
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(got, 'first\nsecond\n');
  });

  test('the request body is streamed to the upstream; body limits give 413', async (t) => {
    const up = await startUpstream(t);
    const p = proxy(`http://127.0.0.1:${up.port}/base`);
    t.after(() => p.close());
    const router = new Router()
      .push(new Router('big/{**rest}').bodyLimit(2 * 1024 * 1024).goal(p))
      .push(new Router('{**rest}').goal(p));
    const port = await startProxy(t, router);
    const mib = Buffer.alloc(1024 * 1024, 7);
    const big = await get(port, '/big/upload', {
      method: 'POST',
      body: mib,
      headers: { 'content-length': mib.length },
    });
    assert.equal((JSON.parse(big.body) as { bodyBytes: number }).bodyBytes, mib.length);
    // Past the default 64 KiB limit, declared: 413 before the upstream is asked.
    const refused = await get(port, '/upload', {
      method: 'POST',
      body: mib,
      headers: { 'content-length': mib.length },
    });
    assert.equal(refused.status, 413);
    // Chunked (no declared length): counted as it streams.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(10 * 1024));
      req.end();
    });
    assert.equal(chunked, 413);

    // Streaming: the upstream sees the first chunk before the client has finished sending.
    const answer = new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/stream-in', method: 'POST', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.write('part one,');
      up.firstChunk.promise.then(() => req.end('part two'));
    });
    assert.equal(await within(answer, 5000, 'streamed upload'), 'received 17');
  });

  test('upstream down is 502, a headers timeout is 504, and the proxy keeps serving', async (t) => {
    const up = await startUpstream(t);
    const dead = http.createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const logged: unknown[] = [];
    const down = proxy(`http://127.0.0.1:${deadPort}`);
    const slow = proxy(`http://127.0.0.1:${up.port}/base`, { headersTimeout: 300 });
    t.after(() => Promise.all([down.close(), slow.close()]));
    const router = new Router()
      .push(new Router('down/{**rest}').goal(down))
      .push(new Router('slow/{**rest}').goal(slow));
    const port = await startProxy(t, new Service(router, { logError: (err) => logged.push(err) }));
    const refused = await get(port, '/down/x');
    assert.equal(refused.status, 502);
    // The client is not told where the upstream is; the log is.
    assert.doesNotMatch(refused.body, new RegExp(`127\\.0\\.0\\.1|${deadPort}|ECONNREFUSED`));
    assert.match(String(logged[0]), new RegExp(`upstream http://127\\.0\\.0\\.1:${deadPort} failed: ECONNREFUSED`));
    const started = Date.now();
    const timedOut = await get(port, '/slow/hang');
    assert.equal(timedOut.status, 504);
    assert.doesNotMatch(timedOut.body, new RegExp(`127\\.0\\.0\\.1|${up.port}`));
    assert.ok(Date.now() - started < 3000);
    assert.equal(logged.length, 2, 'upstream failures are logged');
    assert.equal((await get(port, '/slow/echo')).status, 200);
  });

  test('an upstream that breaks mid-body cuts the client connection; the server keeps serving', async (t) => {
    const up = await startUpstream(t);
    const p = proxy(`http://127.0.0.1:${up.port}/base`);
    t.after(() => p.close());
    const logged: unknown[] = [];
    const port = await startProxy(t, new Service(new Router('{**rest}').goal(p), { logError: (e) => logged.push(e) }));
    const outcome = await new Promise<string>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/break', agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve(`end:${text}`));
          res.on('error', () => resolve(`aborted:${text}`));
        })
        .on('error', (e) => resolve(`error:${e.message}`));
    });
    assert.equal(outcome, 'aborted:partial');
    // The client can see the cut before the server has logged why (Node 24 orders it so).
    for (let i = 0; i < 100 && logged.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(logged.length, 1);
    assert.equal((await get(port, '/echo')).status, 200);
  });

  test('WebSocket upgrades pass through to the upstream; a refused upstream upgrade is 502', async (t) => {
    const up = await startUpstream(t);
    const p = proxy(`http://127.0.0.1:${up.port}/base`);
    t.after(() => p.close());
    const port = await startProxy(t, new Router('{**rest}').goal(p));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/room?x=1`);
    t.after(() => ws.terminate());
    const messages: string[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (d) => {
      messages.push(String(d));
      waiters.shift()?.();
    });
    const next = async () => {
      if (messages.length === 0) await new Promise<void>((r) => waiters.push(r));
      return messages.shift()!;
    };
    await within(once(ws, 'open'), 3000, 'open');
    assert.equal(await within(next(), 3000, 'hello'), 'hello /base/ws/room?x=1 via 127.0.0.1');
    ws.send('through the proxy');
    assert.equal(await within(next(), 3000, 'echo'), 'through the proxy');
    const big = Buffer.alloc(200_000, 1);
    ws.send(big);
    assert.equal((await within(next(), 3000, 'big echo')).length, big.length);
    const closed = once(ws, 'close');
    ws.close(1000);
    assert.equal(((await within(closed, 3000, 'close')) as [number])[0], 1000);

    const refused = await new Promise<number>((resolve, reject) => {
      const bad = new WebSocket(`ws://127.0.0.1:${port}/nows`);
      bad.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      bad.once('open', () => reject(new Error('opened')));
      bad.once('error', () => undefined);
    });
    assert.equal(refused, 502);
  });
});
