import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { request } from '../helpers/raw-http.js';
import { serveFixture } from '../helpers/volley-process.js';

/** A request on a fresh connection, so the kernel's hash spreads them over the workers. */
const fresh = async (port: number, path: string, method = 'GET') => (await request({ port }, path, { method })).body;

test('a broadcast from one worker reaches every worker, relayed by the primary', async (t) => {
  const { volley, port } = await serveFixture({ app: fixture('broadcast-app.ts'), workers: 2 });
  t.after(() => volley.dispose());
  await volley.ready();
  const said = JSON.parse(await fresh(port, '/say?text=hello', 'POST')) as { worker: number };
  await sleep(200);
  const views = new Map<number, { text: string; from: number }[]>();
  for (let i = 0; i < 200 && views.size < 2; i++) {
    const view = JSON.parse(await fresh(port, '/heard')) as { worker: number; heard: { text: string; from: number }[] };
    views.set(view.worker, view.heard);
  }
  assert.equal(views.size, 2, 'reached both workers');
  for (const heard of views.values()) assert.deepEqual(heard, [{ text: 'hello', from: said.worker }]);
});
