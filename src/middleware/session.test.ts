import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Service } from '../http/service.js';
import { TestClient, type TestResponse } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { getSession, type SessionOptions, session } from './session.js';
import { MemoryStore } from './stores/memory-store.js';
import type { Store } from './stores/store.js';

const NAME = 'volley.sid';

/** The Set-Cookie line for a cookie name, if the response has one. */
function setCookie(res: TestResponse, name = NAME): string | undefined {
  const lines = res.headers['set-cookie'] ?? [];
  return lines.find((l) => l.startsWith(`${name}=`));
}
const cookieValue = (line: string | undefined) => line?.slice(line.indexOf('=') + 1).split(';')[0];

/** A store that counts writes, to check "saved only if changed". */
class CountingStore extends MemoryStore {
  sets = 0;
  touches = 0;
  deletes = 0;
  override async set(key: string, value: unknown, ttlMs?: number) {
    this.sets++;
    return super.set(key, value, ttlMs);
  }
  override async touch(key: string, ttlMs: number) {
    this.touches++;
    return super.touch(key, ttlMs);
  }
  override async delete(key: string) {
    this.deletes++;
    return super.delete(key);
  }
}

function app(options: Partial<SessionOptions> & { store?: Store } = {}) {
  const router = new Router()
    .hoop(session({ secret: 'secret-one', ...options }))
    .push(new Router('peek').get((_q, _s, depot) => ({ n: getSession(depot)!.get<number>('n') ?? null })))
    .push(
      new Router('count').post((_q, _s, depot) => {
        const s = getSession(depot)!;
        s.set('n', (s.get<number>('n') ?? 0) + 1);
        return { n: s.get('n'), isNew: s.isNew };
      }),
    )
    .push(
      new Router('login').post((_q, _s, depot) => {
        const s = getSession(depot)!;
        const before = s.id;
        s.regenerate();
        s.set('user', 'alice');
        return { changed: before !== s.id };
      }),
    )
    .push(new Router('logout').post((_q, _s, depot) => void getSession(depot)!.destroy()))
    .push(
      new Router('nested').post((_q, _s, depot) => {
        const s = getSession(depot)!;
        const cart = s.get<{ items: string[] }>('cart') ?? { items: [] };
        cart.items.push('x');
        if (!s.has('cart')) s.set('cart', cart); // later requests only mutate the object
        return cart;
      }),
    );
  return new Service(router);
}

test('session: nothing is stored and no cookie sent until the session is written', async () => {
  const store = new CountingStore();
  const svc = app({ store });
  const res = await TestClient.get('/peek').send(svc);
  assert.deepEqual(res.json(), { n: null });
  assert.equal(setCookie(res), undefined);
  assert.equal(store.sets, 0);
});

test('session: a written session gets a signed HttpOnly cookie and its data follows it', async () => {
  const store = new CountingStore();
  const svc = app({ store });
  const first = await TestClient.post('/count').send(svc);
  assert.deepEqual(first.json(), { n: 1, isNew: true });
  const line = setCookie(first)!;
  assert.match(line, /^volley\.sid=[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{43}; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/);
  const cookie = `${NAME}=${cookieValue(line)}`;
  const second = await TestClient.post('/count').header('cookie', cookie).send(svc);
  assert.deepEqual(second.json(), { n: 2, isNew: false });
  assert.equal(setCookie(second), undefined, 'fixed expiry: the cookie is not sent again');
  // Reading does not save.
  const setsBefore = store.sets;
  const peek = await TestClient.get('/peek').header('cookie', cookie).send(svc);
  assert.deepEqual(peek.json(), { n: 2 });
  assert.equal(store.sets, setsBefore, 'an unchanged session is not saved');
  assert.equal(store.touches, 0);
});

test('session: changes inside nested objects are detected and saved', async () => {
  const svc = app();
  const first = await TestClient.post('/nested').send(svc);
  const cookie = `${NAME}=${cookieValue(setCookie(first))}`;
  await TestClient.post('/nested').header('cookie', cookie).send(svc);
  const third = await TestClient.post('/nested').header('cookie', cookie).send(svc);
  assert.deepEqual(third.json(), { items: ['x', 'x', 'x'] });
});

test('session: a tampered or unsigned cookie starts a new session', async () => {
  const svc = app();
  const first = await TestClient.post('/count').send(svc);
  const value = cookieValue(setCookie(first))!;
  const [id, sig] = value.split('.') as [string, string];
  const forgedId = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}.${sig}`;
  const forgedSig = `${id}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
  for (const bad of [forgedId, forgedSig, id, `${id}.`, '', '.....']) {
    const res = await TestClient.post('/count').header('cookie', `${NAME}=${bad}`).send(svc);
    assert.deepEqual(res.json(), { n: 1, isNew: true }, `cookie '${bad}'`);
    assert.notEqual(cookieValue(setCookie(res))?.split('.')[0], id, 'the client never picks its own id');
  }
});

