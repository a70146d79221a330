import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { ListenInterceptor } from './self-listen.js';

/** A free loopback port (bound with the interceptor not installed). */
function freePort(): Promise<number> {
  const s = createServer();
  return new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    }),
  );
}

const listening = (server: Server) => new Promise<void>((r) => (server.listening ? r() : server.once('listening', r)));
const close = (server: Server) => new Promise<void>((r) => server.close(() => r()));

test('a listen() on a served port is taken over; any other port is left alone', async (t) => {
  const served = await freePort();
  const other = await freePort();
  // Under the node:cluster fallback a slot's listener is an address: the take-over listens on it.
  const interceptor = new ListenInterceptor([{ address: `127.0.0.1:${served}`, label: `127.0.0.1:${served}` }]);
  const taken: string[] = [];
  interceptor.onTaken((x) => taken.push(x.label));
  interceptor.install();
  t.after(() => interceptor.uninstall());
  assert.equal(interceptor.firstPort, served);

  const app = createServer();
  let called = false;
  app.listen(served, '0.0.0.0', () => {
    called = true;
  });
  await listening(app);
  assert.equal(called, true, "the app's listen callback runs");
  assert.deepEqual(
    app.address(),
    { address: '127.0.0.1', family: 'IPv4', port: served },
    'bound to the served address',
  );
  assert.deepEqual(taken, [`127.0.0.1:${served}`]);

  const unrelated = createServer();
  unrelated.listen({ port: other, host: '127.0.0.1' });
  await listening(unrelated);
  assert.equal((unrelated.address() as { port: number }).port, other);
  assert.deepEqual(taken, [`127.0.0.1:${served}`], 'a listen() on another port is not taken');
  await Promise.all([close(app), close(unrelated)]);
});

test('the port may come as a string in an options object', async (t) => {
  const served = await freePort();
  const interceptor = new ListenInterceptor([{ address: `127.0.0.1:${served}`, label: `127.0.0.1:${served}` }]);
  const taken: string[] = [];
  interceptor.onTaken((x) => taken.push(x.label));
  interceptor.install();
  t.after(() => interceptor.uninstall());
  const app = createServer();
  app.listen({ port: String(served) } as never);
  await listening(app);
  assert.deepEqual(taken, [`127.0.0.1:${served}`]);
  await close(app);
});
