// WebSockets and SSE under `volley serve --workers 2`: each worker answers, and SIGTERM to the
// primary closes WebSockets with 1001 and ends SSE streams, then the primary exits 0.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import WebSocket from 'ws';
import { waitPidGone } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { serveFixture } from '../helpers/volley-process.js';

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref()),
  ]);

/** Opens a WebSocket on a fresh connection and resolves with it and its hello. */
function hello(port: number): Promise<{ ws: WebSocket; hello: string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.once('message', (data) => resolve({ ws, hello: String(data), closed }));
    ws.once('error', reject);
  });
}

test('two workers each greet their own WebSocket client; SIGTERM closes them with 1001 and ends SSE', {
  timeout: 60_000,
}, async (t) => {
  const { volley, port } = await serveFixture({ app: fixture('realtime-app.ts'), workers: 2 });
  t.after(() => volley.dispose());
  await volley.ready();
  const workers = [...volley.workerPids];

  // SO_REUSEPORT spreads connections by their addresses: open fresh ones until both workers answered.
  const byWorker = new Map<string, { ws: WebSocket; closed: Promise<number> }>();
  const spare: WebSocket[] = [];
  t.after(() => {
    for (const { ws } of byWorker.values()) ws.terminate();
    for (const ws of spare) ws.terminate();
  });
  for (let attempt = 0; attempt < 60 && byWorker.size < 2; attempt++) {
    const client = await within(hello(port), 5000, 'hello');
    const m = /^hello from worker (\d+)$/.exec(client.hello);
    assert.ok(m, client.hello);
    if (byWorker.has(m[1]!)) {
      client.ws.terminate();
    } else {
      byWorker.set(m[1]!, client);
    }
  }
  assert.deepEqual([...byWorker.keys()].sort(), ['1', '2'], 'both workers answered');
  for (const { ws } of byWorker.values()) {
    const echoed = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.send('echo me');
    assert.equal(await within(echoed, 3000, 'echo'), 'echo me');
  }

  // An SSE stream too.
  const sse = await new Promise<{ ended: Promise<boolean>; first: Promise<string> }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/events', agent: false }, (res) => {
        res.setEncoding('utf8');
        const first = new Promise<string>((r) => res.once('data', (c: string) => r(c)));
        const ended = new Promise<boolean>((r) => {
          res.once('end', () => r(res.complete));
          res.once('error', () => r(false));
        });
        resolve({ ended, first });
      })
      .on('error', reject);
  });
  assert.match(await within(sse.first, 3000, 'sse hello'), /^event: hello\ndata: \{"worker":[12]\}\n\n$/);

  volley.signal('SIGTERM');
  const codes = await within(Promise.all([...byWorker.values()].map((c) => c.closed)), 10_000, 'WebSocket closes');
  assert.deepEqual(codes, [1001, 1001]);
  assert.equal(await within(sse.ended, 10_000, 'SSE end'), true, 'the SSE stream ended cleanly');
  const { code } = await within(volley.exited, 15_000, 'primary exit');
  assert.equal(code, 0);
  for (const pid of workers) assert.ok(await waitPidGone(pid, 2000), `worker ${pid} survived`);
});
