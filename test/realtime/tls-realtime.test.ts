// WebSockets over TLS, on a plain TLS listener and on an HTTP/2 (ALPN) listener that still
// accepts HTTP/1.1: the upgrade goes through the app, and graceful stop closes with 1001.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Router, Server, TcpListener, websocket } from '../../src/index.js';
import { type CertFiles, makeCert } from '../helpers/certs.js';

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref()),
  ]);

describe('WebSocket over TLS', { timeout: 30_000 }, () => {
  let cert: CertFiles;
  before(async () => {
    cert = await makeCert();
  });
  after(() => cert.remove());

  for (const http2 of [false, true]) {
    test(`wss:// on a ${http2 ? 'TLS + HTTP/2' : 'TLS'} listener: hoops, echo, 1001 on graceful stop`, async (t) => {
      const router = new Router('ws')
        .hoop((req, res) => {
          if (req.query('token') !== 'ok') res.status(403);
        })
        .get(
          websocket((ws) => {
            ws.send('hello');
            ws.on('message', (d) => ws.send(String(d)));
          }),
        );
      const server = new Server(new TcpListener('127.0.0.1:0', { http2 }).tls({ cert: cert.cert, key: cert.key }));
      const serving = server.serve(router);
      t.after(async () => {
        await server.stopGraceful(200);
        await serving;
      });
      const [bound] = await server.ready();
      const url = `wss://127.0.0.1:${bound!.port}/ws`;
      const refused = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url, { ca: cert.certPem });
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        ws.once('open', () => reject(new Error('opened without the token')));
        ws.once('error', () => undefined);
      });
      assert.equal(refused, 403);

      const ws = new WebSocket(`${url}?token=ok`, { ca: cert.certPem });
      t.after(() => ws.terminate());
      const messages: string[] = [];
      let wake: (() => void) | undefined;
      ws.on('message', (d) => {
        messages.push(String(d));
        wake?.();
      });
      const next = async () => {
        while (messages.length === 0) await new Promise<void>((r) => (wake = r));
        return messages.shift()!;
      };
      assert.equal(await within(next(), 3000, 'hello'), 'hello');
      ws.send('secure echo');
      assert.equal(await within(next(), 3000, 'echo'), 'secure echo');
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      await within(server.stopGraceful(10_000), 3000, 'stopGraceful');
      assert.equal(await within(closed, 3000, 'close'), 1001);
    });
  }
});
