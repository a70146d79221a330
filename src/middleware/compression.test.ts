import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { TestClient } from '../http/test-client.js';
import { Router } from '../routing/index.js';
import { compression, hasZstd } from './compression.js';
import { listen } from './http-test-helpers.js';

const TEXT = 'hello compression '.repeat(200); // 3.6 KB, very compressible
const JSON_BODY = { items: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}` })) };

function app(options?: Parameters<typeof compression>[0]) {
  return new Router()
    .hoop(compression(options))
    .push(new Router('text').goal((_req, res) => res.header('etag', '"abc"').text(TEXT)))
    .push(new Router('json').get(() => JSON_BODY))
    .push(new Router('small').get(() => 'tiny'))
    .push(new Router('png').get((_req, res) => res.header('content-type', 'image/png').render(Buffer.alloc(4096))))
    .push(
      new Router('zip').get((_req, res) => res.header('content-type', 'application/zip').render(Buffer.alloc(4096))),
    )
    .push(new Router('svg').get((_req, res) => res.text(`<svg>${'<g/>'.repeat(500)}</svg>`, 'image/svg+xml')))
    .push(new Router('events').get((_req, res) => res.text('data: x\n\n'.repeat(500), 'text/event-stream')))
    .push(new Router('encoded').get((_req, res) => res.header('content-encoding', 'identity').text(TEXT)))
    .push(new Router('notransform').get((_req, res) => res.header('cache-control', 'no-transform').text(TEXT)))
    .push(new Router('empty').get((_req, res) => res.status(204)))
    .push(new Router('stream').get((_req, res) => res.stream(Readable.from([TEXT, TEXT]), 'text/plain')))
    .push(new Router('binary-stream').get(() => Readable.from([TEXT, TEXT])))
    .push(
      new Router('small-stream').get((_req, res) => {
        res.header('content-length', '4');
        return Readable.from(['tiny']);
      }),
    );
}

function decode(encoding: string | undefined, body: Buffer): string {
  switch (encoding) {
    case 'gzip':
      return zlib.gunzipSync(body).toString();
    case 'br':
      return zlib.brotliDecompressSync(body).toString();
    case 'deflate':
      return zlib.inflateSync(body).toString();
    case 'zstd':
      return (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(body).toString();
    default:
      return body.toString();
  }
}

test('compression negotiates gzip, br and deflate with q-values; ties go to the server order', async () => {
  const a = app({ encodings: ['br', 'gzip', 'deflate'] });
  const cases: [string, string | undefined][] = [
    ['gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['br', 'br'],
    ['gzip, deflate, br', 'br'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['deflate;q=0.9, gzip;q=0.8', 'deflate'],
    ['*', 'br'],
    ['*;q=0.1, gzip;q=0', 'br'],
    ['identity', undefined],
    ['compress, x-unknown', undefined],
    ['', undefined],
  ];
  for (const [accept, expected] of cases) {
    const res = await TestClient.get('/text').header('accept-encoding', accept).send(a);
    assert.equal(res.status, 200);
    assert.equal(res.header('content-encoding'), expected, `Accept-Encoding: ${accept}`);
    assert.equal(decode(expected, res.body), TEXT);
    assert.equal(res.header('vary'), 'Accept-Encoding');
    assert.equal(Number(res.header('content-length')), res.body.length);
    if (expected) {
      assert.ok(res.body.length < TEXT.length / 5, `${expected} compressed`);
      assert.equal(res.header('etag'), 'W/"abc"', 'a strong ETag becomes weak');
    } else {
      assert.equal(res.header('etag'), '"abc"');
    }
  }
  const json = await TestClient.get('/json').header('accept-encoding', 'gzip').send(a);
  assert.deepEqual(JSON.parse(decode(json.header('content-encoding'), json.body)), JSON_BODY);
});

test('zstd where node:zlib has it', { skip: !hasZstd && 'this Node has no zstd in node:zlib' }, async () => {
  const res = await TestClient.get('/text').header('accept-encoding', 'zstd, gzip;q=0.5').send(app());
  assert.equal(res.header('content-encoding'), 'zstd');
  assert.equal(decode('zstd', res.body), TEXT);
});

test('zstd is never offered where node:zlib lacks it', { skip: hasZstd && 'this Node has zstd' }, async () => {
  const res = await TestClient.get('/text').header('accept-encoding', 'zstd, gzip;q=0.5').send(app());
  assert.equal(res.header('content-encoding'), 'gzip');
});

test('compression skips small bodies, compressed or unknown types, SSE, encoded and no-transform answers', async () => {
  const a = app();
  const check = async (path: string, why: string, vary?: string) => {
    const res = await TestClient.get(path).header('accept-encoding', 'gzip, br').send(a);
    assert.equal(res.header('content-encoding') ?? 'none', path === '/encoded' ? 'identity' : 'none', why);
    assert.equal(res.header('vary'), vary, `${why}: vary`);
    return res;
  };
  assert.equal((await check('/small', 'under the 1 KiB threshold')).text(), 'tiny');
  assert.equal((await check('/png', 'image/png')).body.length, 4096);
  await check('/zip', 'application/zip');
  await check('/events', 'text/event-stream');
  await check('/encoded', 'already has Content-Encoding');
  await check('/notransform', 'Cache-Control: no-transform');
  assert.equal((await check('/small-stream', 'stream with a small Content-Length')).text(), 'tiny');
  const svg = await TestClient.get('/svg').header('accept-encoding', 'gzip').send(a);
  assert.equal(svg.header('content-encoding'), 'gzip', 'SVG is text');
  const lower = await TestClient.get('/small')
    .header('accept-encoding', 'gzip')
    .send(app({ threshold: 1 }));
  assert.equal(lower.header('content-encoding'), 'gzip');
  const custom = await TestClient.get('/png')
    .header('accept-encoding', 'gzip')
    .send(app({ filter: () => true }));
  assert.equal(custom.header('content-encoding'), 'gzip');
});

test('compression skips HEAD and 204', async () => {
  const a = app();
  const head = await TestClient.head('/text').header('accept-encoding', 'gzip').send(a);
  assert.equal(head.status, 200);
  assert.equal(head.header('content-encoding'), undefined);
  assert.equal(head.header('content-length'), String(TEXT.length));
  const empty = await TestClient.get('/empty').header('accept-encoding', 'gzip').send(a);
  assert.equal(empty.status, 204);
  assert.equal(empty.header('content-encoding'), undefined);
});

test('a stream body is compressed chunked, without Content-Length', async () => {
  const res = await TestClient.get('/stream').header('accept-encoding', 'gzip').send(app());
  assert.equal(res.header('content-encoding'), 'gzip');
  assert.equal(res.header('content-length'), undefined);
  assert.equal(res.header('transfer-encoding'), 'chunked');
  assert.equal(decode('gzip', res.body), TEXT + TEXT);
  // A stream of unknown type (application/octet-stream) is left alone.
  const binary = await TestClient.get('/binary-stream').header('accept-encoding', 'gzip').send(app());
  assert.equal(binary.header('content-encoding'), undefined);
  assert.equal(binary.text(), TEXT + TEXT);
});

test('a stream is piped through the compressor, not buffered whole', async () => {
  // The stream only ends after the client has decompressed its first part: if the hoop
  // buffered the whole body, nothing would ever reach the client and this would time out.
  const first = randomBytes(96 * 1024).toString('hex'); // 192 KB: forces the compressor to emit
  let clientSawFirst!: () => void;
  const sawFirst = new Promise<void>((resolve) => {
    clientSawFirst = resolve;
  });
  const router = new Router().hoop(compression()).goal((_req, res) =>
    res.stream(
      (async function* () {
        yield first;
        await sawFirst;
        yield 'THE END';
      })(),
      'text/plain; charset=utf-8',
    ),
  );
  const server = await listen(router);
  try {
    let encoding: string | undefined;
    const text = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the first part never arrived: body buffered?')), 10_000);
      const req = http.get({ port: server.port, host: '127.0.0.1', headers: { 'accept-encoding': 'gzip' } }, (res) => {
        encoding = res.headers['content-encoding'];
        let out = '';
        const gunzip = res.pipe(zlib.createGunzip());
        gunzip.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.length >= 1024) clientSawFirst();
        });
        gunzip.on('end', () => {
          clearTimeout(timer);
          resolve(out);
        });
        gunzip.on('error', reject);
      });
      req.on('error', reject);
    });
    assert.equal(encoding, 'gzip');
    assert.equal(text, `${first}THE END`);
  } finally {
    clientSawFirst();
    await server.close();
  }
});
