/**
 * @internal Test helpers for the middleware tests: a real `Server` on a loopback port, and
 * raw HTTP/1.1 requests over a socket (clients such as fetch normalise `..` away, which is
 * exactly what traversal tests must not do).
 */
import { connect } from 'node:net';
import type { Service } from '../http/service.js';
import type { Router } from '../routing/index.js';
import { Server } from '../server/server.js';
import { TcpListener } from '../server/tcp-listener.js';
import type { TlsOptions } from '../server/tls.js';

export interface Running {
  port: number;
  /** Stops the server (forcibly) and waits until it has stopped. */
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 on a free port (with TLS when given). */
export async function listen(app: Router | Service, tls?: TlsOptions): Promise<Running> {
  const listener = new TcpListener('127.0.0.1:0');
  if (tls) listener.tls(tls);
  const server = new Server(listener);
  const serving = server.serve(app);
  const [bound] = await server.ready();
  return {
    port: bound!.port!,
    close: async () => {
      await server.stopForcible();
      await serving;
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `GET <target>` (or another method) exactly as written, with `Connection: close`,
 * and parses the answer. Rejects after `timeoutMs` so a hang fails the test instead of stalling it.
 */
export function rawRequest(
  port: number,
  target: string,
  {
    method = 'GET',
    headers = {},
    timeoutMs = 30_000,
  }: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer to ${method} ${target} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        reject(new Error(`no HTTP answer to ${method} ${target}: ${JSON.stringify(text)}`));
        return;
      }
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers: parsed, body: text.slice(end + 4) });
    });
    const head = Object.entries({ host: 'localhost', ...headers, connection: 'close' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`${method} ${target} HTTP/1.1\r\n${head}\r\n`, 'latin1');
  });
}
