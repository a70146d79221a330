import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Service } from '../http/service.js';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { accessLog } from './access-log.js';

test('accessLog writes method, path, status, bytes, duration and worker after the response', async () => {
  const lines: string[] = [];
  const router = new Router().push(new Router('users/{id}').get((req) => `user ${req.param('id')}`));
  const app = new Service(router).hoop(accessLog({ write: (l) => lines.push(l) }));
  const res = await TestClient.get('/users/42').send(app);
  assert.equal(res.text(), 'user 42');
  await TestClient.get('/missing').send(app);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^GET \/users\/42 200 7B \d+\.\dms worker=\d+$/);
  assert.match(lines[1]!, /^GET \/missing 404 \d+B /);
});

test('accessLog json format: one object with route pattern and fields', async () => {
  const lines: string[] = [];
  const router = new Router().push(new Router('items/{id:num}').post(() => ({ ok: true })));
  const app = new Service(router).hoop(accessLog({ format: 'json', write: (l) => lines.push(l) }));
  await TestClient.post('/items/7').json({}).send(app);
  const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(entry.msg, 'request');
  assert.equal(entry.method, 'POST');
  assert.equal(entry.path, '/items/7');
  assert.match(String(entry.route), /items\/\{id:num\}/);
  assert.equal(entry.status, 200);
  assert.equal(entry.bytes, Buffer.byteLength('{"ok":true}'));
  assert.equal(typeof entry.durationMs, 'number');
  assert.equal(entry.remoteAddr, '127.0.0.1');
});
