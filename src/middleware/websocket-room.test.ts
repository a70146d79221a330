// WebSocketRoom over real sockets: shared frames reach every member intact and in order,
// deflate members get the same messages, closed members leave, slow members are closed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { Router } from '../routing/index.js';
import { listen } from './http-test-helpers.js';
import { websocket } from './websocket.js';
import { WebSocketRoom } from './websocket-room.js';

interface Ctx {
  after: (fn: () => unknown) => void;
}

/** A server whose /room route puts every connection into `room` (after a 'joined' message). */
async function serveRoom(t: Ctx, room: WebSocketRoom, perMessageDeflate = false, accepted: WebSocket[] = []) {
  const app = new Router('room').push(
    new Router().get(
      websocket(
        (ws) => {
          accepted.push(ws);
          ws.send('joined');
          room.join(ws);
        },
        { perMessageDeflate, maxPayload: 1 << 20 },
      ),
    ),
  );
  const running = await listen(app);
  t.after(() => running.close());
  return `ws://127.0.0.1:${running.port}/room`;
}

interface Received {
  data: Buffer;
  binary: boolean;
}

/** A client that has joined (its 'joined' came), collecting every later message. */
async function member(t: Ctx, url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, options);
  t.after(() => ws.terminate());
  const got: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('message', () => {
      ws.on('message', (data, binary) => {
        got.push({ data: data as Buffer, binary });
        for (const w of waiters.filter((w) => got.length >= w.n)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      });
      resolve();
    });
  });
  const until = (n: number, ms = 5000) =>
    got.length >= n
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${got.length} of ${n} messages in ${ms} ms`)), ms);
          waiters.push({
            n,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
  return { ws, got, until };
}

const waitFor = async (check: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('WebSocketRoom', { timeout: 30_000 }, () => {
  test('every member gets every message, whole and in order, text and binary, at every frame length', async (t) => {
    const room = new WebSocketRoom();
    const url = await serveRoom(t, room);
    const members = await Promise.all([member(t, url), member(t, url), member(t, url)]);
    assert.equal(room.size, 3);
    // Payload lengths on each side of the 7-bit, 16-bit and 64-bit length forms.
    const lengths = [0, 1, 125, 126, 127, 65535, 65536, 70000];
    const sent: (string | Buffer)[] = [];
    for (const n of lengths) {
      sent.push('é'.repeat(Math.floor(n / 2)) + (n % 2 ? 'x' : '')); // multi-byte UTF-8: n bytes
      sent.push(randomBytes(n));
    }
    for (let i = 0; i < 200; i++) sent.push(`burst ${i}`); // one turn: one write per member
    for (const m of sent) room.send(m);
    for (const m of members) {
      await m.until(sent.length);
      assert.equal(m.got.length, sent.length);
      m.got.forEach((r, i) => {
        const want = sent[i]!;
        assert.equal(r.binary, typeof want !== 'string', `message ${i} binary flag`);
        assert.ok(r.data.equals(typeof want === 'string' ? Buffer.from(want) : want), `message ${i} content`);
      });
    }
  });

  test('members with permessage-deflate get the same messages through ws.send', async (t) => {
    const room = new WebSocketRoom();
    const url = await serveRoom(t, room, true);
    const deflate = await member(t, url, { perMessageDeflate: true });
    const plain = await member(t, url, { perMessageDeflate: false });
    assert.match(deflate.ws.extensions, /permessage-deflate/);
    assert.equal(plain.ws.extensions, '');
    const text = 'compressible '.repeat(200);
    room.send(text);
    room.send(Buffer.from([1, 2, 3]));
    for (const m of [deflate, plain]) {
      await m.until(2);
      assert.equal(m.got[0]!.data.toString(), text);
      assert.equal(m.got[0]!.binary, false);
      assert.deepEqual([...m.got[1]!.data], [1, 2, 3]);
      assert.equal(m.got[1]!.binary, true);
    }
  });

  test('a member that closes leaves the room; the others keep receiving', async (t) => {
    const room = new WebSocketRoom();
    const url = await serveRoom(t, room);
    const a = await member(t, url);
    const b = await member(t, url);
    assert.equal(room.size, 2);
    a.ws.close();
    await waitFor(() => room.size === 1);
    room.send('after');
    await b.until(1);
    assert.equal(b.got[0]!.data.toString(), 'after');
    assert.equal(a.got.length, 0);
  });

  test('a member that does not read is closed with 1013 past maxBufferedBytes; the others get everything', async (t) => {
    const room = new WebSocketRoom({ maxBufferedBytes: 256 * 1024 });
    const url = await serveRoom(t, room);
    const reader = await member(t, url);
    // A client that completes the handshake and then never reads.
    const u = new URL(url);
    const stalled = net.connect(Number(u.port), u.hostname);
    t.after(() => stalled.destroy());
    stalled.write(
      `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await new Promise((r) => stalled.once('data', r));
    stalled.pause();
    await waitFor(() => room.size === 2);
    const chunk = 'z'.repeat(64 * 1024);
    let sends = 0;
    // Until the stalled member is dropped (the kernel buffers take some MiB first), bounded.
    while (room.closedSlow === 0 && sends < 2000) {
      room.send(chunk);
      sends++;
      await new Promise((r) => setImmediate(r));
      if (sends % 50 === 0) await reader.until(sends, 10_000);
    }
    assert.equal(room.closedSlow, 1, `the stalled member was not closed after ${sends} sends`);
    await waitFor(() => room.size === 1, 10_000);
    room.send('last');
    await reader.until(sends + 1, 10_000);
    assert.equal(reader.got.at(-1)!.data.toString(), 'last');
    assert.equal(reader.got.length, sends + 1);
  });

  test('leave stops delivery; join refuses a closed socket; send checks its argument', async (t) => {
    const room = new WebSocketRoom();
    const accepted: WebSocket[] = [];
    const url = await serveRoom(t, room, false, accepted);
    const m = await member(t, url);
    const serverSide = accepted[0]!;
    assert.equal(room.has(serverSide), true);
    assert.throws(() => room.send({ not: 'a string' } as unknown as string), TypeError);
    room.leave(serverSide);
    assert.equal(room.size, 0);
    room.send('not for you');
    await new Promise((r) => setTimeout(r, 50));
    serverSide.send('direct');
    await m.until(1);
    assert.equal(m.got[0]!.data.toString(), 'direct');
    m.ws.close();
    await waitFor(() => serverSide.readyState === WebSocket.CLOSED);
    assert.equal(room.join(serverSide), false);
    assert.equal(room.size, 0);
  });
});
