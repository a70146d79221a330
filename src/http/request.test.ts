import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import { Router } from '../routing/index.js';
import type { FormData } from './form.js';
import { Service } from './service.js';
import { TestClient } from './test-client.js';

/** A multipart/form-data body from fields and files. */
function multipart(parts: { name: string; value: string | Buffer; filename?: string; type?: string }[]) {
  const boundary = `----volley${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Waits (bounded) for a condition no event announces, such as a file removed by another task. */
async function eventually(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Request helpers', { timeout: 10_000 }, () => {
  const app = new Router().push(
    new Router('users/{id}/posts/{slug}').get((req) => ({
      id: req.param('id'),
      slug: req.param('slug'),
      missing: req.param('nope') ?? null,
      method: req.method,
      path: req.path,
      route: req.route,
    })),
  );
  app.push(
    new Router('query').get((req) => ({
      q: req.query('q') ?? null,
      tags: req.queries('tag'),
      first: req.query('tag') ?? null,
      none: req.queries('none'),
      raw: req.queryString,
    })),
  );
  app.push(
    new Router('headers').get((req) => ({
      agent: req.header('X-Agent') ?? null,
      lower: req.header('x-agent') ?? null,
      absent: req.header('x-absent') ?? null,
      session: req.cookie('session') ?? null,
      theme: req.cookie('theme') ?? null,
      nocookie: req.cookie('nope') ?? null,
      remote: req.remoteAddr,
      hostname: req.hostname,
    })),
  );

  test('param, method, path and the matched route', async () => {
    const res = await TestClient.get('/users/42/posts/hello%20world?x=1').send(app);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), {
      id: '42',
      slug: 'hello world',
      missing: null,
      method: 'GET',
      path: '/users/42/posts/hello%20world',
      route: '/users/{id}/posts/{slug}',
    });
  });

  test('query gives the first value, queries every value of a repeated key', async () => {
    const res = await TestClient.get('/query?q=a%20b&tag=x&tag=y&tag=z').send(app);
    assert.deepEqual(res.json(), {
      q: 'a b',
      tags: ['x', 'y', 'z'],
      first: 'x',
      none: [],
      raw: 'q=a%20b&tag=x&tag=y&tag=z',
    });
    const empty = await TestClient.get('/query').send(app);
    assert.deepEqual(empty.json(), { q: null, tags: [], first: null, none: [], raw: '' });
  });

  test('header (case-insensitive), cookie, remoteAddr and hostname', async () => {
    const res = await TestClient.get('/headers')
      .header('X-Agent', 'probe/1')
      .header('Cookie', 'session=abc%20def; theme=dark')
      .header('Host', 'Example.COM:8080')
      .send(app);
    assert.deepEqual(res.json(), {
      agent: 'probe/1',
      lower: 'probe/1',
      absent: null,
      session: 'abc def',
      theme: 'dark',
      nocookie: null,
      remote: '127.0.0.1',
      hostname: 'example.com',
    });
  });
});

describe('Request body', { timeout: 10_000 }, () => {
  const app = new Router();
  app.push(new Router('json').post(async (req) => ({ got: await req.json() })));
  app.push(new Router('text').post(async (req) => `text:${await req.text()}`));
  app.push(
    new Router('bytes').post(async (req) => {
      const bytes = await req.bytes();
      const again = await req.bytes();
      return { length: bytes.length, same: bytes === again, first: bytes[0], last: bytes[bytes.length - 1] };
    }),
  );
  app.push(
    new Router('form').post(async (req) => {
      const form = await req.form();
      const again = await req.form();
      return { fields: form.toObject(), colors: form.getAll('color'), same: form === again };
    }),
  );
  app.push(new Router('small').bodyLimit(10).post(async (req) => `small:${await req.text()}`));
  app.push(
    new Router('small-raised')
      .bodyLimit(10)
      .post(async (req) => `raised:${(await req.setBodyLimit(200 * 1024).bytes()).length}`),
  );
  app.push(
    new Router('outer')
      .bodyLimit(10)
      .push(new Router('inner').bodyLimit(20).post(async (req) => `inner:${(await req.bytes()).length}`))
      .push(new Router('plain').post(async (req) => `plain:${(await req.bytes()).length}`)),
  );
  app.push(
    new Router('lowered').post(async (req) => {
      req.setBodyLimit(4);
      return `lowered:${await req.text()}`;
    }),
  );

  test('json parses the body; malformed JSON is a 400', async () => {
    const ok = await TestClient.post('/json')
      .json({ a: [1, 2], b: 'c' })
      .send(app);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { got: { a: [1, 2], b: 'c' } });

    const bad = await TestClient.post('/json').header('content-type', 'application/json').body('{"a":').send(app);
    assert.equal(bad.status, 400);
    assert.match(bad.text(), /malformed JSON/);
  });

  test('text and bytes (read once, shared)', async () => {
    const text = await TestClient.post('/text').text('héllo').send(app);
    assert.equal(text.text(), 'text:héllo');
    const bytes = await TestClient.post('/bytes')
      .body(Buffer.from([1, 2, 3, 250]))
      .send(app);
    assert.deepEqual(bytes.json(), { length: 4, same: true, first: 1, last: 250 });
  });

  test('urlencoded form with repeated keys, read once', async () => {
    const res = await TestClient.post('/form')
      .header('content-type', 'application/x-www-form-urlencoded')
      .body('name=Ada+Lovelace&color=red&color=blue&empty=')
      .send(app);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), {
      fields: { name: 'Ada Lovelace', color: 'red', empty: '' },
      colors: ['red', 'blue'],
      same: true,
    });
  });

  test('form() of another content type is a 415', async () => {
    const res = await TestClient.post('/form').json({ a: 1 }).send(app);
    assert.equal(res.status, 415);
  });

  test('default body limit is 64 KiB: exactly 64 KiB passes, one byte more is a 413 that closes', async () => {
    const atLimit = await TestClient.post('/bytes')
      .body(Buffer.alloc(64 * 1024, 7))
      .send(app);
    assert.equal(atLimit.status, 200);
    assert.equal((atLimit.json() as { length: number }).length, 64 * 1024);

    const over = await TestClient.post('/bytes')
      .body(Buffer.alloc(64 * 1024 + 1, 7))
      .send(app);
    assert.equal(over.status, 413);
    assert.equal(over.header('connection'), 'close');
  });

  test('router subtree limit, the innermost wins, and a per-request limit overrides it', async () => {
    assert.equal((await TestClient.post('/small').text('0123456789').send(app)).text(), 'small:0123456789');
    assert.equal((await TestClient.post('/small').text('0123456789X').send(app)).status, 413);

    const raised = await TestClient.post('/small-raised')
      .body(Buffer.alloc(100 * 1024))
      .send(app);
    assert.equal(raised.status, 200);
    assert.equal(raised.text(), `raised:${100 * 1024}`);

    assert.equal((await TestClient.post('/outer/inner').body(Buffer.alloc(20)).send(app)).text(), 'inner:20');
    assert.equal((await TestClient.post('/outer/inner').body(Buffer.alloc(21)).send(app)).status, 413);
    assert.equal((await TestClient.post('/outer/plain').body(Buffer.alloc(11)).send(app)).status, 413);

    assert.equal((await TestClient.post('/lowered').text('abcd').send(app)).text(), 'lowered:abcd');
    assert.equal((await TestClient.post('/lowered').text('abcde').send(app)).status, 413);
  });
});

describe('multipart forms', { timeout: 10_000 }, () => {
  let seenPath = '';
  let seenContent = '';
  const app = new Router();
  app.push(
    new Router('upload').post(async (req) => {
      const form = await req.form();
      const file = form.file('doc');
      // No assertion here: the service would turn it into a 500 and hide its message. A missing
      // file part shows in the JSON below and in seenContent, which the test asserts on.
      seenPath = file?.path ?? '';
      // The upload is on disk while the handler runs.
      seenContent = file ? readFileSync(file.path, 'utf8') : '';
      return {
        title: form.get('title'),
        tags: form.getAll('tag'),
        files: form.files.map((f) => ({ field: f.fieldName, name: f.fileName, type: f.mimeType, size: f.size })),
      };
    }),
  );
  // The form being parsed by /upload-small, for the test to watch its files appear.
  let parsing: FormData | undefined;
  let announce: (form: FormData) => void = () => undefined;
  app.push(
    new Router('upload-small').bodyLimit(1024).post(async (req) => {
      const pending = req.form();
      parsing = req.uploads?.[0];
      if (parsing) announce(parsing);
      await pending;
      return 'unexpected';
    }),
  );
  app.push(
    new Router('upload-then-bytes').post(async (req) => {
      await req.form();
      await req.bytes();
      return 'unexpected';
    }),
  );
  const quiet = new Service(app, { logError: () => undefined });

  test('fields and a file streamed to a temporary file, removed after the response', async () => {
    const content = 'line one\n'.repeat(1000);
    const { body, contentType } = multipart([
      { name: 'title', value: 'Report' },
      { name: 'tag', value: 'a' },
      { name: 'tag', value: 'b' },
      { name: 'doc', value: content, filename: 'report.txt', type: 'text/plain' },
    ]);
    const res = await TestClient.post('/upload').header('content-type', contentType).body(body).send(quiet);
    assert.equal(res.status, 200, res.text());
    assert.deepEqual(res.json(), {
      title: 'Report',
      tags: ['a', 'b'],
      files: [{ field: 'doc', name: 'report.txt', type: 'text/plain', size: content.length }],
    });
    assert.equal(seenContent, content);
    assert.equal(dirname(seenPath), tmpdir());
    await eventually(() => !existsSync(seenPath), `removal of ${seenPath}`);
  });

  test('a multipart body with a declared length past the limit is a 413 before any file is written', async () => {
    const { body, contentType } = multipart([
      { name: 'doc', value: Buffer.alloc(4096, 1), filename: 'big.bin', type: 'application/octet-stream' },
    ]);
    const res = await TestClient.post('/upload-small').header('content-type', contentType).body(body).send(quiet);
    assert.equal(res.status, 413);
    assert.equal(res.header('connection'), 'close');
    assert.ok(parsing, 'the handler saw the form');
    assert.equal(parsing.files.length, 0);
  });

  test('a chunked multipart body crossing the limit mid-file is a 413 and the partial file is removed', async (t) => {
    const server = http.createServer(quiet.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const { body, contentType } = multipart([
      { name: 'doc', value: Buffer.alloc(4096, 1), filename: 'big.bin', type: 'application/octet-stream' },
    ]);
    const seen = new Promise<FormData>((resolve) => {
      announce = resolve;
    });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        { port, host: '127.0.0.1', method: 'POST', path: '/upload-small', headers: { 'content-type': contentType } },
        resolve,
      );
      req.on('error', reject);
      // Headers and the start of the file (under the limit) first...
      req.write(body.subarray(0, 600));
      seen.then(async (form) => {
        // ...and once busboy has opened the temporary file, the rest, which crosses the limit.
        await eventually(() => form.files.length === 1, 'the upload to start');
        req.end(body.subarray(600));
      });
    });
    const res = await response;
    res.resume();
    assert.equal(res.statusCode, 413);
    const form = await seen;
    assert.equal(form.files.length, 1);
    const path = form.files[0]!.path;
    await eventually(() => !existsSync(path), `removal of ${path}`);
  });

  test('a malformed multipart body is a 400', async () => {
    const res = await TestClient.post('/upload')
      .header('content-type', 'multipart/form-data; boundary=xyz')
      .body('--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue-without-end')
      .send(quiet);
    assert.equal(res.status, 400);
  });

  test('multipart without a boundary is a 400', async () => {
    const res = await TestClient.post('/upload').header('content-type', 'multipart/form-data').body('x').send(quiet);
    assert.equal(res.status, 400);
  });

  test('bytes() after a multipart form() fails instead of hanging', async () => {
    const { body, contentType } = multipart([{ name: 'a', value: '1' }]);
    const res = await TestClient.post('/upload-then-bytes').header('content-type', contentType).body(body).send(quiet);
    assert.equal(res.status, 500);
  });
});
