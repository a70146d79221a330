// The Hono app of hono.mjs served through bench/servers/web-adapter.mjs instead of @hono/node-server.
import http from 'node:http';
import { args, listening } from './common.mjs';
import { honoApp } from './hono-app.mjs';
import { webListener } from './web-adapter.mjs';

const [scenario, port] = args();
http.createServer(webListener(honoApp(scenario).fetch)).listen(port, '127.0.0.1', () => listening(port));
