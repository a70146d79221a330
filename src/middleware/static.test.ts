import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { listen, type Running, rawRequest } from './http-test-helpers.js';
import { serveFile, serveStatic } from './static.js';

const SECRET = 'TOP SECRET';
const BIG = 'abcdefghijklmnopqrstuvwxyz'.repeat(100);
let base: string;
let root: string;
let app: Router;
let server: Running;

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'volley-static-'));
  root = join(base, 'public');
  const w = (rel: string, text: string) => writeFileSync(join(root, rel), text);
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, 'emptydir'));
  mkdirSync(join(root, '.hidden'));
  mkdirSync(join(base, 'secret'));
  writeFileSync(join(base, 'secret.txt'), SECRET);
  writeFileSync(join(base, 'secret', 'secret.txt'), SECRET);
  w('index.html', '<h1>home</h1>');
  w('style.css', 'body { color: red }');
  w('data.json', '{"ok":true}');
  w('big.txt', BIG);
  w('sub/index.html', '<h1>sub</h1>');
  w('sub/page.html', '<p>page</p>');
  w('.env', `SECRET=${SECRET}`);
  w('.hidden/file.txt', SECRET);
  w('%2e%2e', 'a file literally named %2e%2e');
  symlinkSync(join(base, 'secret'), join(root, 'link-out'));
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-file.txt'));
  symlinkSync(join(root, 'style.css'), join(root, 'link-in.css'));

  app = new Router()
    .push(new Router('static/{**path}').get(serveStatic(root)))
    .push(new Router('ignore/{**path}').get(serveStatic(root, { dotfiles: 'ignore' })))
    .push(new Router('allow/{**path}').get(serveStatic(root, { dotfiles: 'allow' })))
    .push(new Router('assets/{*+file}').get(serveStatic(root, { maxAge: 365 * 24 * 3600_000, immutable: true })))
    .push(new Router('app/{**rest}').get(serveStatic(root, { fallback: true })))
    .push(new Router('files/{name}').get(serveStatic(root, { param: 'name' })))
    .push(new Router('any/{**p}').goal(serveStatic(root)))
    .push(new Router('noroot/{**p}').get(serveStatic(join(base, 'does-not-exist'))))
    .push(new Router('favicon').get(serveFile(join(root, 'style.css'), { maxAge: 60_000 })))
    .push(new Router('nofile').get(serveFile(join(root, 'nope.txt'))));
  server = await listen(app);
});

after(async () => {
  await server?.close();
  rmSync(base, { recursive: true, force: true });
});

test('traversal attempts over a raw socket are refused and never leak the file', async () => {
  const attempts: [string, number[]][] = [
    ['/static/../secret.txt', [403]],
    ['/static/sub/../../secret.txt', [403]],
    ['/static/%2e%2e/secret.txt', [403]],
    ['/static/%2E%2E/%2e%2e/secret.txt', [403]],
    ['/static/.%2e/secret.txt', [403]],
    ['/static/..%2fsecret.txt', [403]],
    ['/static/..%2Fsecret.txt', [403]],
    ['/static/sub%2f..%2f..%2fsecret.txt', [403]],
    ['/static/..%5csecret.txt', [403]],
    ['/static/..\\secret.txt', [403]], // a raw backslash
    ['/static/sub\\..\\..\\secret.txt', [403]],
    ['/static/secret.txt\0', [400]], // a raw NUL: Node's parser refuses the request line
    ['/static/style.css%00.txt', [403]],
    ['/static/secret.txt%00', [403]],
    ['/static/./style.css', [403]],
    ['/static/link-out/secret.txt', [403]],
    ['/static/link-file.txt', [403]],
    ['/static/.env', [403]],
    ['/static/%2eenv', [403]],
    ['/static/.hidden/file.txt', [403]],
    ['/static/....//secret.txt', [403]], // '....' is a dotfile name, not a traversal
    ['/static/%252e%252e/secret.txt', [404]],
    ['/../secret.txt', [404]],
    ['/allow/../secret.txt', [403]],
    ['/allow/link-out/secret.txt', [403]],
    ['/files/..', [403]],
    ['/files/..%2fsecret.txt', [403]],
  ];
  for (const [target, statuses] of attempts) {
    const res = await rawRequest(server.port, target);
    assert.ok(statuses.includes(res.status), `${target}: got ${res.status}, expected ${statuses.join(' or ')}`);
    assert.ok(!res.body.includes(SECRET), `${target} leaked the secret`);
  }
  // The same server still serves what it should, including a symlink inside the root and
  // a file whose name only looks like an encoded '..'.
  assert.equal((await rawRequest(server.port, '/static/link-in.css')).body, 'body { color: red }');
  assert.equal((await rawRequest(server.port, '/static/%252e%252e')).status, 200);
});

test('dotfiles: deny (403, default), ignore (404), allow (200)', async () => {
  assert.equal((await TestClient.get('/static/.env').send(app)).status, 403);
  assert.equal((await TestClient.get('/ignore/.env').send(app)).status, 404);
  assert.equal((await TestClient.get('/ignore/.hidden/file.txt').send(app)).status, 404);
  const allowed = await TestClient.get('/allow/.env').send(app);
  assert.equal(allowed.status, 200);
  assert.equal(allowed.text(), `SECRET=${SECRET}`);
});

