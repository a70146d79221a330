import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Service } from '../http/service.js';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { listen, rawRequest } from './http-test-helpers.js';
import { trailingSlash } from './trailing-slash.js';

function app(mode: 'add' | 'remove') {
  const router = new Router()
    .get(() => 'root')
    .push(
      new Router('docs')
        .get(() => 'docs')
        .post(() => 'posted')
        .options(() => 'options'),
    );
  return new Service(router).hoop(trailingSlash(mode));
}

test("trailingSlash('remove') redirects /docs/ to /docs with 301, keeping the query", async () => {
  const a = app('remove');
  const res = await TestClient.get('/docs/?q=1&r=a%20b').send(a);
  assert.equal(res.status, 301);
  assert.equal(res.header('location'), '/docs?q=1&r=a%20b');
  const canonical = await TestClient.get('/docs?q=1').send(a);
  assert.equal(canonical.status, 200);
  assert.equal(canonical.text(), 'docs');
  assert.equal((await TestClient.get('/').send(a)).text(), 'root');
});

test("trailingSlash('add') redirects /docs to /docs/; 404s too (Service hoop); / is left alone", async () => {
  const a = app('add');
  const res = await TestClient.get('/docs').send(a);
  assert.equal(res.status, 301);
  assert.equal(res.header('location'), '/docs/');
  assert.equal((await TestClient.get('/docs/').send(a)).text(), 'docs');
  assert.equal((await TestClient.get('/nope?x').send(a)).header('location'), '/nope/?x');
  assert.equal((await TestClient.get('/').send(a)).status, 200);
});

test('trailingSlash uses 308 for other methods and leaves OPTIONS alone', async () => {
  const a = app('remove');
  const post = await TestClient.post('/docs/').text('body').send(a);
  assert.equal(post.status, 308);
  assert.equal(post.header('location'), '/docs');
  const head = await TestClient.head('/docs/').send(a);
  assert.equal(head.status, 301);
  const options = await TestClient.options('/docs/').send(a);
  assert.equal(options.status, 200);
  assert.equal(options.text(), 'options');
});

test('trailingSlash never redirects to another host (//host, /\\host)', async () => {
  const server = await listen(app('remove'));
  const add = await listen(app('add'));
  try {
    const a = await rawRequest(server.port, '//evil.example/');
    assert.equal(a.status, 301);
    assert.equal(a.headers.location, '/evil.example');
    const b = await rawRequest(server.port, '/\\evil.example/');
    assert.equal(b.status, 301);
    assert.equal(b.headers.location, '/%5Cevil.example');
    const c = await rawRequest(add.port, '//evil.example');
    assert.equal(c.headers.location, '/evil.example/');
  } finally {
    await server.close();
    await add.close();
  }
});

test('trailingSlash validates its mode', () => {
  assert.throws(() => trailingSlash('both' as 'add'), TypeError);
});
