// Async errors inside streamed bodies: the connection is cut, the error logged, the process keeps serving.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { Router, Server, Service, TcpListener } from '../../src/index.js';

function fetchRaw(port: number, path: string): Promise<{ outcome: 'end' | 'aborted'; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ outcome: 'end', status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ outcome: 'aborted', status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('a Readable that errors midway, an async generator that throws, a stream that fails before the chain ends', {
  timeout: 20_000,
}, async (t) => {
  const logged: string[] = [];
  const router = new Router()
    .push(
      new Router('readable').get((_req, res) => {
        const body = new Readable({ read() {} });
        body.push('part one;');
        setTimeout(() => body.destroy(new Error('readable broke')), 50);
        res.stream(body, 'text/plain');
      }),
    )
    .push(
      new Router('generator').get(() =>
        Readable.from(
          (async function* () {
            yield 'chunk one;';
            await new Promise((r) => setTimeout(r, 30));
            throw new Error('generator threw');
          })(),
        ),
      ),
    )
    .push(
      new Router('early')
        .hoop(async (_req, _res, _depot, ctrl) => {
          await ctrl.callNext();
          // The file stream fails while this hoop still runs: nobody listens to it yet.
          await new Promise((r) => setTimeout(r, 50));
        })
        .get((_req, res) => {
          res.stream(createReadStream('/nonexistent/volley/file'));
        }),
    )
    .push(new Router('ok').get(() => 'still serving'));
  const service = new Service(router, { logError: (err) => logged.push((err as Error).message) });
  const server = new Server(new TcpListener('127.0.0.1:0'));
  const serving = server.serve(service);
  t.after(async () => {
    await server.stopGraceful(200);
    await serving;
  });
  const [bound] = await server.ready();
  const port = bound!.port!;

  const readable = await fetchRaw(port, '/readable');
  assert.equal(readable.status, 200);
  assert.equal(readable.outcome, 'aborted', 'the connection is cut, not ended as if complete');
  assert.equal(readable.body, 'part one;');

  const generator = await fetchRaw(port, '/generator');
  assert.equal(generator.outcome, 'aborted');
  assert.equal(generator.body, 'chunk one;');

  const early = await fetchRaw(port, '/early');
  assert.equal(early.status, 500, 'nothing was sent yet: a 500');
  assert.equal(early.outcome, 'end');

  assert.equal(logged.length, 3, logged.join('\n'));
  assert.equal(logged[0], 'readable broke');
  assert.equal(logged[1], 'generator threw');
  assert.match(logged[2]!, /ENOENT/);

  const ok = await fetchRaw(port, '/ok');
  assert.equal(ok.body, 'still serving');
});
