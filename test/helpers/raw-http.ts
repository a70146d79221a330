import http from 'node:http';
import net from 'node:net';

export interface RawReply {
  /** Everything the server sent, as latin1 text. */
  text: string;
  /** Status of the first response, or 0 when none came. */
  status: number;
  /** The socket error, if the connection ended with one (e.g. ECONNRESET). */
  error: string | undefined;
}

/**
 * Opens a raw TCP connection, writes `chunks` (without ending the write side unless `end`),
 * and resolves with what came back once the server closed the connection. For requests
 * the server must answer by closing: errors, `Connection: close`, timeouts.
 */
export function rawExchange(
  port: number,
  chunks: (string | Buffer)[],
  options: { host?: string; end?: boolean } = {},
): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = net.connect(port, options.host ?? '127.0.0.1');
    const received: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : 0, error });
    });
    // Writes may fail once the server has answered and closed: that is the point of some tests.
    for (const chunk of chunks) socket.write(chunk, () => undefined);
    if (options.end) socket.end();
  });
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a new connection that is closed afterwards (no keep-alive pool to drain). */
export function request(
  target: { port: number; host?: string } | { socketPath: string },
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { ...target, path, method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A promise with its resolve function, for a handler the test releases when it wants. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
