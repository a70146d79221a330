// The Hono app of hono.mjs served through bench/servers/web-adapter.mjs instead of @hono/node-server.
import http from 'node:http';
import { Hono } from 'hono';
import { args, colonPath, githubRoutes, listening, paramsText } from './common.mjs';
import { webListener } from './web-adapter.mjs';

const [scenario, port] = args();
const app = new Hono();

if (scenario === 'hello') {
  app.get('/', (c) => c.text('Hello World'));
} else if (scenario === 'json') {
  app.post('/json', async (c) => c.json(await c.req.json()));
} else {
  for (const { method, path, names } of githubRoutes()) {
    app.on(method, colonPath(path), (c) => c.text(paramsText(names, (n) => c.req.param(n))));
  }
}

http.createServer(webListener(app.fetch)).listen(port, '127.0.0.1', () => listening(port));