test('session: secret rotation — the first secret signs, every listed one verifies', async () => {
  const store = new MemoryStore();
  const oldApp = app({ store, secret: 'old-secret' });
  const first = await TestClient.post('/count').send(oldApp);
  const cookie = `${NAME}=${cookieValue(setCookie(first))}`;
  const rotated = app({ store, secret: ['new-secret', 'old-secret'] });
  const res = await TestClient.post('/count').header('cookie', cookie).send(rotated);
  assert.deepEqual(res.json(), { n: 2, isNew: false }, 'an old-secret cookie still verifies');
  const login = await TestClient.post('/login').header('cookie', cookie).send(rotated);
  const newCookie = `${NAME}=${cookieValue(setCookie(login))}`;
  const newOnly = app({ store, secret: 'new-secret' });
  assert.deepEqual((await TestClient.get('/peek').header('cookie', newCookie).send(newOnly)).json(), { n: 2 });
  assert.deepEqual((await TestClient.get('/peek').header('cookie', cookie).send(newOnly)).json(), { n: null });
});

test('session: regenerate gives a new id, keeps the data, and kills the old id', async () => {
  const svc = app();
  const first = await TestClient.post('/count').send(svc);
  const oldCookie = `${NAME}=${cookieValue(setCookie(first))}`;
  const login = await TestClient.post('/login').header('cookie', oldCookie).send(svc);
  assert.deepEqual(login.json(), { changed: true });
  const newCookie = `${NAME}=${cookieValue(setCookie(login))}`;
  assert.notEqual(newCookie, oldCookie);
  assert.deepEqual((await TestClient.get('/peek').header('cookie', newCookie).send(svc)).json(), { n: 1 });
  assert.deepEqual((await TestClient.get('/peek').header('cookie', oldCookie).send(svc)).json(), { n: null });
});

test('session: destroy deletes the data and clears the cookie', async () => {
  const store = new CountingStore();
  const svc = app({ store });
  const first = await TestClient.post('/count').send(svc);
  const cookie = `${NAME}=${cookieValue(setCookie(first))}`;
  const out = await TestClient.post('/logout').header('cookie', cookie).send(svc);
  assert.match(setCookie(out)!, /^volley\.sid=; .*Expires=Thu, 01 Jan 1970/);
  assert.equal(store.deletes, 1);
  assert.deepEqual((await TestClient.get('/peek').header('cookie', cookie).send(svc)).json(), { n: null });
});

test('session: cookie attributes follow the options', async () => {
  const svc = app({
    cookieName: 'sid',
    secure: true,
    sameSite: 'strict',
    httpOnly: false,
    path: '/app',
    domain: 'example.com',
  });
  const res = await TestClient.post('/count').send(svc);
  const line = setCookie(res, 'sid')!;
  assert.match(line, /Domain=example\.com/);
  assert.match(line, /Path=\/app/);
  assert.match(line, /Secure/);
  assert.match(line, /SameSite=Strict/);
  assert.doesNotMatch(line, /HttpOnly/);
});

test('session: fixed expiry ends a session maxAge after creation; rolling keeps an active one alive', async () => {
  // A clock moved by hand (the default memory store reads it too): the 350 ms steps are exact,
  // where real sleeps on a loaded machine could stretch a step past maxAge and expire the
  // rolling session.
  let now = 1_000_000;
  const clock = () => now;
  const fixed = app({ maxAge: 1000, now: clock });
  const rolling = app({ maxAge: 1000, rolling: true, now: clock });
  const f = `${NAME}=${cookieValue(setCookie(await TestClient.post('/count').send(fixed)))}`;
  const r = `${NAME}=${cookieValue(setCookie(await TestClient.post('/count').send(rolling)))}`;
  for (let i = 1; i <= 4; i++) {
    now += 350;
    const fr = await TestClient.get('/peek').header('cookie', f).send(fixed);
    const rr = await TestClient.get('/peek').header('cookie', r).send(rolling);
    assert.ok(setCookie(rr), 'rolling: every response refreshes the cookie');
    assert.deepEqual(rr.json(), { n: 1 }, `rolling, after ${i * 350} ms`);
    // The fixed session was made at 0 ms with maxAge 1000: alive at 350 and 700, gone from 1050.
    const alive = i * 350 < 1000;
    assert.deepEqual(fr.json(), { n: alive ? 1 : null }, `fixed, after ${i * 350} ms`);
  }
});

test('session: bad options are refused', () => {
  assert.throws(() => session({ secret: '' }), /secret/);
  assert.throws(() => session({ secret: [] }), /secret/);
  assert.throws(() => session({ secret: 's', maxAge: 10 }), /maxAge/);
});
