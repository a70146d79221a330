import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { Router } from '../routing/index.js';
import { Service } from './service.js';
import { TestClient } from './test-client.js';

describe('TestClient', { timeout: 30_000 }, () => {
  test('answers many sequential requests against one app, each its own', async () => {
    let count = 0;
    const app = new Router().push(
      new Router('n/{n:num}').get((req) => {
        count++;
        return { n: Number(req.param('n')) };
      }),
    );
    for (let i = 0; i < 500; i++) {
      const res = await TestClient.get(`/n/${i}`).send(app);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { n: i });
    }
    assert.equal(count, 500);
  });

  test('every method, headers, json/text/form bodies; a Router and a Service are both apps', async () => {
    const router = new Router('{**rest}').goal(async (req) => ({
      method: req.method,
      path: req.path,
      type: req.header('content-type') ?? null,
      custom: req.header('x-custom') ?? null,
      body: req.method === 'HEAD' || req.method === 'GET' ? null : await req.text(),
    }));
    const service = new Service(router);
    for (const app of [router, service]) {
      const put = await TestClient.put('/').json({ a: 1 }).headers({ 'X-Custom': 'c' }).send(app);
      assert.deepEqual(put.json(), {
        method: 'PUT',
        path: '/',
        type: 'application/json',
        custom: 'c',
        body: '{"a":1}',
      });
      const patch = await TestClient.patch('/').text('t').send(app);
      assert.deepEqual(patch.json(), {
        method: 'PATCH',
        path: '/',
        type: 'text/plain; charset=utf-8',
        custom: null,
        body: 't',
      });
      const del = await TestClient.delete('/').send(app);
      assert.equal((del.json() as { method: string }).method, 'DELETE');
      const form = await TestClient.post('/').form({ x: 'y z' }).send(app);
      assert.equal((form.json() as { body: string }).body, 'x=y+z');
      const custom = await TestClient.request('purge', 'no-leading-slash').send(app);
      assert.equal(custom.status, 200);
      assert.equal((custom.json() as { method: string }).method, 'PURGE');
      assert.equal((custom.json() as { path: string }).path, '/no-leading-slash');
    }
  });

  test('a process that used TestClient exits by itself (no handle left open)', async () => {
    // Runs the client in a child process: from dist (compiled) or from source through tsx.
    const fromSource = import.meta.url.endsWith('.ts');
    const index = new URL(fromSource ? '../index.ts' : '../index.js', import.meta.url).href;
    const script = `
      import { Router, TestClient } from ${JSON.stringify(index)};
      const app = new Router().get(() => 'ok');
      let ok = 0;
      for (let i = 0; i < 50; i++) if ((await TestClient.get('/').send(app)).text() === 'ok') ok++;
      console.log('done ' + ok);
    `;
    const child = spawn(
      process.execPath,
      [...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', script],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    // If a handle stayed open the child would never exit: kill it at the deadline and fail.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(timer);
    assert.equal(signal, null, `the child did not exit by itself; output:\n${output}`);
    assert.equal(code, 0, output);
    assert.match(output, /done 50/);
  });
});
