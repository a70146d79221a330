import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { basicAuth, basicAuthUsers, parseBasicAuth, safeEqual } from './basic-auth.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
let goalRuns = 0;
const router = (auth: ReturnType<typeof basicAuth>) =>
  new Router().hoop(auth).push(
    new Router('me').get((_req, _res, depot) => {
      goalRuns++;
      return { user: depot.get('user') };
    }),
  );

test('basicAuth: valid credentials reach the goal with the user in the Depot', async () => {
  const app = router(basicAuth(basicAuthUsers({ alice: 's3cret', bob: 'pa:ss:wörd' })));
  const res = await TestClient.get('/me').header('authorization', basic('alice', 's3cret')).send(app);
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), { user: 'alice' });
  // Passwords may contain ':' (only the first one separates) and non-ASCII characters.
  const bob = await TestClient.get('/me').header('authorization', basic('bob', 'pa:ss:wörd')).send(app);
  assert.deepEqual(bob.json(), { user: 'bob' });
});

test('basicAuth: missing, malformed, unknown-user and wrong-password requests get 401 and a challenge', async () => {
  const app = router(basicAuth(basicAuthUsers({ alice: 's3cret' }), { realm: 'Admin "zone"' }));
  const before = goalRuns;
  const cases: [string, string | undefined][] = [
    ['no header', undefined],
    ['wrong password', basic('alice', 'S3cret')],
    ['password prefix', basic('alice', 's3cre')],
    ['unknown user', basic('mallory', 's3cret')],
    ['empty', basic('', '')],
    ['other scheme', 'Bearer abc'],
    ['not base64', 'Basic %%%%'],
    ['no colon', `Basic ${Buffer.from('alice').toString('base64')}`],
    ['scheme only', 'Basic'],
  ];
  for (const [name, header] of cases) {
    const r = TestClient.get('/me');
    if (header !== undefined) r.header('authorization', header);
    const res = await r.send(app);
    assert.equal(res.status, 401, name);
    assert.equal(res.header('www-authenticate'), 'Basic realm="Admin _zone_", charset="UTF-8"', name);
  }
  assert.equal(goalRuns, before, 'the goal never ran');
});

test('basicAuth: a validator may return a user object, or refuse asynchronously', async () => {
  const app = router(
    basicAuth(async (user, pass) => (safeEqual(pass, 'token-' + user) ? { name: user, role: 'admin' } : false), {
      depotKey: 'user',
    }),
  );
  const ok = await TestClient.get('/me').header('authorization', basic('carol', 'token-carol')).send(app);
  assert.deepEqual(ok.json(), { user: { name: 'carol', role: 'admin' } });
  const no = await TestClient.get('/me').header('authorization', basic('carol', 'token-dave')).send(app);
  assert.equal(no.status, 401);
});

test('safeEqual and parseBasicAuth', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false, 'different lengths compare without throwing');
  assert.equal(safeEqual('', ''), true);
  assert.deepEqual(parseBasicAuth(basic('u', 'p')), { username: 'u', password: 'p' });
  assert.deepEqual(parseBasicAuth(`basic   ${Buffer.from('u:').toString('base64')}`), { username: 'u', password: '' });
  assert.equal(parseBasicAuth(undefined), undefined);
  assert.equal(parseBasicAuth('Basic a b'), undefined);
});
