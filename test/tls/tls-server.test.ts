import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { Catcher, Router, Server, Service, TcpListener, TlsConfigError } from '../../src/index.js';
import { type CertFiles, makeCert } from '../helpers/certs.js';

const run = promisify(execFile);

function app(): Service {
  const router = new Router()
    .hoop(async (_req, res, _depot, ctrl) => {
      await ctrl.callNext();
      res.header('x-hoop', 'ran');
    })
    .push(new Router('hello/{name}').get((req) => `hello ${req.param('name')} over ${req.raw.httpVersion}`))
    .push(new Router('echo').post(async (req) => ({ got: await req.json() })))
    .push(
      new Router('stream').get((_req, res) => {
        res.stream(
          (async function* () {
            for (let i = 0; i < 5; i++) yield `chunk${i};`;
          })(),
          'text/plain',
        );
      }),
    )
    .push(
      new Router('events').get((_req, res) => {
        const stream = res.sse({ keepAlive: 0 });
        stream.send({ event: 'greeting', id: 1, data: { hello: 'sse' } });
        setTimeout(() => {
          stream.send('second\nline');
          stream.close();
        }, 20);
      }),
    )
    .push(
      new Router('boom').get(() => {
        throw new Error('kaboom');
      }),
    );
  return new Service(router, { logError: () => undefined }).catcher(new Catcher());
}

async function curl(args: string[]): Promise<{ body: string; version: string; status: string }> {
  const { stdout } = await run('curl', ['-sk', '--max-time', '10', '-w', '\n%{http_version} %{http_code}', ...args]);
  const cut = stdout.lastIndexOf('\n');
  const [version, status] = stdout.slice(cut + 1).split(' ');
  return { body: stdout.slice(0, cut), version: version!, status: status! };
}

describe('TLS with HTTP/2 (ALPN) and HTTP/1.1 on one listener', { timeout: 60_000 }, () => {
  let cert: CertFiles;
  let server: Server;
  let serving: Promise<void>;
  let base: string;

  before(async () => {
    cert = await makeCert();
    server = new Server(new TcpListener('127.0.0.1:0', { http2: true }).tls({ cert: cert.cert, key: cert.key }));
    serving = server.serve(app());
    const [bound] = await server.ready();
    base = `https://127.0.0.1:${bound!.port}`;
  });
  after(async () => {
    await server.stopGraceful(2000);
    await serving;
    cert.remove();
  });

  test('curl --http2 negotiates h2 and curl --http1.1 gets HTTP/1.1, with the same routes and bodies', async () => {
    const h2 = await curl(['--http2', `${base}/hello/ana`]);
    const h1 = await curl(['--http1.1', `${base}/hello/ana`]);
    assert.equal(h2.version, '2');
    assert.equal(h1.version, '1.1');
    assert.equal(h2.body, 'hello ana over 2.0');
    assert.equal(h1.body, 'hello ana over 1.1');
    for (const flag of ['--http2', '--http1.1']) {
      const echo = await curl([flag, '-H', 'content-type: application/json', '--data', '{"n":1}', `${base}/echo`]);
      assert.equal(echo.body, '{"got":{"n":1}}');
      const stream = await curl([flag, `${base}/stream`]);
      assert.equal(stream.body, 'chunk0;chunk1;chunk2;chunk3;chunk4;');
      const missing = await curl([flag, '-H', 'accept: application/json', `${base}/nope`]);
      assert.equal(missing.status, '404');
      assert.equal(missing.body, '{"error":{"code":404,"name":"Not Found"}}');
      const events = await curl([flag, `${base}/events`]);
      assert.equal(events.body, 'event: greeting\nid: 1\ndata: {"hello":"sse"}\n\ndata: second\ndata: line\n\n');
      const boom = await curl([flag, `${base}/boom`]);
      assert.equal(boom.status, '500');
    }
    const headers = await run('curl', ['-sk', '--http2', '-D', '-', '-o', '/dev/null', `${base}/hello/x`]);
    assert.match(headers.stdout, /x-hoop: ran/);
  });

  test('undici as the client works over h2 and HTTP/1.1', async () => {
    for (const allowH2 of [true, false]) {
      const dispatcher = new Agent({ allowH2, connect: { rejectUnauthorized: false } });
      try {
        const res = await request(`${base}/hello/undici`, { dispatcher });
        assert.equal(res.statusCode, 200);
        assert.equal(await res.body.text(), `hello undici over ${allowH2 ? '2.0' : '1.1'}`);
      } finally {
        await dispatcher.close();
      }
    }
  });

  test('only TLS 1.2 and newer are accepted', async () => {
    await assert.rejects(run('curl', ['-sk', '--tls-max', '1.1', '--tlsv1.0', `${base}/hello/old`]));
    const ok = await curl(['--tlsv1.2', '--tls-max', '1.2', `${base}/hello/tls12`]);
    assert.equal(ok.status, '200');
  });
});

