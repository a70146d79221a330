import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Service } from '../http/service.js';
import { TestClient, type TestResponse } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { type CsrfOptions, csrf, csrfToken } from './csrf.js';
import { session } from './session.js';

const cookieLine = (res: TestResponse, name: string) =>
  (res.headers['set-cookie'] ?? []).find((l) => l.startsWith(`${name}=`));
const cookieValue = (line: string | undefined) => line?.slice(line.indexOf('=') + 1).split(';')[0];

let writes = 0;
function app(options: CsrfOptions = {}, withSession = false) {
  const router = new Router();
  if (withSession) router.hoop(session({ secret: 'sess-secret' }));
  router.hoop(csrf(options));
  router.push(new Router('form').get((_q, _s, depot) => ({ token: csrfToken(depot) })));
  router.push(
    new Router('transfer').post((_q, _s, depot) => {
      writes++;
      return { done: true, next: csrfToken(depot) };
    }),
  );
  router.push(
    new Router('any').goal(() => {
      writes++;
      return 'ok';
    }),
  );
  return new Service(router);
}

test('csrf double-submit: a GET issues a readable token cookie; a POST must echo it', async () => {
  const svc = app();
  const page = await TestClient.get('/form').send(svc);
  const line = cookieLine(page, 'volley.csrf')!;
  assert.match(
    line,
    /^volley\.csrf=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Strict$/,
    'not HttpOnly, so scripts can read it',
  );
  const token = cookieValue(line)!;
  assert.equal(page.json<{ token: string }>().token, token);
  const cookie = `volley.csrf=${token}`;

  // A GET with the cookie reuses the token (no new cookie).
  const again = await TestClient.get('/form').header('cookie', cookie).send(svc);
  assert.equal(again.json<{ token: string }>().token, token);
  assert.equal(cookieLine(again, 'volley.csrf'), undefined);

  const before = writes;
  const viaHeader = await TestClient.post('/transfer').header('cookie', cookie).header('x-csrf-token', token).send(svc);
  assert.equal(viaHeader.status, 200);
  const viaForm = await TestClient.post('/transfer')
    .header('cookie', cookie)
    .form({ _csrf: token, amount: '5' })
    .send(svc);
  assert.equal(viaForm.status, 200);
  assert.equal(writes, before + 2);
});

test('csrf: missing, wrong, cookie-only and header-only requests get 403 and the goal never runs', async () => {
  const svc = app();
  const token = cookieValue(cookieLine(await TestClient.get('/form').send(svc), 'volley.csrf'))!;
  const other = cookieValue(cookieLine(await TestClient.get('/form').send(svc), 'volley.csrf'))!;
  const before = writes;
  const cases: [string, Record<string, string>][] = [
    ['cookie only (the forged cross-site request)', { cookie: `volley.csrf=${token}` }],
    ['header only', { 'x-csrf-token': token }],
    ['mismatch', { cookie: `volley.csrf=${token}`, 'x-csrf-token': other }],
    ['prefix of the token', { cookie: `volley.csrf=${token}`, 'x-csrf-token': token.slice(0, 20) }],
    ['attacker-chosen short cookie and header', { cookie: 'volley.csrf=a', 'x-csrf-token': 'a' }],
    ['nothing', {}],
  ];
  for (const [name, headers] of cases) {
    const res = await TestClient.post('/transfer').headers(headers).send(svc);
    assert.equal(res.status, 403, name);
  }
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    const res = await TestClient.request(method, '/any').header('cookie', `volley.csrf=${token}`).send(svc);
    assert.equal(res.status, 403, method);
    const ok = await TestClient.request(method, '/any')
      .header('cookie', `volley.csrf=${token}`)
      .header('x-csrf-token', token)
      .send(svc);
    assert.equal(ok.status, 200, `${method} with the token`);
  }
  const wrongField = await TestClient.post('/transfer')
    .header('cookie', `volley.csrf=${token}`)
    .form({ _csrf: other })
    .send(svc);
  assert.equal(wrongField.status, 403);
  assert.equal(writes, before + 3, 'only the three requests with the token got through');
});

test("csrf rotate: 'after-use' issues a new token after each accepted request; the old one is then refused", async () => {
  const svc = app({ rotate: 'after-use' });
  const t1 = cookieValue(cookieLine(await TestClient.get('/form').send(svc), 'volley.csrf'))!;
  const used = await TestClient.post('/transfer')
    .header('cookie', `volley.csrf=${t1}`)
    .header('x-csrf-token', t1)
    .send(svc);
  assert.equal(used.status, 200);
  const t2 = cookieValue(cookieLine(used, 'volley.csrf'))!;
  assert.ok(t2 && t2 !== t1, 'a new token cookie');
  assert.equal(used.json<{ next: string }>().next, t2);
  const replay = await TestClient.post('/transfer')
    .header('cookie', `volley.csrf=${t2}`)
    .header('x-csrf-token', t1)
    .send(svc);
  assert.equal(replay.status, 403);
  const next = await TestClient.post('/transfer')
    .header('cookie', `volley.csrf=${t2}`)
    .header('x-csrf-token', t2)
    .send(svc);
  assert.equal(next.status, 200);
});

test("csrf mode 'session': the token lives in the session, no csrf cookie", async () => {
  const svc = app({ mode: 'session' }, true);
  const page = await TestClient.get('/form').send(svc);
  assert.equal(cookieLine(page, 'volley.csrf'), undefined);
  const sid = `volley.sid=${cookieValue(cookieLine(page, 'volley.sid'))}`;
  const token = page.json<{ token: string }>().token;
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  const ok = await TestClient.post('/transfer').header('cookie', sid).header('x-csrf-token', token).send(svc);
  assert.equal(ok.status, 200);
  // Another session's token does not work with this session.
  const otherPage = await TestClient.get('/form').send(svc);
  const otherToken = otherPage.json<{ token: string }>().token;
  const cross = await TestClient.post('/transfer').header('cookie', sid).header('x-csrf-token', otherToken).send(svc);
  assert.equal(cross.status, 403);
  const noSession = await TestClient.post('/transfer').header('x-csrf-token', token).send(svc);
  assert.equal(noSession.status, 403);
});

test("csrf mode 'session' without the session hoop is a 500 that names the problem", async () => {
  const errors: unknown[] = [];
  const svc = new Service(
    new Router().hoop(csrf({ mode: 'session' })).get(() => 'x'),
    {
      logError: (err) => errors.push(err),
    },
  );
  assert.equal((await TestClient.get('/').send(svc)).status, 500);
  assert.match(String(errors[0]), /needs the session\(\) hoop/);
});

test('csrf: custom header and field names, and HEAD/OPTIONS pass unchecked', async () => {
  const svc = new Service(
    new Router()
      .hoop(csrf({ headerName: 'x-xsrf', fieldName: 'authenticity_token' }))
      .goal((_q, _s, depot) => ({ token: csrfToken(depot) })),
  );
  const token = (await TestClient.get('/').send(svc)).json<{ token: string }>().token;
  const cookie = `volley.csrf=${token}`;
  assert.equal((await TestClient.post('/').header('cookie', cookie).header('x-xsrf', token).send(svc)).status, 200);
  assert.equal(
    (await TestClient.post('/').header('cookie', cookie).header('x-csrf-token', token).send(svc)).status,
    403,
  );
  assert.equal(
    (await TestClient.post('/').header('cookie', cookie).form({ authenticity_token: token }).send(svc)).status,
    200,
  );
  assert.equal((await TestClient.head('/').send(svc)).status, 200);
  assert.equal((await TestClient.options('/').send(svc)).status, 200);
});
