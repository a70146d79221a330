// Raw node:http2 over TLS with the core stream API ('stream' event, stream.respond): no
// compatibility-layer request/response objects. Not a peer of Volley (which, like most
// frameworks, sits on the compatibility API); the ceiling for this machine.
import http2 from 'node:http2';
import { h2args, listening } from './h2-common.mjs';

const { port, cert, key } = h2args();

const server = http2.createSecureServer({ cert, key, allowHTTP1: true, settings: { maxConcurrentStreams: 100 } });
server.on('stream', (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'text/plain; charset=utf-8', 'content-length': 11 });
  stream.end('Hello World');
});
server.listen(port, '127.0.0.1', () => listening(port));
