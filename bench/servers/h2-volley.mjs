// Volley, one process, HTTP/2 over TLS (ALPN; HTTP/1.1 still accepted): the hello route.
import { Router, Server, TcpListener } from 'volley';
import { h2args, listening } from './h2-common.mjs';

const { port, cert, key } = h2args();

const root = new Router();
root.get(() => 'Hello World');

const server = new Server(new TcpListener(`127.0.0.1:${port}`, { http2: true }).tls({ cert, key }));
server.ready().then(() => listening(port));
await server.serve(root);
