// Bad input over real sockets: what Node's parser and Volley's body handling answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Router, Server, Service, TcpListener } from '../../src/index.js';
import { rawExchange, request } from '../helpers/raw-http.js';

describe('bad input over HTTP', { timeout: 20_000 }, () => {
  const logged: unknown[] = [];
  const router = new Router()
    .get(() => 'alive')
    .push(new Router('echo').post(async (req) => ({ got: await req.json() })))
    .push(
      new Router('boom').get(() => {
        throw new Error('handler exploded');
      }),
    );
  const service = new Service(router, { logError: (err) => logged.push(err) });
  const server = new Server(new TcpListener('127.0.0.1:0'));
  let port = 0;
  let serving: Promise<void>;

  before(async () => {
    serving = server.serve(service);
    const [bound] = await server.ready();
    port = bound!.port!;
  });
  after(async () => {
    await server.stopGraceful(1000);
    await serving;
  });

  const stillServing = async () => {
    const res = await request({ port }, '/');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'alive');
  };

  test('a garbage request line is a 400, and the server keeps serving', async () => {
    const reply = await rawExchange(port, ['THIS IS NOT HTTP\r\n\r\n']);
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /Connection: close/i);
    await stillServing();
  });

  test('a 100 KB header is a 431', async () => {
    const reply = await rawExchange(port, [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`]);
    assert.equal(reply.status, 431, reply.text.slice(0, 200));
    await stillServing();
  });

  test('a 200 KB JSON body with Content-Length is a 413 before the body is sent, and the connection closes', async () => {
    // Only the headers are sent: the answer cannot depend on reading the body.
    const reply = await rawExchange(port, [
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${200 * 1024}\r\n\r\n`,
    ]);
    assert.equal(reply.status, 413, reply.text);
    assert.match(reply.text, /connection: close/i);
    await stillServing();
  });

  test('a whole 200 KB JSON body with Content-Length is a 413 too', async () => {
    const body = JSON.stringify({ blob: 'x'.repeat(200 * 1024) });
    const reply = await rawExchange(port, [
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    ]);
    assert.equal(reply.status, 413, reply.text.slice(0, 200));
    await stillServing();
  });

  test('a chunked body without length is a 413 as soon as it passes the limit, without waiting for the rest', async () => {
    // One 200 KB chunk is announced, 100 KB of it sent, and the request never ends.
    const reply = await rawExchange(port, [
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      `${(200 * 1024).toString(16)}\r\n`,
      Buffer.alloc(100 * 1024, 0x20),
    ]);
    assert.equal(reply.status, 413, reply.text);
    assert.match(reply.text, /connection: close/i);
    await stillServing();
  });

  test('malformed JSON is a 400', async () => {
    const res = await request({ port }, '/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{"unterminated": ',
    });
    assert.equal(res.status, 400);
    const parsed = JSON.parse(res.body) as { error: { code: number; detail: string } };
    assert.equal(parsed.error.code, 400);
    assert.match(parsed.error.detail, /malformed JSON/);
  });

  test('a handler that throws is a 500 and the server serves the next request', async () => {
    const before = logged.length;
    const res = await request({ port }, '/boom');
    assert.equal(res.status, 500);
    assert.equal(res.body, '500 Internal Server Error');
    assert.equal(logged.length, before + 1);
    assert.equal((logged.at(-1) as Error).message, 'handler exploded');
    await stillServing();
  });
});
