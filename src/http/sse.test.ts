// res.sse(): event encoding, headers, keep-alive, client disconnect, close() and graceful stop, over real HTTP.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { Router } from '../routing/index.js';
import { Server } from '../server/server.js';
import { TcpListener } from '../server/tcp-listener.js';
import { Service } from './service.js';
import { encodeSseMessage, type SseStream } from './sse.js';

interface Ctx {
  after: (fn: () => unknown) => void;
}

async function start(t: Ctx, app: Router | Service): Promise<{ port: number; server: Server; serving: Promise<void> }> {
  const server = new Server(new TcpListener('127.0.0.1:0'));
  const serving = server.serve(app);
  serving.catch(() => undefined);
  t.after(async () => {
    await server.stopGraceful(200);
    await serving.catch(() => undefined);
  });
  const [bound] = await server.ready();
  return { port: bound!.port!, server, serving };
}

/** An event-stream client that collects the text and can wait for a substring. */
function openStream(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{
    res: http.IncomingMessage;
    text: () => string;
    waitFor: (needle: string, ms?: number) => Promise<void>;
    ended: Promise<'end' | 'aborted'>;
    req: http.ClientRequest;
  }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let text = '';
      const waiters: { needle: string; resolve: () => void }[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (const w of waiters.splice(0)) {
          if (text.includes(w.needle)) w.resolve();
          else waiters.push(w);
        }
      });
      const ended = new Promise<'end' | 'aborted'>((done) => {
        res.once('end', () => done('end'));
        res.once('aborted', () => done('aborted'));
        res.once('error', () => done('aborted'));
      });
      resolve({
        res,
        req,
        text: () => text,
        ended,
        waitFor: (needle, ms = 3000) =>
          text.includes(needle)
            ? Promise.resolve()
            : new Promise((ok, fail) => {
                const timer = setTimeout(() => fail(new Error(`no ${JSON.stringify(needle)} in ${text}`)), ms);
                waiters.push({
                  needle,
                  resolve: () => {
                    clearTimeout(timer);
                    ok();
                  },
                });
              }),
      });
    });
    req.on('error', reject);
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref()),
  ]);

describe('encodeSseMessage', () => {
  test('fields, multi-line data and JSON', () => {
    assert.equal(encodeSseMessage('hi'), 'data: hi\n\n');
    assert.equal(
      encodeSseMessage({ event: 'tick', id: 7, retry: 2000, data: 'a\nb\r\nc' }),
      'event: tick\nid: 7\nretry: 2000\ndata: a\ndata: b\ndata: c\n\n',
    );
    assert.equal(encodeSseMessage({ data: { n: 1, s: 'x\ny' } }), 'data: {"n":1,"s":"x\\ny"}\n\n');
    assert.equal(encodeSseMessage({ data: '' }), 'data: \n\n');
    assert.equal(encodeSseMessage({ id: 'only' }), 'id: only\n\n');
  });

  test('bad input is refused', () => {
    assert.throws(() => encodeSseMessage({ event: 'a\nevent: forged', data: 'x' }), /newlines/);
    assert.throws(() => encodeSseMessage({ id: 'a\r', data: 'x' }), /newlines/);
    assert.throws(() => encodeSseMessage({ id: 'a\0', data: 'x' }), /NUL/);
    assert.throws(() => encodeSseMessage({ retry: -1 }), /retry/);
    assert.throws(() => encodeSseMessage({ retry: 1.5 }), /retry/);
    assert.throws(() => encodeSseMessage({}), /at least one/);
    assert.throws(() => encodeSseMessage({ retry: -1 }), {
      name: 'SseMessageError',
      code: 'VOLLEY_ERR_BAD_SSE_MESSAGE',
    });
  });
});