describe('cleartext HTTP/2 with prior knowledge (h2c)', { timeout: 30_000 }, () => {
  test('an HTTP/2 client without TLS is served; curl --http2-prior-knowledge too', async () => {
    const server = new Server(new TcpListener('127.0.0.1:0', { h2c: true }));
    const serving = server.serve(app());
    const [bound] = await server.ready();
    try {
      const session = http2.connect(`http://127.0.0.1:${bound!.port}`);
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/hello/h2c' });
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => {
          text += c;
        });
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
      });
      session.close();
      assert.equal(body, 'hello h2c over 2.0');
      const viaCurl = await curl(['--http2-prior-knowledge', `http://127.0.0.1:${bound!.port}/hello/curl`]);
      assert.equal(viaCurl.version, '2');
      assert.equal(viaCurl.body, 'hello curl over 2.0');
    } finally {
      await server.stopGraceful(2000);
      await serving;
    }
  });
});

describe('bad TLS inputs fail at listen time with the file named', { timeout: 30_000 }, () => {
  test('a missing certificate file', async () => {
    const cert = await makeCert();
    try {
      const server = new Server(new TcpListener('127.0.0.1:0').tls({ cert: '/nonexistent/cert.pem', key: cert.key }));
      await assert.rejects(server.serve(new Router()), (err: unknown) => {
        assert.ok(err instanceof TlsConfigError);
        assert.equal(err.code, 'VOLLEY_ERR_TLS');
        assert.match(err.message, /\/nonexistent\/cert\.pem/);
        return true;
      });
    } finally {
      cert.remove();
    }
  });

  test('a certificate and a key that do not belong together', async () => {
    const a = await makeCert();
    const b = await makeCert();
    try {
      const server = new Server(new TcpListener('127.0.0.1:0').tls({ cert: a.cert, key: b.key }));
      await assert.rejects(server.serve(new Router()), (err: unknown) => {
        assert.ok(err instanceof TlsConfigError);
        assert.ok(err.message.includes(a.cert) && err.message.includes(b.key), err.message);
        return true;
      });
    } finally {
      a.remove();
      b.remove();
    }
  });

  test('garbage instead of PEM, and http2 without TLS', async () => {
    const server = new Server(
      new TcpListener('127.0.0.1:0').tls({
        cert: '-----BEGIN CERTIFICATE-----\nxx\n',
        key: '-----BEGIN PRIVATE KEY-----\nyy\n',
      }),
    );
    await assert.rejects(server.serve(new Router()), TlsConfigError);
    const plain = new Server(new TcpListener('127.0.0.1:0', { http2: true }));
    await assert.rejects(plain.serve(new Router()), /http2 needs TLS/);
  });
});

describe('graceful stop over HTTP/2', { timeout: 30_000 }, () => {
  test('a request in flight on an h2 session completes; the session gets GOAWAY', async () => {
    const cert = await makeCert();
    const router = new Router().push(
      new Router('slow').get(async () => {
        await new Promise((r) => setTimeout(r, 500));
        return 'slow done';
      }),
    );
    const server = new Server(new TcpListener('127.0.0.1:0', { http2: true }).tls({ cert: cert.cert, key: cert.key }));
    const serving = server.serve(router);
    const [bound] = await server.ready();
    try {
      const session = http2.connect(`https://127.0.0.1:${bound!.port}`, { rejectUnauthorized: false });
      const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
      const body = new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/slow' });
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => {
          text += c;
        });
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
      });
      await new Promise((r) => setTimeout(r, 100));
      const stopped = server.stopGraceful(5000);
      assert.equal(await body, 'slow done');
      await goaway;
      await stopped;
      session.destroy();
    } finally {
      await server.stopGraceful(100);
      await serving;
      cert.remove();
    }
  });
});