test('content types, ETag, Last-Modified and conditional GET', async () => {
  const css = await TestClient.get('/static/style.css').send(app);
  assert.equal(css.status, 200);
  assert.equal(css.text(), 'body { color: red }');
  assert.equal(css.header('content-type'), 'text/css; charset=utf-8');
  assert.equal(css.header('cache-control'), 'public, max-age=0');
  assert.equal(css.header('accept-ranges'), 'bytes');
  const etag = css.header('etag')!;
  const lastModified = css.header('last-modified')!;
  assert.ok(etag && lastModified);
  assert.equal((await TestClient.get('/static/style.css').header('if-none-match', etag).send(app)).status, 304);
  const ims = await TestClient.get('/static/style.css').header('if-modified-since', lastModified).send(app);
  assert.equal(ims.status, 304);
  assert.equal(ims.body.length, 0);
  assert.equal(
    (await TestClient.get('/static/data.json').send(app)).header('content-type'),
    'application/json; charset=utf-8',
  );
  const head = await TestClient.head('/static/style.css').send(app);
  assert.equal(head.status, 200);
  assert.equal(head.header('content-length'), String('body { color: red }'.length));
  assert.equal(head.body.length, 0);
});

test('Range: 206 for one range, 416 when unsatisfiable, the whole file (200) for a malformed or multi-range header', async () => {
  const part = await TestClient.get('/static/big.txt').header('range', 'bytes=0-4').send(app);
  assert.equal(part.status, 206);
  assert.equal(part.text(), 'abcde');
  assert.equal(part.header('content-range'), `bytes 0-4/${BIG.length}`);
  const tail = await TestClient.get('/static/big.txt').header('range', 'bytes=-3').send(app);
  assert.equal(tail.status, 206);
  assert.equal(tail.text(), 'xyz');
  // Syntactically valid but unsatisfiable (past the end, start after end, empty suffix): 416.
  for (const unsatisfiable of ['bytes=999999-', 'bytes=5-2', 'bytes=-0']) {
    const res = await TestClient.get('/static/big.txt').header('range', unsatisfiable).send(app);
    assert.equal(res.status, 416, `Range: ${unsatisfiable}`);
    assert.equal(res.header('content-range'), `bytes */${BIG.length}`);
    assert.doesNotMatch(res.text(), /abcdef/);
  }
  // send ignores a Range it cannot parse (or several ranges) and answers with the whole file.
  for (const malformed of ['bytes=abc', 'bytes=', 'items=0-4', 'bytes=0-1,3-4', 'garbage']) {
    const res = await TestClient.get('/static/big.txt').header('range', malformed).send(app);
    assert.equal(res.status, 200, `Range: ${malformed}`);
    assert.equal(res.text(), BIG);
    assert.equal(res.header('content-range'), undefined);
  }
});

test('index files, directory redirect, directories without an index', async () => {
  const home = await TestClient.get('/static/').send(app);
  assert.equal(home.status, 200);
  assert.equal(home.text(), '<h1>home</h1>');
  assert.equal(home.header('content-type'), 'text/html; charset=utf-8');
  assert.equal((await TestClient.get('/static/sub/').send(app)).text(), '<h1>sub</h1>');
  const redirect = await TestClient.get('/static/sub?x=1').send(app);
  assert.equal(redirect.status, 301);
  assert.equal(redirect.header('location'), '/static/sub/?x=1');
  assert.equal((await TestClient.get('/static/emptydir/').send(app)).status, 404);
  assert.equal((await TestClient.get('/static/missing.txt').send(app)).status, 404);
});

test('maxAge and immutable set Cache-Control', async () => {
  const res = await TestClient.get('/assets/style.css').send(app);
  assert.equal(res.status, 200);
  assert.equal(res.header('cache-control'), 'public, max-age=31536000, immutable');
});

test('SPA fallback: unknown paths without an extension get index.html, missing assets stay 404', async () => {
  const deep = await TestClient.get('/app/users/42/settings').send(app);
  assert.equal(deep.status, 200);
  assert.equal(deep.text(), '<h1>home</h1>');
  assert.equal((await TestClient.get('/app/missing.js').send(app)).status, 404);
  assert.equal((await TestClient.get('/app/style.css').send(app)).text(), 'body { color: red }');
  assert.equal((await TestClient.get('/app/sub/page.html').send(app)).text(), '<p>page</p>');
  // Without the option the same path is a 404.
  assert.equal((await TestClient.get('/static/users/42').send(app)).status, 404);
});

test('param option, methods other than GET/HEAD, a missing root', async () => {
  assert.equal((await TestClient.get('/files/style.css').send(app)).text(), 'body { color: red }');
  const post = await TestClient.post('/any/style.css').send(app);
  assert.equal(post.status, 405);
  assert.equal(post.header('allow'), 'GET, HEAD');
  assert.equal((await TestClient.get('/any/style.css').send(app)).status, 200);
  assert.equal((await TestClient.get('/noroot/x.txt').send(app)).status, 404);
});

test('serveFile sends one file with validators and cache-control; a missing file is a 404', async () => {
  const res = await TestClient.get('/favicon').send(app);
  assert.equal(res.status, 200);
  assert.equal(res.text(), 'body { color: red }');
  assert.equal(res.header('content-type'), 'text/css; charset=utf-8');
  assert.equal(res.header('cache-control'), 'public, max-age=60');
  assert.ok(res.header('etag'));
  const part = await TestClient.get('/favicon').header('range', 'bytes=0-3').send(app);
  assert.equal(part.status, 206);
  assert.equal(part.text(), 'body');
  assert.equal((await TestClient.get('/nofile').send(app)).status, 404);
});
