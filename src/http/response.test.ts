import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { Router } from '../routing/index.js';
import { TestClient } from './test-client.js';

describe('Response helpers', { timeout: 10_000 }, () => {
  const app = new Router();
  const route = (path: string, goal: Parameters<Router['goal']>[0]) => app.push(new Router(path).goal(goal));

  route('status', (_req, res) => {
    res.status(201).text('made');
  });
  route('append', (_req, res) => {
    res.header('X-Tag', 'one').header('x-tag', 'two', true).header('X-Tag', ['three'], true);
    res.header('X-Replaced', 'old').header('x-replaced', 'new');
    res.text('ok');
  });
  route('text', (_req, res) => {
    res.text('plain');
  });
  route('text-typed', (_req, res) => {
    res.text('a,b', 'text/csv; charset=utf-8');
  });
  route('json', (_req, res) => {
    res.json({ a: 1, list: [true, null] });
  });
  route('html', (_req, res) => {
    res.html('<p>hi</p>');
  });
  route('render-string', (_req, res) => {
    res.render('string');
  });
  route('render-object', (_req, res) => {
    res.render({ n: 1 });
  });
  route('render-buffer', (_req, res) => {
    res.render(Buffer.from([0, 1, 2]));
  });
  route('render-uint8', (_req, res) => {
    const all = new Uint8Array([9, 8, 7, 6, 5]);
    res.render(all.subarray(1, 4));
  });
  route('render-stream', (_req, res) => {
    res.render(Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]));
  });
  route('render-typed', (_req, res) => {
    res.header('content-type', 'application/vnd.custom+json');
    res.render({ kept: true });
  });
  route('redirect', (_req, res) => {
    res.redirect('/elsewhere');
  });
  route('redirect-301', (_req, res) => {
    res.redirect('https://example.com/', 301);
  });
  route('stream', (_req, res) => {
    async function* parts() {
      yield 'one,';
      yield Buffer.from('two,');
      yield 'three';
    }
    res.stream(parts(), 'text/plain; charset=utf-8');
  });
  route('cookies', (_req, res) => {
    res.cookie('session', 'a b', { maxAge: 60 }).cookie('theme', 'dark', { httpOnly: false, sameSite: 'lax' });
    res.text('set');
  });
  route('clear-cookie', (_req, res) => {
    res.clearCookie('session');
  });
  route('no-content', (_req, res) => {
    res.status(204).text('ignored');
  });
  route('empty', () => undefined);

  test('status', async () => {
    const res = await TestClient.get('/status').send(app);
    assert.equal(res.status, 201);
    assert.equal(res.text(), 'made');
  });

  test('header replaces by default and appends when asked', async () => {
    const res = await TestClient.get('/append').send(app);
    assert.deepEqual(res.headers['x-tag'], 'one, two, three');
    assert.equal(res.header('x-replaced'), 'new');
  });

  test('text, json and html set body and content type', async () => {
    const text = await TestClient.get('/text').send(app);
    assert.equal(text.header('content-type'), 'text/plain; charset=utf-8');
    assert.equal(text.text(), 'plain');
    assert.equal(text.header('content-length'), '5');
    assert.equal((await TestClient.get('/text-typed').send(app)).header('content-type'), 'text/csv; charset=utf-8');

    const json = await TestClient.get('/json').send(app);
    assert.equal(json.header('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(json.json(), { a: 1, list: [true, null] });

    const html = await TestClient.get('/html').send(app);
    assert.equal(html.header('content-type'), 'text/html; charset=utf-8');
    assert.equal(html.text(), '<p>hi</p>');
  });

  test('render: string, object, Buffer, Uint8Array view, stream; an earlier content type is kept', async () => {
    const str = await TestClient.get('/render-string').send(app);
    assert.equal(str.header('content-type'), 'text/plain; charset=utf-8');
    assert.equal(str.text(), 'string');

    const obj = await TestClient.get('/render-object').send(app);
    assert.equal(obj.header('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(obj.json(), { n: 1 });

    const buf = await TestClient.get('/render-buffer').send(app);
    assert.equal(buf.header('content-type'), 'application/octet-stream');
    assert.deepEqual([...buf.body], [0, 1, 2]);

    const view = await TestClient.get('/render-uint8').send(app);
    assert.equal(view.header('content-type'), 'application/octet-stream');
    assert.deepEqual([...view.body], [8, 7, 6]);

    const stream = await TestClient.get('/render-stream').send(app);
    assert.equal(stream.text(), 'abc');
    assert.equal(stream.header('transfer-encoding'), 'chunked');

    const typed = await TestClient.get('/render-typed').send(app);
    assert.equal(typed.header('content-type'), 'application/vnd.custom+json');
    assert.deepEqual(typed.json(), { kept: true });
  });

  test('redirect: 302 by default, or the status given, with Location', async () => {
    const found = await TestClient.get('/redirect').send(app);
    assert.equal(found.status, 302);
    assert.equal(found.header('location'), '/elsewhere');
    const moved = await TestClient.get('/redirect-301').send(app);
    assert.equal(moved.status, 301);
    assert.equal(moved.header('location'), 'https://example.com/');
  });

  test('stream from an async iterable', async () => {
    const res = await TestClient.get('/stream').send(app);
    assert.equal(res.status, 200);
    assert.equal(res.text(), 'one,two,three');
    assert.equal(res.header('content-type'), 'text/plain; charset=utf-8');
  });

  test('cookies are set (several Set-Cookie headers) and cleared', async () => {
    const res = await TestClient.get('/cookies').send(app);
    const set = res.headers['set-cookie'];
    assert.ok(Array.isArray(set));
    assert.equal(set.length, 2);
    assert.match(set[0]!, /^session=a%20b; Max-Age=60; Path=\/; HttpOnly$/);
    assert.match(set[1]!, /^theme=dark; Path=\/; SameSite=Lax$/);

    const cleared = await TestClient.get('/clear-cookie').send(app);
    const clear = cleared.headers['set-cookie'];
    assert.ok(Array.isArray(clear));
    assert.match(clear[0]!, /^session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly$/);
  });

  test('204 carries neither body nor Content-Length; nothing written is an empty 200', async () => {
    const none = await TestClient.get('/no-content').send(app);
    assert.equal(none.status, 204);
    assert.equal(none.body.length, 0);
    assert.equal(none.header('content-length'), undefined);

    const empty = await TestClient.get('/empty').send(app);
    assert.equal(empty.status, 200);
    assert.equal(empty.header('content-length'), '0');
    assert.equal(empty.body.length, 0);
  });

  test('status and redirect refuse invalid codes', async () => {
    // The goal records what the calls threw; asserting inside it would turn a failure into a
    // 500 and lose the assertion's message.
    const thrown: unknown[] = [];
    const router = new Router().goal((_req, r) => {
      for (const call of [() => r.status(42), () => r.redirect('/x', 200)]) {
        try {
          call();
          thrown.push(undefined);
        } catch (err) {
          thrown.push(err);
        }
      }
      return 'checked';
    });
    const out = await TestClient.get('/').send(router);
    assert.equal(out.text(), 'checked');
    assert.equal(thrown.length, 2);
    assert.ok(thrown[0] instanceof RangeError, `status(42) threw ${String(thrown[0])}`);
    assert.ok(thrown[1] instanceof RangeError, `redirect('/x', 200) threw ${String(thrown[1])}`);
  });
});

describe('goal return values', { timeout: 10_000 }, () => {
  const app = new Router();
  app.push(new Router('string').get(() => 'returned'));
  app.push(new Router('object').get(() => ({ returned: true })));
  app.push(new Router('bytes').get(() => new Uint8Array([1, 2])));
  app.push(new Router('async').get(async () => ({ later: 1 })));
  app.push(
    new Router('written').get((_req, res) => {
      res.text('written first');
      return 'returned value';
    }),
  );
  app.push(new Router('hoop-return').hoop(() => 'a hoop return value is not rendered').get(() => undefined));

  test('a value returned when nothing was written is rendered', async () => {
    const str = await TestClient.get('/string').send(app);
    assert.equal(str.text(), 'returned');
    assert.equal(str.header('content-type'), 'text/plain; charset=utf-8');
    assert.deepEqual((await TestClient.get('/object').send(app)).json(), { returned: true });
    const bytes = await TestClient.get('/bytes').send(app);
    assert.equal(bytes.header('content-type'), 'application/octet-stream');
    assert.deepEqual([...bytes.body], [1, 2]);
    assert.deepEqual((await TestClient.get('/async').send(app)).json(), { later: 1 });
  });

  test('a returned value does not replace what the goal wrote', async () => {
    assert.equal((await TestClient.get('/written').send(app)).text(), 'written first');
  });

  test("a hoop's return value is not rendered", async () => {
    const res = await TestClient.get('/hoop-return').send(app);
    assert.equal(res.status, 200);
    assert.equal(res.text(), '');
  });
});

describe('sendFile', { timeout: 10_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'volley-sendfile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  writeFileSync(join(dir, 'letters.txt'), alphabet);
  writeFileSync(join(dir, 'data.json'), '{"x":1}');
  writeFileSync(join(dir, 'page.html'), '<h1>page</h1>');
  writeFileSync(join(dir, 'with space.css'), 'body{}');

  const app = new Router().push(
    new Router('files/{name}').get(async (req, res) => {
      await res.sendFile(join(dir, req.param('name')!));
    }),
  );
  app.push(
    new Router('download').get(async (_req, res) => {
      await res.sendFile(join(dir, 'letters.txt'), { attachment: 'my "letters".txt' });
    }),
  );
  app.push(
    new Router('head-file').head(async (_req, res) => {
      await res.sendFile(join(dir, 'letters.txt'));
    }),
  );

  test('sends the whole file with a content type from its extension, ETag and Last-Modified', async () => {
    const res = await TestClient.get('/files/letters.txt').send(app);
    assert.equal(res.status, 200);
    assert.equal(res.text(), alphabet);
    assert.equal(res.header('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.header('content-length'), String(alphabet.length));
    assert.equal(res.header('accept-ranges'), 'bytes');
    assert.ok(res.header('etag'));
    assert.ok(res.header('last-modified'));
    assert.equal(
      (await TestClient.get('/files/data.json').send(app)).header('content-type'),
      'application/json; charset=utf-8',
    );
    assert.equal(
      (await TestClient.get('/files/page.html').send(app)).header('content-type'),
      'text/html; charset=utf-8',
    );
    const css = await TestClient.get('/files/with%20space.css').send(app);
    assert.equal(css.header('content-type'), 'text/css; charset=utf-8');
    assert.equal(css.text(), 'body{}');
  });

  test('Range gives 206 with Content-Range', async () => {
    const res = await TestClient.get('/files/letters.txt').header('range', 'bytes=2-5').send(app);
    assert.equal(res.status, 206);
    assert.equal(res.text(), 'cdef');
    assert.equal(res.header('content-range'), `bytes 2-5/${alphabet.length}`);
    assert.equal(res.header('content-length'), '4');

    const suffix = await TestClient.get('/files/letters.txt').header('range', 'bytes=-3').send(app);
    assert.equal(suffix.status, 206);
    assert.equal(suffix.text(), 'xyz');

    const unsatisfiable = await TestClient.get('/files/letters.txt').header('range', 'bytes=100-200').send(app);
    assert.equal(unsatisfiable.status, 416);
    assert.equal(unsatisfiable.header('content-range'), `bytes */${alphabet.length}`);
  });

  test('If-None-Match with the ETag gives 304 without a body', async () => {
    const first = await TestClient.get('/files/letters.txt').send(app);
    const etag = first.header('etag')!;
    const again = await TestClient.get('/files/letters.txt').header('if-none-match', etag).send(app);
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const other = await TestClient.get('/files/letters.txt').header('if-none-match', '"other"').send(app);
    assert.equal(other.status, 200);
  });

  test('attachment sets Content-Disposition with a safe file name', async () => {
    const res = await TestClient.get('/download').send(app);
    assert.equal(res.header('content-disposition'), 'attachment; filename="my _letters_.txt"');
    assert.equal(res.text(), alphabet);
  });

  test('HEAD gets the headers and no body', async () => {
    const res = await TestClient.head('/head-file').send(app);
    assert.equal(res.status, 200);
    assert.equal(res.header('content-length'), String(alphabet.length));
    assert.equal(res.body.length, 0);
  });

  test('a missing file (or a directory) is a 404', async () => {
    const missing = await TestClient.get('/files/nope.txt').send(app);
    assert.equal(missing.status, 404);
    assert.match(missing.text(), /no such file: nope\.txt/);
    const directory = await TestClient.get('/files/..').send(app);
    assert.equal(directory.status, 404);
  });
});
