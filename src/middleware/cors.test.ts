import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Service } from '../http/service.js';
import { StatusError } from '../http/status-error.js';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { type CorsOptions, cors } from './cors.js';

function app(options: CorsOptions) {
  const router = new Router()
    .push(new Router('items').get((_req, res) => res.header('vary', 'Accept').json([1, 2])))
    .push(
      new Router('fail').get(() => {
        throw StatusError.badRequest('nope');
      }),
    );
  return new Service(router).hoop(cors(options));
}

const preflight = (path: string, origin: string, headers: Record<string, string> = {}) =>
  TestClient.options(path).headers({ origin, 'access-control-request-method': 'POST', ...headers });

test('preflight OPTIONS on a GET-only route gets 204 with the Allow-* headers', async () => {
  const a = app({ origin: ['https://app.example'], credentials: true, maxAge: 600 });
  const res = await preflight('/items', 'https://app.example', {
    'access-control-request-headers': 'X-Token, Content-Type',
  }).send(a);
  assert.equal(res.status, 204);
  assert.equal(res.body.length, 0);
  assert.equal(res.header('access-control-allow-origin'), 'https://app.example');
  assert.equal(res.header('access-control-allow-credentials'), 'true');
  assert.equal(res.header('access-control-allow-methods'), 'GET, HEAD, PUT, POST, DELETE, PATCH');
  assert.equal(res.header('access-control-allow-headers'), 'X-Token, Content-Type'); // reflected
  assert.equal(res.header('access-control-max-age'), '600');
  assert.equal(res.header('vary'), 'Origin, Access-Control-Request-Headers');
  // Without CORS the same OPTIONS is a 405: the hoop really answered it.
  const bare = await preflight('/items', 'https://app.example').send(
    new Router().push(new Router('items').get(() => 1)),
  );
  assert.equal(bare.status, 405);
});

test('a disallowed origin gets no CORS headers, and its preflight a 403', async () => {
  const a = app({ origin: ['https://app.example'] });
  const simple = await TestClient.get('/items').header('origin', 'https://evil.example').send(a);
  assert.equal(simple.status, 200); // the server answers; the browser keeps it from the page
  assert.equal(simple.header('access-control-allow-origin'), undefined);
  assert.equal(simple.header('access-control-allow-credentials'), undefined);
  assert.equal(simple.header('vary'), 'Accept, Origin');
  const pre = await preflight('/items', 'https://evil.example').send(a);
  assert.equal(pre.status, 403);
  assert.equal(pre.header('access-control-allow-origin'), undefined);
  assert.equal(pre.header('access-control-allow-methods'), undefined);
  // 'null' (sandboxed iframes, file://) is just another origin.
  assert.equal((await preflight('/items', 'null').send(a)).status, 403);
});

test('actual requests: allowed origin, exposed headers, Vary merged with the handler, error pages too', async () => {
  const a = app({ origin: 'https://app.example', exposeHeaders: ['X-Total', 'ETag'] });
  const res = await TestClient.get('/items').header('origin', 'https://app.example').send(a);
  assert.equal(res.status, 200);
  assert.equal(res.header('access-control-allow-origin'), 'https://app.example');
  assert.equal(res.header('access-control-expose-headers'), 'X-Total, ETag');
  assert.equal(res.header('vary'), 'Accept, Origin');
  const failed = await TestClient.get('/fail').header('origin', 'https://app.example').send(a);
  assert.equal(failed.status, 400);
  assert.equal(failed.header('access-control-allow-origin'), 'https://app.example');
  const notFound = await TestClient.get('/nope').header('origin', 'https://app.example').send(a);
  assert.equal(notFound.status, 404);
  assert.equal(notFound.header('access-control-allow-origin'), 'https://app.example');
  // No Origin: no CORS headers, but the answer still varies on it.
  const noOrigin = await TestClient.get('/items').send(a);
  assert.equal(noOrigin.header('access-control-allow-origin'), undefined);
  assert.equal(noOrigin.header('vary'), 'Accept, Origin');
});

test("origin '*': a literal * without credentials (no Vary), the echoed origin with credentials", async () => {
  const star = await TestClient.get('/items').header('origin', 'https://any.example').send(app({}));
  assert.equal(star.header('access-control-allow-origin'), '*');
  assert.equal(star.header('vary'), 'Accept');
  const pre = await preflight('/items', 'https://any.example').send(app({ allowHeaders: ['X-A'] }));
  assert.equal(pre.status, 204);
  assert.equal(pre.header('access-control-allow-origin'), '*');
  assert.equal(pre.header('access-control-allow-headers'), 'X-A');
  assert.equal(pre.header('vary'), undefined);
  const cred = await TestClient.get('/items')
    .header('origin', 'https://any.example')
    .send(app({ credentials: true }));
  assert.equal(cred.header('access-control-allow-origin'), 'https://any.example');
  assert.equal(cred.header('access-control-allow-credentials'), 'true');
  assert.equal(cred.header('vary'), 'Accept, Origin');
});

test('origin as a RegExp (also /g) and as a sync or async function', async () => {
  const re = app({ origin: /^https:\/\/[a-z]+\.example\.com$/g });
  for (let i = 0; i < 3; i++) {
    const ok = await TestClient.get('/items').header('origin', 'https://shop.example.com').send(re);
    assert.equal(ok.header('access-control-allow-origin'), 'https://shop.example.com', `request ${i}`);
  }
  const bad = await TestClient.get('/items').header('origin', 'https://shop.example.com.evil.net').send(re);
  assert.equal(bad.header('access-control-allow-origin'), undefined);

  const fn = app({
    origin: async (origin, req) =>
      origin.endsWith('.trusted') ? true : req.query('as') === 'fixed' ? 'https://fixed' : false,
    allowMethods: ['get', 'post'],
  });
  const t = await preflight('/items', 'https://a.trusted').send(fn);
  assert.equal(t.status, 204);
  assert.equal(t.header('access-control-allow-origin'), 'https://a.trusted');
  assert.equal(t.header('access-control-allow-methods'), 'GET, POST');
  const fixed = await TestClient.get('/items?as=fixed').header('origin', 'https://other').send(fn);
  assert.equal(fixed.header('access-control-allow-origin'), 'https://fixed');
  const denied = await preflight('/items', 'https://other').send(fn);
  assert.equal(denied.status, 403);
});

test('an OPTIONS without Access-Control-Request-Method is not a preflight', async () => {
  const router = new Router().push(new Router('items').get(() => 1).options(() => 'own options'));
  const a = new Service(router).hoop(cors({ origin: 'https://app.example' }));
  const res = await TestClient.options('/items').header('origin', 'https://app.example').send(a);
  assert.equal(res.status, 200);
  assert.equal(res.text(), 'own options');
  assert.equal(res.header('access-control-allow-origin'), 'https://app.example');
});
