// sendToSockets over real loopback sockets: direct sends, sockets with queued data (order
// kept), a full socket buffer (the rest queued in Node, nothing lost), a closed peer.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { sendToSockets } from './send-to-sockets.js';

interface Ctx {
  after: (fn: () => unknown) => void;
}

/** A connected pair: `server` is the accepted side we write on, `client` reads. */
async function pair(t: Ctx): Promise<{ server: net.Socket; client: net.Socket }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = once(listener, 'connection');
  const client = net.connect(port, '127.0.0.1');
  const [server] = (await accepted) as [net.Socket];
  await once(client, 'connect').catch(() => undefined);
  listener.close();
  t.after(() => {
    client.destroy();
    server.destroy();
  });
  return { server, client };
}

function collect(socket: net.Socket): { bytes: () => Buffer; until: (n: number) => Promise<void> } {
  const chunks: Buffer[] = [];
  let total = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  socket.on('data', (c: Buffer) => {
    chunks.push(c);
    total += c.length;
    if (waiter && total >= waiter.n) waiter.resolve();
  });
  return {
    bytes: () => Buffer.concat(chunks),
    until: (n) =>
      total >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${total} of ${n} bytes`)), 10_000);
            waiter = {
              n,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            };
          }),
  };
}

test('every socket gets the bytes once, after what Node had queued for it', async (t) => {
  const a = await pair(t);
  const b = await pair(t);
  const ra = collect(a.client);
  const rb = collect(b.client);
  // b has data waiting in Node's stream (corked): ours must come after it, not before.
  b.server.cork();
  b.server.write('first;');
  sendToSockets([a.server, b.server], Buffer.from('shared;'));
  b.server.uncork();
  sendToSockets([a.server, b.server], Buffer.from('again;'));
  await ra.until(13);
  await rb.until(19);
  assert.equal(ra.bytes().toString(), 'shared;again;');
  assert.equal(rb.bytes().toString(), 'first;shared;again;');
  // a's bytes went by the native send (Node's stream did not count them); b's first by Node.
  assert.equal(a.server.bytesWritten, 0);
  assert.ok(b.server.bytesWritten >= 'first;shared;'.length);
});

test('a peer that does not read: what the kernel does not take is queued in Node, in order', async (t) => {
  const { server, client } = await pair(t);
  client.pause();
  const chunk = Buffer.alloc(256 * 1024, 'a');
  let sent = 0;
  // Until Node holds some of it (the kernel buffers took what they could), bounded.
  while (server.writableLength === 0 && sent < 400) {
    sendToSockets([server], Buffer.alloc(chunk.length, 97 + (sent % 26)));
    sent++;
  }
  assert.ok(server.writableLength > 0, `nothing queued in Node after ${sent} chunks`);
  const r = collect(client);
  client.resume();
  await r.until(sent * chunk.length);
  const got = r.bytes();
  assert.equal(got.length, sent * chunk.length);
  for (let i = 0; i < sent; i++) {
    const part = got.subarray(i * chunk.length, (i + 1) * chunk.length);
    assert.ok(
      part.every((c) => c === 97 + (i % 26)),
      `chunk ${i} intact and in place`,
    );
  }
});

test('a peer that is gone, and a destroyed socket, do not throw or crash', async (t) => {
  const gone = await pair(t);
  const destroyed = await pair(t);
  const live = await pair(t);
  const r = collect(live.client);
  gone.client.destroy();
  await once(gone.server, 'end').catch(() => undefined);
  destroyed.server.destroy();
  const errors: Error[] = [];
  gone.server.on('error', (e) => errors.push(e));
  for (let i = 0; i < 5; i++) sendToSockets([gone.server, destroyed.server, live.server], Buffer.from('x'));
  await r.until(5);
  assert.equal(r.bytes().toString(), 'xxxxx');
  // The gone peer's error (EPIPE/ECONNRESET), if the kernel reported one, went to its socket.
  for (const e of errors) assert.match((e as NodeJS.ErrnoException).code ?? '', /EPIPE|ECONNRESET/);
});
