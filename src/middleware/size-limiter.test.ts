import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { listen } from './http-test-helpers.js';
import { sizeLimiter } from './size-limiter.js';

function app(onGoal: () => void) {
  return new Router().push(
    new Router('upload')
      .bodyLimit(10)
      .hoop(sizeLimiter(100))
      .post(async (req) => {
        onGoal();
        return `got ${(await req.bytes()).length}`;
      }),
  );
}

test('sizeLimiter sets the body limit (overriding router.bodyLimit) and accepts bodies up to it', async () => {
  const a = app(() => undefined);
  const res = await TestClient.post('/upload').body(Buffer.alloc(100, 'a')).send(a);
  assert.equal(res.status, 200);
  assert.equal(res.text(), 'got 100');
});

test('sizeLimiter refuses a declared Content-Length over the limit up front, before the handler, and closes', async () => {
  let goals = 0;
  const a = app(() => goals++);
  const res = await TestClient.post('/upload').body(Buffer.alloc(101, 'a')).send(a);
  assert.equal(res.status, 413);
  assert.equal(res.header('connection'), 'close');
  assert.equal(goals, 0);
});

test('sizeLimiter refuses a chunked body as soon as it crosses the limit', async () => {
  let goals = 0;
  const server = await listen(app(() => goals++));
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => reject(new Error('no answer')), 5000);
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
      socket.on('error', () => undefined); // the server may reset once it answered
      socket.write('POST /upload HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n');
      // 3 chunks of 60 bytes: the second one crosses 100. The last chunk is never sent.
      socket.write(`3c\r\n${'a'.repeat(60)}\r\n`);
      socket.write(`3c\r\n${'a'.repeat(60)}\r\n`);
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /connection: close/i);
    assert.equal(goals, 1);
  } finally {
    await server.close();
  }
});

test('sizeLimiter validates its argument', () => {
  assert.throws(() => sizeLimiter(-1), RangeError);
  assert.throws(() => sizeLimiter(1.5), RangeError);
});
