import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { freePort, sleep } from '../helpers/net.js';
import { fixture } from '../helpers/paths.js';
import { VolleyProcess } from '../helpers/volley-process.js';

/** GET on a fresh connection each time, so the kernel's hash reaches both workers. */
function fresh(port: number, path: string, method = 'GET'): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject)
      .end();
  });
}

test('a broadcast from one worker reaches every worker, relayed by the primary', async (t) => {
  const port = await freePort();
  const volley = new VolleyProcess([
    'serve',
    fixture('broadcast-app.ts'),
    '--workers',
    '2',
    '--listen',
    `127.0.0.1:${port}`,
  ]);
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
