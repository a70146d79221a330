import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Router } from '../routing/index.js';
import { TestClient } from './test-client.js';

test('a 405 lists the methods the path answers in Allow (RFC 9110), HEAD wherever GET is', async () => {
  const router = new Router()
    .push(
      new Router('doc')
        .get(() => 'doc')
        .put(() => 'put')
        .delete(() => 'gone'),
    )
    .push(new Router('form').post(() => 'posted'))
    .push(new Router('any').host('api.example.com').patch(() => 'patched'));
  const doc = await TestClient.post('/doc').send(router);
  assert.equal(doc.status, 405);
  assert.equal(doc.header('allow'), 'GET, HEAD, PUT, DELETE');
  const form = await TestClient.get('/form').send(router);
  assert.equal(form.status, 405);
  assert.equal(form.header('allow'), 'POST');
  // The other filters still apply: only on its host does the PATCH route count.
  const rightHost = await TestClient.get('/any').header('host', 'api.example.com').send(router);
  assert.equal(rightHost.status, 405);
  assert.equal(rightHost.header('allow'), 'PATCH');
  const twoHosts = new Router('x')
    .push(new Router().host('a.example.com').get(() => 'a'))
    .push(new Router().host('b.example.com').delete(() => 'b'));
  const onA = await TestClient.post('/x').header('host', 'a.example.com').send(twoHosts);
  assert.equal(onA.header('allow'), 'GET, HEAD');
  // A 404 or a success has none.
  assert.equal((await TestClient.get('/nothing').send(router)).header('allow'), undefined);
  assert.equal((await TestClient.get('/doc').send(router)).header('allow'), undefined);
});
