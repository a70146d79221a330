import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { Service } from '../http/service.js';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { type JwtAuthOptions, JwtToken, jwtAuth, jwtClaims } from './jwt-auth.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function hs256(claims: JWTPayload, options: { exp?: string | number; aud?: string; secret?: string } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setIssuer('volley-tests');
  jwt = jwt.setAudience(options.aud ?? 'api').setExpirationTime(options.exp ?? '5m');
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

function appWith(options: JwtAuthOptions) {
  const router = new Router().hoop(jwtAuth(options)).push(
    new Router('me').get((_req, _res, depot) => ({
      sub: jwtClaims(depot)?.sub ?? null,
      byKey: depot.get<JWTPayload>('jwt')?.sub ?? null,
      alg: depot.obtain(JwtToken)?.header.alg ?? null,
    })),
  );
  return new Service(router);
}

const hsOptions: JwtAuthOptions = { secret: SECRET, algorithms: ['HS256'], issuer: 'volley-tests', audience: 'api' };

test('jwtAuth: a valid bearer token passes and its claims are in the Depot', async () => {
  const app = appWith(hsOptions);
  const token = await hs256({ sub: 'user-1', role: 'admin' });
  const res = await TestClient.get('/me').header('authorization', `Bearer ${token}`).send(app);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), { sub: 'user-1', byKey: 'user-1', alg: 'HS256' });
});

test('jwtAuth: a missing token is a 401 with a Bearer challenge', async () => {
  const res = await TestClient.get('/me').send(appWith(hsOptions));
  assert.equal(res.status, 401);
  assert.equal(res.header('www-authenticate'), 'Bearer realm="api"');
});

test('jwtAuth: expired, bad-signature, wrong-audience, wrong-issuer, tampered, alg:none and garbage tokens get 401', async () => {
  const app = appWith(hsOptions);
  const good = await hs256({ sub: 'user-1' });
  const [h, p, s] = good.split('.') as [string, string, string];
  const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin' })}.${s}`;
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', iss: 'volley-tests', aud: 'api', exp: Math.floor(Date.now() / 1000) + 300 })}.`;
  const hs512 = await new SignJWT({ sub: 'x' })
    .setProtectedHeader({ alg: 'HS512' })
    .setIssuer('volley-tests')
    .setAudience('api')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET + SECRET));
  const cases: [string, string, RegExp][] = [
    ['expired', await hs256({ sub: 'u' }, { exp: Math.floor(Date.now() / 1000) - 60 }), /expired/],
    [
      'bad signature (other secret)',
      await hs256({ sub: 'u' }, { secret: 'another-secret-another-secret-12345' }),
      /signature/,
    ],
    ['wrong audience', await hs256({ sub: 'u' }, { aud: 'other-api' }), /"aud" claim/],
    [
      'wrong issuer',
      await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('evil')
        .setAudience('api')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET)),
      /"iss" claim/,
    ],
    ['tampered payload', tampered, /signature/],
    ['alg none', none, /not allowed|not valid|malformed/],
    ['algorithm not in the list', hs512, /not allowed/],
    ['garbage', 'not.a.jwt', /malformed|not valid/],
    ['two parts', `${h}.${p}`, /malformed|not valid/],
  ];
  for (const [name, token, reason] of cases) {
    const res = await TestClient.get('/me').header('authorization', `Bearer ${token}`).send(app);
    assert.equal(res.status, 401, name);
    const challenge = res.header('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer realm="api", error="invalid_token"/, name);
    assert.match(challenge, reason, `${name}: ${challenge}`);
  }
});

test("jwtAuth: algorithms are required and 'none' is refused when building the hoop", () => {
  assert.throws(() => jwtAuth({ secret: SECRET, algorithms: [] }), /algorithms/);
  assert.throws(() => jwtAuth({ secret: SECRET } as JwtAuthOptions), /algorithms/);
  assert.throws(() => jwtAuth({ secret: SECRET, algorithms: ['HS256', 'none'] }), /none/);
  assert.throws(() => jwtAuth({ algorithms: ['HS256'] }), /exactly one/);
  assert.throws(() => jwtAuth({ secret: SECRET, keySet: { keys: [] }, algorithms: ['HS256'] }), /exactly one/);
});