describe('res.sse()', { timeout: 20_000 }, () => {
  test('headers, events before and after the chain ends, retry, Last-Event-ID, hoop headers', async (t) => {
    let stream: SseStream | undefined;
    const router = new Router('events')
      .hoop(async (_req, res, _depot, ctrl) => {
        await ctrl.callNext();
        res.header('x-after', 'hoop');
      })
      .get((_req, res) => {
        stream = res.sse({ retry: 1500, keepAlive: 0 });
        stream.send({ event: 'hello', id: 1, data: { resume: stream.lastEventId ?? null } });
      });
    const { port } = await start(t, router);
    const client = await openStream(port, '/events', { 'last-event-id': '41' });
    t.after(() => client.req.destroy());
    assert.equal(client.res.statusCode, 200);
    assert.equal(client.res.headers['content-type'], 'text/event-stream');
    assert.equal(client.res.headers['cache-control'], 'no-cache');
    assert.equal(client.res.headers['x-accel-buffering'], 'no');
    assert.equal(client.res.headers['x-after'], 'hoop');
    assert.equal(client.res.headers['content-length'], undefined);
    await client.waitFor('event: hello\nid: 1\ndata: {"resume":"41"}\n\n');
    assert.ok(client.text().startsWith('retry: 1500\n\n'), client.text());
    // Written as sent once the chain is over.
    assert.equal(stream!.send({ event: 'later', data: 'line1\nline2' }), true);
    stream!.comment('note');
    await client.waitFor('event: later\ndata: line1\ndata: line2\n\n: note\n\n');
  });

  test('keep-alive comments are sent every keepAlive ms', async (t) => {
    const router = new Router('events').get((_req, res) => {
      res.sse({ keepAlive: 40 });
    });
    const { port } = await start(t, router);
    const client = await openStream(port, '/events');
    t.after(() => client.req.destroy());
    await client.waitFor(':\n\n:\n\n', 2000);
  });

  test('a client that disconnects is detected: closed resolves, onClose runs, sends return false', async (t) => {
    let stream: SseStream | undefined;
    let onCloseCalls = 0;
    const router = new Router('events').get((_req, res) => {
      stream = res.sse({ keepAlive: 0 });
      stream.onClose(() => onCloseCalls++);
      stream.send('first');
    });
    const { port } = await start(t, router);
    const client = await openStream(port, '/events');
    await client.waitFor('data: first');
    assert.equal(stream!.isClosed, false);
    client.req.destroy();
    await within(stream!.closed, 2000, 'closed after the client left');
    await new Promise((r) => setImmediate(r));
    assert.equal(onCloseCalls, 1);
    assert.equal(stream!.isClosed, true);
    assert.equal(stream!.send('nobody listens'), false);
  });

  test('close() ends the response cleanly after what was sent', async (t) => {
    const router = new Router('events').get((_req, res) => {
      const stream = res.sse({ keepAlive: 0 });
      let n = 0;
      const timer = setInterval(() => {
        stream.send({ id: ++n, data: `tick ${n}` });
        if (n === 3) stream.close();
      }, 10);
      stream.onClose(() => clearInterval(timer));
    });
    const { port } = await start(t, router);
    const client = await openStream(port, '/events');
    assert.equal(await within(client.ended, 3000, 'stream end'), 'end');
    assert.match(client.text(), /id: 3\ndata: tick 3\n\n$/);
    assert.ok(client.res.complete, 'the chunked body was terminated properly');
  });

  test('graceful stop ends open streams cleanly and the server stops promptly', async (t) => {
    let closedByDrain: Promise<void> | undefined;
    const router = new Router('events').get((_req, res) => {
      const stream = res.sse({ keepAlive: 0 });
      closedByDrain = stream.closed;
      stream.send('open');
    });
    const { port, server, serving } = await start(t, router);
    const a = await openStream(port, '/events');
    const b = await openStream(port, '/events');
    await a.waitFor('data: open');
    await b.waitFor('data: open');
    const started = Date.now();
    const stopping = server.stopGraceful(10_000);
    assert.equal(await within(a.ended, 3000, 'stream a end'), 'end');
    assert.equal(await within(b.ended, 3000, 'stream b end'), 'end');
    assert.ok(a.res.complete && b.res.complete, 'both streams ended with a proper terminator');
    await within(stopping, 3000, 'stopGraceful');
    await serving;
    await closedByDrain;
    assert.ok(Date.now() - started < 3000, `stop took ${Date.now() - started} ms`);
  });

  test('a stream that is never read past maxBuffered is dropped, not grown', async (t) => {
    let result: { accepted: number; closed: boolean } | undefined;
    const router = new Router('events').get((_req, res) => {
      const stream = res.sse({ keepAlive: 0, maxBuffered: 1000 });
      let accepted = 0;
      // Nothing is consumed before the chain ends: the buffer fills.
      for (let i = 0; i < 100; i++) if (stream.send('x'.repeat(90)) || !stream.isClosed) accepted++;
      result = { accepted, closed: stream.isClosed };
      res.status(503); // and do not leave a destroyed stream as the body
      res.text('dropped');
    });
    const { port } = await start(t, router);
    const res = await fetch(`http://127.0.0.1:${port}/events`);
    assert.equal(res.status, 503);
    await res.text();
    assert.ok(result!.closed);
    assert.ok(result!.accepted < 12, `accepted ${result!.accepted}`);
  });

  test('HEAD gets the headers and the stream is closed', async (t) => {
    let closed: Promise<void> | undefined;
    const router = new Router('events').goal((_req, res) => {
      const stream = res.sse();
      closed = stream.closed;
    });
    const { port } = await start(t, new Service(router));
    const res = await fetch(`http://127.0.0.1:${port}/events`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    await within(closed!, 2000, 'closed');
  });
});
