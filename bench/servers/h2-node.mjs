// Raw node:http2 over TLS, the baseline: createSecureServer with the compatibility API and the
// same hello handler as bench/servers/node-http.mjs. Same options Volley passes (ALPN h2 with
// HTTP/1.1 still allowed, 100 concurrent streams per session); Node's defaults otherwise.
import http2 from 'node:http2';
import { h2args, listening } from './h2-common.mjs';

const { port, cert, key } = h2args();

const server = http2.createSecureServer(
  { cert, key, allowHTTP1: true, settings: { maxConcurrentStreams: 100 } },
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 11 });
    res.end('Hello World');
  },
);
server.listen(port, '127.0.0.1', () => listening(port));