test('jwtAuth: token from a cookie or the query, in the configured order', async () => {
  const app = appWith({ ...hsOptions, from: ['cookie', 'query', 'header'], cookie: 'jwt' });
  const a = await hs256({ sub: 'from-cookie' });
  const b = await hs256({ sub: 'from-query' });
  const c = await hs256({ sub: 'from-header' });
  const both = await TestClient.get(`/me?access_token=${b}`)
    .header('cookie', `jwt=${a}`)
    .header('authorization', `Bearer ${c}`)
    .send(app);
  assert.equal(both.json<{ sub: string }>().sub, 'from-cookie');
  const query = await TestClient.get(`/me?access_token=${b}`).header('authorization', `Bearer ${c}`).send(app);
  assert.equal(query.json<{ sub: string }>().sub, 'from-query');
  // Header only is the default: a query token is not looked at.
  const headerOnly = await TestClient.get(`/me?access_token=${b}`).send(appWith(hsOptions));
  assert.equal(headerOnly.status, 401);
});

test('jwtAuth required: false lets anonymous requests through but still refuses bad tokens', async () => {
  const app = appWith({ ...hsOptions, required: false });
  const anon = await TestClient.get('/me').send(app);
  assert.deepEqual(anon.json(), { sub: null, byKey: null, alg: null });
  const bad = await TestClient.get('/me').header('authorization', 'Bearer x.y.z').send(app);
  assert.equal(bad.status, 401);
});

test('jwtAuth with a remote JWKS (served on loopback): key rotation by kid, forged and confused tokens refused', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let fetches = 0;
  const jwksServer = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => jwksServer.close(() => r())));
  jwksServer.unref();
  const url = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  const app = appWith({ jwks: url, algorithms: ['ES256'], audience: 'api' });
  const sign = (key: CryptoKey, kid: string, claims: JWTPayload = { sub: 'es-user' }) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setAudience('api').setExpirationTime('5m').sign(key);

  const ok = await TestClient.get('/me')
    .header('authorization', `Bearer ${await sign(privateKey, 'k1')}`)
    .send(app);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json(), { sub: 'es-user', byKey: 'es-user', alg: 'ES256' });
  assert.ok(fetches >= 1, 'the key set was fetched from the loopback server');

  const forged = await sign(other.privateKey, 'k1'); // right kid, wrong key
  const unknownKid = await sign(other.privateKey, 'k2');
  // Algorithm confusion: HS256 "signed" with the public key's JSON as the HMAC secret.
  const confused = await new SignJWT({ sub: 'admin' })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
    .setAudience('api')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JSON.stringify(jwk)));
  for (const [name, token] of [
    ['forged', forged],
    ['unknown kid', unknownKid],
    ['alg confusion', confused],
  ] as const) {
    const res = await TestClient.get('/me').header('authorization', `Bearer ${token}`).send(app);
    assert.equal(res.status, 401, name);
  }
});

test('jwtAuth with a local key set', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const app = appWith({
    keySet: { keys: [{ ...(await exportJWK(publicKey)), kid: 'r1', alg: 'RS256' }] },
    algorithms: ['RS256'],
  });
  const token = await new SignJWT({ sub: 'rs' })
    .setProtectedHeader({ alg: 'RS256', kid: 'r1' })
    .setExpirationTime('1m')
    .sign(privateKey);
  const res = await TestClient.get('/me').header('authorization', `Bearer ${token}`).send(app);
  assert.equal(res.json<{ sub: string }>().sub, 'rs');
});

test('jwtAuth: a JWKS endpoint that is down is a 503, not a 401', async () => {
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const app = new Service(
    new Router().hoop(jwtAuth({ jwks: `http://127.0.0.1:${port}/jwks`, algorithms: ['ES256'] })).get(() => 'x'),
    { logError: () => undefined },
  );
  const { privateKey } = await generateKeyPair('ES256');
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'k' })
    .setExpirationTime('1m')
    .sign(privateKey);
  const res = await TestClient.get('/').header('authorization', `Bearer ${token}`).send(app);
  assert.equal(res.status, 503);
});
