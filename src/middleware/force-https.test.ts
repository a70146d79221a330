import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { type CertFiles, makeCert } from '../../test/helpers/certs.js';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { forceHttps } from './force-https.js';
import { listen, rawRequest } from './http-test-helpers.js';

let cert: CertFiles;
before(async () => {
  cert = await makeCert();
});
after(() => cert.remove());

const app = (options?: Parameters<typeof forceHttps>[0]) =>
  new Router().hoop(forceHttps(options)).push(new Router('page').get(() => 'secure page').post(() => 'posted'));

function httpsGet(
  port: number,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('forceHttps redirects plain HTTP to https on the Host, keeping path and query (301 GET, 308 POST)', async () => {
  const a = app();
  const res = await TestClient.get('/page?x=1').header('host', 'Example.COM:8080').send(a);
  assert.equal(res.status, 301);
  assert.equal(res.header('location'), 'https://example.com/page?x=1');
  assert.equal(res.header('strict-transport-security'), undefined);
  const post = await TestClient.post('/page').header('host', 'example.com').send(a);
  assert.equal(post.status, 308);
});

test('forceHttps with a port and a fixed host; a malformed Host is a 400', async () => {
  const res = await TestClient.get('/page')
    .header('host', 'example.com')
    .send(app({ port: 8443 }));
  assert.equal(res.header('location'), 'https://example.com:8443/page');
  const pinned = await TestClient.get('/page')
    .header('host', 'evil.example')
    .send(app({ host: 'good.example' }));
  assert.equal(pinned.header('location'), 'https://good.example/page');
  const server = await listen(app());
  try {
    const bad = await rawRequest(server.port, '/page', { headers: { host: 'a@b.example' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.location, undefined);
    const slashes = await rawRequest(server.port, '//page', { headers: { host: 'good.example' } });
    assert.equal(slashes.headers.location, 'https://good.example/page');
  } finally {
    await server.close();
  }
});

test('X-Forwarded-Proto counts only with trustProxy', async () => {
  const untrusted = await TestClient.get('/page').header('x-forwarded-proto', 'https').send(app());
  assert.equal(untrusted.status, 301);
  const trusted = app({ trustProxy: true, hsts: { maxAge: 600 } });
  const res = await TestClient.get('/page').header('x-forwarded-proto', 'https, http').send(trusted);
  assert.equal(res.status, 200);
  assert.equal(res.text(), 'secure page');
  assert.equal(res.header('strict-transport-security'), 'max-age=600');
  const plain = await TestClient.get('/page').header('x-forwarded-proto', 'http').send(trusted);
  assert.equal(plain.status, 301);
  assert.equal(plain.header('strict-transport-security'), undefined);
});

test('over a real TLS socket the request passes and gets HSTS', async () => {
  const server = await listen(app({ hsts: { maxAge: 31536000, includeSubDomains: true, preload: true } }), {
    cert: cert.cert,
    key: cert.key,
  });
  try {
    const res = await httpsGet(server.port, '/page');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'secure page');
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains; preload');
  } finally {
    await server.close();
  }
});

test('forceHttps validates its options', () => {
  assert.throws(() => forceHttps({ port: 70000 }), RangeError);
  assert.throws(() => forceHttps({ host: 'a/b' }), TypeError);
});
